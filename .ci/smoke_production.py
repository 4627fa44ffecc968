"""Smoke test of the production stack already started (gunicorn + worker on PostgreSQL, production settings).

Usage: smoke_production.py BASE_URL — logs in over HTTP as the demo coordinator, checks the static files
WhiteNoise serves, has the worker build the diagnostic report and downloads it, and checks /sante/.
smoke_production.py --compare ORIGINAL_URL RESTORED_URL — logs in on both (an instance and the one restored from
its backup) and checks that the same pages show the same data. Prints one line per step; exits non-zero at the
first failure.
"""

import http.cookiejar
import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

SHIPPED_FILE = Path(__file__).resolve().parent.parent / "data/insee/base_cc_comparateur_2025_extrait_cauxseine50.csv"
# Pages compared between an instance and its restored copy: the plan, a fiche, the offer, the diagnostic.
COMPARED_PAGES = [
    "/conventions/{pk}/",
    "/conventions/{pk}/plan/",
    "/conventions/{pk}/offre/",
    "/conventions/{pk}/diagnostic/",
]
# What differs from one response to the next whatever the data: tokens, nonces, the time of the page.
VOLATILE = re.compile(r'(csrfmiddlewaretoken" value="|nonce="|csrf-token" content=")[^"]*"')


class Session:
    def __init__(self, base: str):
        self.base = base.rstrip("/")
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str, headers: dict | None = None):
        request = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            return self.opener.open(request, timeout=60)
        except urllib.error.HTTPError as error:
            return error

    def post(self, path: str, data: dict):
        body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path})
        return self.opener.open(request, timeout=60)

    def post_file(self, path: str, fields: dict, name: str, content: bytes):
        boundary = "----pilote-ctg-smoke"
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
            for key, value in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: text/csv\r\n\r\n".encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Referer": self.base + path}
        request = urllib.request.Request(self.base + path, data=b"".join(parts), headers=headers)
        return self.opener.open(request, timeout=60)

    def login(self, login_page: str, username: str = "coordination") -> str:
        """Logs in as a demo account; returns the home page."""
        return (
            self.post(
                "/compte/connexion/",
                {"csrfmiddlewaretoken": csrf_token(login_page), "username": username, "password": "demo-pilote-ctg"},
            )
            .read()
            .decode()
        )


def csrf_token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def wait_for_job(client: "Session", url: str, expected: str, seconds: int = 180) -> str:
    """Polls the job's status fragment (as the page does) until the worker has finished it."""
    job = re.search(r"/travaux/(\d+)/", url)
    if not job:
        fail(f"pas de page de travail : {url}")
    deadline = time.monotonic() + seconds
    while "Terminé" not in (fragment := client.get(f"/travaux/{job.group(1)}/etat/").read().decode()):
        if "Échec" in fragment or time.monotonic() > deadline:
            fail(f"le worker n'a pas terminé le travail {job.group(1)} : {fragment}")
        time.sleep(1)
    if expected not in fragment:
        fail(f"le travail {job.group(1)} ne dit pas « {expected} » : {fragment}")
    return job.group(1)


session = Session(sys.argv[-1])
get = session.get


def step(message: str) -> None:
    print(f"ok: {message}", flush=True)


def fail(message: str) -> None:
    print(f"ÉCHEC : {message}", flush=True)
    sys.exit(1)


def wait_until_up(client: Session, seconds: int = 60) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            response = client.get("/compte/connexion/")
            if response.status == 200:
                return response.read().decode()
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(1)
    fail(f"{client.base} ne répond pas après {seconds} s")
    return ""


def wait_until_healthy(seconds: int = 90) -> dict:
    deadline = time.monotonic() + seconds
    body = {}
    while time.monotonic() < deadline:
        try:
            response = get("/sante/")
            body = json.loads(response.read())
            if response.status == 200 and body.get("etat") == "ok":
                return body
        except (urllib.error.URLError, ConnectionError, json.JSONDecodeError):
            pass
        time.sleep(1)
    fail(f"/sante/ n'est pas « ok » après {seconds} s : {body}")
    return body


