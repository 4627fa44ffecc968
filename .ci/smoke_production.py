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

    def login(self, login_page: str) -> str:
        """Logs in as the demo coordinator; returns the home page."""
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
        return (
            self.post(
                "/compte/connexion/",
                {"csrfmiddlewaretoken": token, "username": "coordination", "password": "demo-pilote-ctg"},
            )
            .read()
            .decode()
        )


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
    job = re.search(r"/travaux/(\d+)/", response.url)
    if not job:
        fail(f"le rapport n'ouvre pas la page de son travail : {response.url}")
    job_pk = job.group(1)
    deadline = time.monotonic() + 180
    while "Télécharger" not in (fragment := get(f"/travaux/{job_pk}/etat/").read().decode()):
        if "Échec" in fragment or time.monotonic() > deadline:
            fail(f"le worker n'a pas produit le rapport : {fragment}")
        time.sleep(1)
    pdf = get(f"/travaux/{job_pk}/fichier/")
    content = pdf.read()
    if pdf.status != 200 or not content.startswith(b"%PDF"):
        fail(f"téléchargement du rapport : {pdf.status}, {content[:20]!r}")
    step(f"le worker a produit le rapport PDF ({len(content):,} octets), téléchargé")

    health = wait_until_healthy(10)
    step(f"/sante/ répond toujours {health}")


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
