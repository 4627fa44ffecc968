"""A real OpenID Connect provider for the tests: Node's `oidc-provider`, configured like ProConnect (server.mjs).

`start_provider()` runs it on a free port of 127.0.0.1 with one client and the test users below, and stops it at
the end. Its packages are installed by `npm ci --prefix tests/oidc_provider` (done by .ci/run, or by the first
test that needs them).
`sign_in_at_provider()` plays the person on the provider's pages with an HTTP session (the tests that do not
need a browser): it follows the authorization request, types the e-mail and password, consents or refuses, and
returns the address the provider sends the browser back to.
"""

import contextlib
import fcntl
import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import requests

HERE = Path(__file__).resolve().parent
CLIENT_ID = "pilote-ctg-test"
CLIENT_SECRET = "secret-du-client-de-test-pilote-ctg-0123456789"
# Fictitious agents, with the claims ProConnect sends (given_name, usual_name, email, siret, uid, idp_id).
USERS = {
    "sub-camille": {
        "password": "motdepasse-camille",
        "claims": {
            "email": "camille.fictive@cauxseine.example",
            "given_name": "Camille",
            "usual_name": "Fictive",
            "siret": "20004414200011",
            "uid": "camille-1",
            "idp_id": "idp-collectivites",
        },
    },
    "sub-dominique": {
        "password": "motdepasse-dominique",
        "claims": {
            "email": "dominique.fictif@caf76.example",
            "given_name": "Dominique",
            "usual_name": "Fictif",
            "siret": "78230218200010",
            "uid": "dominique-1",
            "idp_id": "idp-caf",
        },
    },
    # No first name: the sign-in ends on « informations manquantes ».
    "sub-sans-adresse": {
        "password": "motdepasse-sans-adresse",
        "claims": {
            "email": "sans.adresse@example.invalid",
            "given_name": "",
            "usual_name": "Sansprenom",
            "siret": "",
            "uid": "x",
            "idp_id": "idp",
        },
    },
}


@dataclass
class Provider:
    issuer: str
    process: subprocess.Popen

    def user(self, sub: str) -> dict:
        return {"sub": sub, **USERS[sub]}


def _packages_installed() -> bool:
    # npm writes node_modules/.package-lock.json once an install is complete.
    return (HERE / "node_modules" / ".package-lock.json").is_file()


def _install_packages() -> None:
    """`npm ci` once, when the packages are missing (.ci/run installs them first); test processes take turns."""
    if _packages_installed():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("Le fournisseur OpenID Connect de test demande npm : apt-get install npm")
    with (HERE / ".npm-install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _packages_installed():
            subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE, check=True, timeout=600
            )


@contextlib.contextmanager
def start_provider(
    *, redirect_uris: list[str], post_logout_redirect_uris: list[str], signed_userinfo: bool = True
) -> Iterator[Provider]:
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("Le fournisseur OpenID Connect de test demande Node.js : apt-get install nodejs npm")
    _install_packages()
    with tempfile.TemporaryDirectory() as directory:
        config = Path(directory) / "config.json"
        client = {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "redirect_uris": redirect_uris,
            "post_logout_redirect_uris": post_logout_redirect_uris,
            # ProConnect signs userinfo; other OpenID Connect providers answer JSON.
            "userinfo_signed_response_alg": "RS256" if signed_userinfo else None,
        }
        config.write_text(json.dumps({"client": client, "users": USERS}))
        # Its warnings go to a file: a pipe nobody reads would block the provider once full.
        with (Path(directory) / "stderr.log").open("w+") as errors:
            process = subprocess.Popen(
                [node, str(HERE / "server.mjs"), str(config)],
                cwd=HERE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
            )
            try:
                assert process.stdout is not None
                line = process.stdout.readline()
                if not line:
                    process.wait(timeout=10)
                    errors.seek(0)
                    raise RuntimeError(f"Le fournisseur OpenID Connect de test n'a pas démarré : {errors.read()}")
                yield Provider(issuer=json.loads(line)["issuer"], process=process)
            finally:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
                if process.stdout is not None:
                    process.stdout.close()


def _form_action(html: str, button: str) -> str:
    """The action of the form holding the button labelled `button`."""
    for form in re.findall(r"<form[^>]*>.*?</form>", html, flags=re.S):
        if f">{button}</button>" in form:
            return re.search(r'action="([^"]+)"', form)[1]
    raise AssertionError(f"Pas de bouton « {button} » sur la page du fournisseur :\n{html}")


def sign_in_at_provider(
    session: requests.Session, authorization_url: str, *, email: str, password: str, consent: bool = True
) -> str:
    """Play the person at the provider: sign in, consent (or refuse); the URL the provider redirects back to."""
    page = session.get(authorization_url, timeout=10)
    page.raise_for_status()
    page = session.post(
        urljoin(page.url, _form_action(page.text, "Se connecter")),
        data={"email": email, "password": password},
        allow_redirects=False,
        timeout=10,
    )
    return _follow_to_client(session, page, consent=consent)


def _follow_to_client(session: requests.Session, response: requests.Response, *, consent: bool) -> str:
    """Follow the provider's redirects, answering the consent page, until one leaves the provider."""
    provider_origin = re.match(r"https?://[^/]+", response.url)[0]
    for _ in range(10):
        if response.is_redirect:
            location = urljoin(response.url, response.headers["Location"])
            if not location.startswith(provider_origin):
                return location
            response = session.get(location, allow_redirects=False, timeout=10)
            continue
        html = response.text
        if "Autoriser" in html:
            action = _form_action(html, "Autoriser" if consent else "Refuser")
            response = session.post(urljoin(response.url, action), allow_redirects=False, timeout=10)
            continue
        raise AssertionError(f"Page inattendue du fournisseur :\n{html}")
    raise AssertionError("Trop de redirections chez le fournisseur")


def logout_at_provider(session: requests.Session, end_session_url: str) -> str:
    """Confirm the logout on the provider's page; the URL it sends the browser back to."""
    page = session.get(end_session_url, timeout=10)
    page.raise_for_status()
    html = page.text
    form = re.search(r'<form[^>]*id="op.logoutForm"[^>]*>.*?</form>', html, flags=re.S)
    assert form is not None, html
    action = re.search(r'action="([^"]+)"', form[0])[1]
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form[0]))
    response = session.post(
        urljoin(page.url, action), data={**fields, "logout": "yes"}, allow_redirects=False, timeout=10
    )
    assert response.is_redirect, response.text
    return urljoin(response.url, response.headers["Location"])