def main() -> None:
    health = wait_until_healthy()
    step(f"/sante/ répond {health}")

    login = get("/compte/connexion/").read().decode()
    stylesheet = re.search(r'href="(/static/css/pilote\.[0-9a-f]{12}\.css)"', login)
    if not stylesheet:
        fail("la page de connexion ne cite pas la feuille de style sous son nom haché (collectstatic, WhiteNoise)")
    static = get(stylesheet.group(1), {"Accept-Encoding": "gzip"})
    if static.status != 200 or static.headers.get("Content-Encoding") != "gzip":
        fail(f"{stylesheet.group(1)} : {static.status}, encodage {static.headers.get('Content-Encoding')}")
    if "max-age=315360000" not in static.headers.get("Cache-Control", ""):
        fail(f"{stylesheet.group(1)} sans cache long : {static.headers.get('Cache-Control')}")
    step(f"WhiteNoise sert {stylesheet.group(1)} compressé, en cache long")

    home = session.login(login)
    convention = re.search(r'href="/conventions/(\d+)/"', home)
    if not convention:
        fail("connexion refusée ou aucune convention sur la page d'accueil")
    pk = convention.group(1)
    step(f"connecté en HTTP comme « coordination », convention {pk}")

    response = get(f"/conventions/{pk}/diagnostic/export/rapport.pdf")
    job_pk = wait_for_job(session, response.url, "Télécharger")
    pdf = get(f"/travaux/{job_pk}/fichier/")
    content = pdf.read()
    if pdf.status != 200 or not content.startswith(b"%PDF"):
        fail(f"téléchargement du rapport : {pdf.status}, {content[:20]!r}")
    step(f"le worker a produit le rapport PDF ({len(content):,} octets), téléchargé")

    reimport_official_file(Session(session.base))

    health = wait_until_healthy(10)
    step(f"/sante/ répond toujours {health}")


def reimport_official_file(admin: Session) -> None:
    """The data administrator withdraws a shipped file and imports it again: two jobs of the worker."""
    admin.login(admin.get("/compte/connexion/").read().decode(), "donnees")
    index = admin.get("/donnees/").read().decode()
    link = re.search(rf'href="(/donnees/\d+/retirer/)">Retirer<span[^>]*> {re.escape(SHIPPED_FILE.name)}<', index)
    if not link:
        fail(f"{SHIPPED_FILE.name} n'est pas dans la liste des données ouvertes")
    withdraw = link.group(1)
    response = admin.post(withdraw, {"csrfmiddlewaretoken": csrf_token(admin.get(withdraw).read().decode())})
    wait_for_job(admin, response.url, "valeurs supprimées")
    step(f"le worker a retiré {SHIPPED_FILE.name} et recalculé les indicateurs")
    form = admin.get("/donnees/importer/").read().decode()
    response = admin.post_file(
        "/donnees/importer/", {"csrfmiddlewaretoken": csrf_token(form)}, SHIPPED_FILE.name, SHIPPED_FILE.read_bytes()
    )
    wait_for_job(admin, response.url, "valeurs créées")
    step(f"le worker a importé {SHIPPED_FILE.name} envoyé par le formulaire et recalculé les indicateurs")


def compare(original: Session, restored: Session) -> None:
    homes = [client.login(wait_until_up(client)) for client in (original, restored)]
    pks = [re.findall(r'href="/conventions/(\d+)/"', home) for home in homes]
    if not pks[0] or pks[0] != pks[1]:
        fail(f"les conventions diffèrent après restauration : {pks}")
    for template in COMPARED_PAGES:
        path = template.format(pk=pks[0][0])
        pages = [VOLATILE.sub("", client.get(path).read().decode()) for client in (original, restored)]
        if pages[0] != pages[1]:
            fail(f"{path} diffère entre l'instance et sa copie restaurée")
        step(f"{path} identique sur la copie restaurée ({len(pages[0]):,} caractères)")


if __name__ == "__main__":
    if sys.argv[1] == "--compare":
        compare(Session(sys.argv[2]), Session(sys.argv[3]))
    else:
        main()
