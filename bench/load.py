"""Load test: the production stack under concurrent users, driven by Locust headless, on loopback only.

The script starts what production runs (config.settings.prod over plain HTTP on 127.0.0.1, gunicorn with
config/gunicorn.conf.py and two web processes, one `manage.py worker`) on a database it builds itself, then runs
Locust as a library (locust.env.Environment, a LocalRunner) for a bounded time and stops everything.

Databases:
- `--database postgres`: a fresh PostgreSQL database `ctg_load` (BENCH_POSTGRES_URL's server) filled with the
  demo (`make demo-data`) plus the SYNTHETIC national data of bench/indicators.py (35,000 communes in 1,250 EPCI,
  every variable of the catalogue), labelled synthetic everywhere: territories named "… synthétique n", on INSEE
  codes no real territory uses, in a dataset whose producer says so; then every indicator is computed (the France
  figures of this throwaway database therefore include the synthetic communes).
- `--database sqlite` (the embedded default): a fresh var/load-test.sqlite3 built with `make demo-data`.

Users: demo accounts log in through the form (CSRF token). "coordination" and "caf" (plan editors) read and
write; "pilote", "bolbec" and "lecteur" read. Reads: the convention page, its diagnostic, its plan, a fiche
action, its offer, its steering dashboard. Writes, each from the form just read (so from the version it
carries): a follow-up note on a fiche, a measure on an indicator, a new status for an action. Two editors saving
the same action at once is a version conflict the application refuses on purpose (409, the form says why):
counted apart, not as an error.
Anonymous users fetch the minimal page in the same run: the login page (the baseline of the ratios) and /sante/.

Printed: requests per second; per page p50 / p95 / p99 twice, as users see them (Locust: the wait for a free web
process included, which dominates once the two processes are saturated) and inside the web process (gunicorn's
access log: what the page itself costs); errors (target: none; the exit status is 1 if any) and the ratio of each
page's p95 to the minimal page's (target: ≤ 10; the login POST, argon2 on purpose, has no target).

Defaults: postgres runs 50 users for 120 s; sqlite runs 10 users for 20 s, which is what `make bench` (no
argument) runs, to stay bounded; the documented SQLite run is `--database sqlite --seconds 60`.
Logs of the stack: var/load-web.log and var/load-worker.log.
"""

import argparse
import contextlib
import datetime
import html.parser
import itertools
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._runner import POSTGRES_ADMIN_URL, ROOT, setup_django

PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
POSTGRES_DATABASE = "ctg_load"
SQLITE_FILE = ROOT / "var" / "load-test.sqlite3"
WEB_LOG = ROOT / "var" / "load-web.log"
WORKER_LOG = ROOT / "var" / "load-worker.log"
DEFAULTS = {"postgres": {"users": 50, "seconds": 120}, "sqlite": {"users": 10, "seconds": 20}}
TARGET_RATIO = 10.0
PASSWORD = "demo-pilote-ctg"  # noqa: S105 (the documented password of the fictitious demo accounts)
EDITORS = ["coordination", "caf"]
READERS = ["pilote", "bolbec", "lecteur"]
THINK_SECONDS = (1.0, 3.0)
MINIMAL = "page minimale (connexion)"
VERSION_CONFLICT = "pendant votre saisie"  # the service's message for a stale version
# The login itself hashes the password with argon2, slow on purpose: no page target applies to it.
WITHOUT_TARGET = {MINIMAL, "connexion (envoi)"}
# The order of the printed table: the baseline, the reads, the writes, then what logging in costs.
REPORT_ORDER = [
    MINIMAL,
    "/sante/",
    "convention",
    "diagnostic",
    "plan",
    "fiche action",
    "offre",
    "tableau de bord",
    "note (formulaire)",
    "note (envoi)",
    "mesure (formulaire)",
    "mesure (envoi)",
    "statut (formulaire)",
    "statut (envoi)",
    "connexion (formulaire)",
    "connexion (envoi)",
    "accueil",
]
SYNTHETIC_PRODUCER = "SYNTHÉTIQUE – banc de charge (données fictives)"


# The database


def postgres_url(name: str) -> str:
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def recreate_postgres(name: str) -> str:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return postgres_url(name)


def recreate_sqlite(path: Path) -> str:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def build_database(database: str) -> str:
    """A fresh database with the demo (and, on PostgreSQL, the synthetic country); returns its URL."""
    started = time.perf_counter()
    url = recreate_postgres(POSTGRES_DATABASE) if database == "postgres" else recreate_sqlite(SQLITE_FILE)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.dev"}
    subprocess.run(["make", "demo-data"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"  démo chargée en {time.perf_counter() - started:.0f} s ({database})", flush=True)
    if database == "postgres":
        started = time.perf_counter()
        subprocess.run([PYTHON, __file__, "--child", "synthetic"], cwd=ROOT, env=env, check=True)
        print(f"  pays synthétique importé et calculé en {time.perf_counter() - started:.0f} s", flush=True)
    return url


def free_codes(used: set[str], count: int, width: int, start: int = 0) -> list[str]:
    """`count` codes of `width` digits that no real territory (or stored figure) uses."""
    candidates = (f"{n:0{width}d}" for n in itertools.count(start))
    return list(itertools.islice((code for code in candidates if code not in used), count))


def create_synthetic_territories(epci_sirens: list[str]) -> dict[str, str]:
    """Synthetic régions, départements, EPCI and communes beside the real referential, on codes it does not use;
    returns the synthetic file's commune codes mapped to the codes given here."""
    from bench import indicators as synthetic
    from ctg.opendata.models import Observation
    from ctg.territories.enums import EpciKind
    from ctg.territories.models import EPCI, Commune, Departement, Region

    communes = synthetic.EPCIS * synthetic.COMMUNES_PER_EPCI

    def used(model, level):
        return set(model.objects.values_list("pk", flat=True)) | set(
            Observation.objects.filter(level=level).values_list("code", flat=True).distinct()
        )

    regions = free_codes(used(Region, "region"), synthetic.REGIONS, 2)
    departements = free_codes(used(Departement, "departement"), synthetic.DEPARTEMENTS, 3, start=100)
    codes = free_codes(used(Commune, "commune"), communes, 5, start=1)
    assert not set(epci_sirens) & used(EPCI, "epci"), "SIREN synthétiques déjà pris"
    Region.objects.bulk_create(Region(code=code, name=f"Région synthétique {code}") for code in regions)
    Departement.objects.bulk_create(
        Departement(code=code, name=f"Département synthétique {code}", region_id=regions[i % len(regions)])
        for i, code in enumerate(departements)
    )
    EPCI.objects.bulk_create(
        EPCI(siren=siren, name=f"EPCI synthétique {siren}", kind=EpciKind.CC) for siren in epci_sirens
    )
    per_departement = communes // len(departements)
    Commune.objects.bulk_create(
        (
            Commune(
                code=code,
                name=f"Commune synthétique {code}",
                departement_id=departements[i // per_departement % len(departements)],
                epci_id=epci_sirens[i // synthetic.COMMUNES_PER_EPCI],
            )
            for i, code in enumerate(codes)
        ),
        batch_size=5000,
    )
    return {synthetic.commune_code(i + 1): code for i, code in enumerate(codes)}


def synthetic_cells(frame):
    """The synthetic file's rows as observation cells: "s" is a secret value, never a zero."""
    import polars as pl

    from ctg.opendata.enums import ObservationStatus

    secret = pl.col("valeur") == "s"
    return frame.select(
        pl.col("niveau").alias("level"),
        pl.col("code_geo").alias("code"),
        "variable",
        pl.col("annee").cast(pl.Int64).alias("year"),
        pl.when(secret).then(None).otherwise(pl.col("valeur")).alias("value"),
        pl.when(secret)
        .then(pl.lit(ObservationStatus.SECRET.value))
        .otherwise(pl.lit(ObservationStatus.OK.value))
        .alias("status"),
        pl.lit(False).alias("incomplete"),
    )


def write_synthetic_observations(path: Path, cells) -> None:
    """Store the cells as observations of one dataset labelled synthetic (COPY). The official import refuses this
    file on purpose (the tidy format is a convention's local data, and bounded to 200,000 lines), hence this direct
    write, for this throwaway database only."""
    import polars as pl
    from django.db import connection, transaction

    from ctg.opendata.models import Dataset, Observation
    from ctg.opendata.services import file_sha256

    columns = ["dataset_id", "level", "code", "variable", "year", "value", "status", "incomplete"]
    table = connection.ops.quote_name(Observation._meta.db_table)
    with transaction.atomic():
        dataset = Dataset.objects.create(
            producer=SYNTHETIC_PRODUCER,
            title="Pays synthétique de bench/load.py – aucune de ces valeurs n'est réelle",
            format="tidy",
            vintage="synthétique",
            licence="données fictives",
            file_name=path.name,
            sha256=file_sha256(path),
            row_count=cells.height,
            observation_count=cells.height,
        )
        frame = cells.select(pl.lit(dataset.pk).alias("dataset_id"), *columns[1:])
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in frame.iter_rows():
                copy.write_row(row)


def child_synthetic() -> None:
    """In a child process (Django, not gevent): the synthetic country of bench/indicators.py, then every
    indicator computed again."""
    import polars as pl

    setup_django()
    from bench import indicators as synthetic
    from ctg.indicators.services import indicators_compute

    sirens = [f"{900000000 + e}" for e in range(synthetic.EPCIS)]
    mapping = create_synthetic_territories(sirens)
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        generated, path = Path(tmp) / "generated.csv", Path(tmp) / "synthetique-national-banc-de-charge.csv"
        synthetic.write_synthetic_file(generated, epcis=synthetic.EPCIS)
        frame = pl.read_csv(generated, separator=";", infer_schema=False)
        frame = frame.with_columns(pl.col("code_geo").replace(mapping))
        frame.write_csv(path, separator=";")
        cells = synthetic_cells(frame)
        write_synthetic_observations(path, cells)
    computed = indicators_compute()
    print(
        f"  {len(mapping)} communes synthétiques, {cells.height} valeurs, {computed['values']} valeurs d'indicateurs"
    )


# The stack


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stack_env(database_url: str, media_root: str, port: int) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DJANGO_LOCAL_HTTP": "true",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "MEDIA_ROOT": media_root,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
    }


@contextlib.contextmanager
def production_stack(database_url: str):
    """gunicorn (two processes) and one worker on the database, as .ci/smoke-production starts them; yields the
    base URL and stops both at the end."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-load-media-") as media_root:
        env = stack_env(database_url, media_root, port)
        manage = [PYTHON, "manage.py"]
        subprocess.run([*manage, "createcachetable"], cwd=ROOT, env=env, check=True)
        subprocess.run([*manage, "collectstatic", "--noinput", "--verbosity", "0"], cwd=ROOT, env=env, check=True)
        (ROOT / "var").mkdir(exist_ok=True)
        with open(WEB_LOG, "w") as web_log, open(WORKER_LOG, "w") as log:
            web = subprocess.Popen(
                [GUNICORN, "--config", "config/gunicorn.conf.py", "config.wsgi"],
                cwd=ROOT,
                env=env,
                stdout=web_log,
                stderr=subprocess.STDOUT,
            )
            worker = subprocess.Popen(
                [*manage, "worker", "--no-startup-delay"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
            try:
                yield f"http://127.0.0.1:{port}"
            finally:
                for process in (web, worker):
                    process.terminate()
                for process in (web, worker):
                    try:
                        process.wait(timeout=40)
                    except subprocess.TimeoutExpired:
                        process.kill()


def wait_until_healthy(base_url: str, seconds: int = 90) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base_url}/sante/", timeout=5) as response:  # noqa: S310 (loopback URL built here)
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise RuntimeError(f"{base_url}/sante/ ne répond pas « ok » après {seconds} s (voir var/load-web.log)")


# Reading pages and forms


class FormParser(html.parser.HTMLParser):
    """The fields of every form of a page, as a browser would submit them untouched: text and hidden inputs,
    checked boxes, selected options (the first one of a single select when none is), textareas."""

    def __init__(self):
        super().__init__()
        self.forms: list[list[tuple[str, str]]] = []
        self._select: tuple[str, bool] | None = None
        self._select_fields: list[tuple[str, str]] = []
        self._first_option: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "form":
            self.forms.append([])
        elif not self.forms:
            return
        elif tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.forms[-1].append((name, attrs.get("value", "on")))
            elif kind not in ("submit", "button", "reset", "file", "image"):
                self.forms[-1].append((name, attrs.get("value") or ""))
        elif tag == "select" and name:
            self._select, self._select_fields, self._first_option = (name, "multiple" in attrs), [], None
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in attrs:
                self._select_fields.append((self._select[0], value))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            name, multiple = self._select
            if not self._select_fields and not multiple and self._first_option is not None:
                self._select_fields.append((name, self._first_option))
            self.forms[-1].extend(self._select_fields)
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.forms[-1].append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)


def form_with(page: str, field: str) -> list[tuple[str, str]]:
    """The fields of the page's form that has `field` (a page also carries the logout form)."""
    parser = FormParser()
    parser.feed(page)
    for fields in parser.forms:
        if any(name == field for name, _ in fields):
            return fields
    raise ValueError(f"aucun formulaire avec le champ « {field} »")


def replaced(fields: list[tuple[str, str]], **values: str) -> list[tuple[str, str]]:
    kept = [(name, value) for name, value in fields if name not in values]
    return kept + list(values.items())


def ids(pattern: str, page: str) -> list[int]:
    return sorted({int(match) for match in re.findall(pattern, page)})


# Locust users: the behaviours are plain classes here, mixed into Locust's user class by `user_classes` (importing
# Locust patches the standard library with gevent, which only the load run wants).


class Browsing:
    """A demo account that logs in, finds its convention and the plan's actions, then reads pages."""

    accounts: Iterator[str]
    shared: dict  # what users learn (indicators of each fiche) and count (version conflicts), shared by all

    def on_start(self):
        self.username = next(self.accounts)
        self.log_in()
        home = self.page("/", "accueil")
        self.convention = ids(r'href="/conventions/(\d+)/"', home)[0]
        self.actions = ids(rf"/conventions/{self.convention}/plan/actions/(\d+)/", self.read_plan())

    def page(self, path: str, name: str) -> str:
        with self.client.get(path, name=name, catch_response=True, allow_redirects=False) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} sur {path}")
            return response.text or ""

    def send(self, path: str, name: str, fields: list[tuple[str, str]]) -> None:
        """POST a form; a redirect is success, a refused stale version is counted apart, anything else fails."""
        body = urllib.parse.urlencode(fields)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Referer": self.host + path}
        with self.client.post(
            path, data=body, headers=headers, name=name, catch_response=True, allow_redirects=False
        ) as response:
            if response.status_code == 302:
                response.success()
            elif response.status_code == 409 and VERSION_CONFLICT in (response.text or ""):
                self.shared["conflicts"] += 1
                response.success()
            else:
                response.failure(f"{response.status_code} sur {path}")

    def log_in(self):
        form = form_with(self.page("/compte/connexion/", "connexion (formulaire)"), "csrfmiddlewaretoken")
        self.send("/compte/connexion/", "connexion (envoi)", replaced(form, username=self.username, password=PASSWORD))

    def url(self, suffix: str = "") -> str:
        return f"/conventions/{self.convention}/{suffix}"

    def read_plan(self) -> str:
        return self.page(self.url("plan/"), "plan")

    def read_fiche(self, action: int | None = None) -> str:
        action = action or random.choice(self.actions)
        page = self.page(self.url(f"plan/actions/{action}/"), "fiche action")
        self.shared["indicators"][action] = ids(rf"/plan/actions/{action}/indicateurs/(\d+)/mesure/", page)
        return page

    def read_convention(self):
        self.page(self.url(), "convention")

    def read_diagnostic(self):
        self.page(self.url("diagnostic/"), "diagnostic")

    def read_offer(self):
        self.page(self.url("offre/"), "offre")

    def read_dashboard(self):
        self.page(self.url("pilotage/tableau-de-bord/"), "tableau de bord")


class Editing(Browsing):
    """A plan editor: reads like everyone, and writes from the form it has just read."""

    def add_note(self):
        path = self.url(f"plan/actions/{random.choice(self.actions)}/notes/nouvelle/")
        form = form_with(self.page(path, "note (formulaire)"), "text")
        today = time.strftime("%Y-%m-%d")
        self.send(path, "note (envoi)", replaced(form, date=today, text=f"Note du banc de charge, {today}."))

    def add_measure(self):
        measured = [(action, item) for action, items in self.shared["indicators"].items() for item in items]
        if not measured:
            self.read_fiche()
            return
        action, indicator = random.choice(measured)
        path = self.url(f"plan/actions/{action}/indicateurs/{indicator}/mesure/")
        form = form_with(self.page(path, "mesure (formulaire)"), "value")
        # One measure per indicator and day (a unique constraint): each new measure takes the day before the last.
        self.shared["measures"] += 1
        day = datetime.datetime.now(datetime.UTC).date() - datetime.timedelta(days=self.shared["measures"])
        values = {"date": day.isoformat(), "value": str(random.randint(1, 500)), "source": "banc de charge"}
        self.send(path, "mesure (envoi)", replaced(form, **values))

    def change_status(self):
        path = self.url(f"plan/actions/{random.choice(self.actions)}/modifier/")
        form = form_with(self.page(path, "statut (formulaire)"), "version")
        current = dict(form).get("status")
        status = random.choice([s for s in ("a_venir", "en_cours", "en_pause") if s != current])
        self.send(path, "statut (envoi)", replaced(form, status=status))


class MinimalPage:
    """Anonymous: the minimal page of the site (the login page, the baseline of the ratios) and the health check."""

    def login_page(self):
        with self.client.get("/compte/connexion/", name=MINIMAL, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")

    def health(self):
        self.client.get("/sante/", name="/sante/")


READS = {
    Browsing.read_convention: 2,
    Browsing.read_diagnostic: 2,
    Browsing.read_plan: 2,
    Browsing.read_fiche: 3,
    Browsing.read_offer: 1,
    Browsing.read_dashboard: 2,
}
WRITES = {Editing.add_note: 1, Editing.add_measure: 1, Editing.change_status: 1}


def user_classes(users: int, shared: dict) -> list[type]:
    """Readers and editors in a 3:2 mix, plus a tenth of anonymous users (at least one) on the minimal page."""
    from locust import FastHttpUser, between

    shared.update(indicators={}, conflicts=0, measures=0)
    common = {"wait_time": between(*THINK_SECONDS), "shared": shared}
    reader = {"weight": 3, "tasks": READS, "accounts": itertools.cycle(READERS)}
    editor = {"weight": 2, "tasks": {**READS, **WRITES}, "accounts": itertools.cycle(EDITORS)}
    anonymous = {"fixed_count": max(1, users // 10), "tasks": {MinimalPage.login_page: 3, MinimalPage.health: 1}}
    return [
        type("Reader", (Browsing, FastHttpUser), {**common, **reader}),
        type("Editor", (Editing, FastHttpUser), {**common, **editor}),
        type("Anonymous", (MinimalPage, FastHttpUser), {**common, **anonymous}),
    ]


def run_load(base_url: str, users: int, seconds: int, shared: dict):
    """Run the users for `seconds` (ramp-up included); return Locust's environment with its statistics."""
    import gevent
    from locust.env import Environment

    environment = Environment(user_classes=user_classes(users, shared), host=base_url, stop_timeout=30)
    runner = environment.create_local_runner()
    runner.start(users, spawn_rate=max(1, users / 10))
    gevent.sleep(seconds)
    runner.quit()
    runner.greenlet.join()
    return environment


# The report


def percentiles(times: list[float]) -> tuple[float, float, float]:
    ordered = sorted(times)
    return tuple(ordered[min(len(ordered) - 1, int(q * len(ordered)))] for q in (0.5, 0.95, 0.99))


def print_table(title: str, rows: dict[str, tuple[int, int, float, float, float]]) -> None:
    """One line per page (requests, failures, p50, p95, p99 in ms) with its p95 against the minimal page's."""
    minimal = rows[MINIMAL][3] or 1
    rank = {name: index for index, name in enumerate(REPORT_ORDER)}
    print(f"  {title}")
    print(f"  {'page':<28}{'req.':>7}{'err.':>6}{'p50':>8}{'p95':>8}{'p99':>8}{'p95 / minimale':>16}")
    for name in sorted(rows, key=lambda name: rank.get(name, len(rank))):
        count, failures, p50, p95, p99 = rows[name]
        ratio = p95 / minimal
        verdict = "" if name in WITHOUT_TARGET or ratio <= TARGET_RATIO else "  AU-DELÀ DE LA CIBLE"
        print(f"  {name:<28}{count:>7}{failures:>6}{p50:>6.0f}ms{p95:>6.0f}ms{p99:>6.0f}ms{ratio:>15.1f}×{verdict}")


def client_rows(stats) -> dict:
    return {
        name: (
            entry.num_requests,
            entry.num_failures,
            *(entry.get_response_time_percentile(q) for q in (0.5, 0.95, 0.99)),
        )
        for (name, _method), entry in stats.entries.items()
    }


# The pages of the gunicorn access log (`"%(r)s" %(s)s %(b)s %(M)sms`), named as in Locust's statistics.
SERVER_PAGES = [
    ("GET", r"/compte/connexion/", MINIMAL),
    ("POST", r"/compte/connexion/", "connexion (envoi)"),
    ("GET", r"/", "accueil"),
    ("GET", r"/sante/", "/sante/"),
    ("GET", r"/conventions/\d+/", "convention"),
    ("GET", r"/conventions/\d+/diagnostic/", "diagnostic"),
    ("GET", r"/conventions/\d+/plan/", "plan"),
    ("GET", r"/conventions/\d+/plan/actions/\d+/", "fiche action"),
    ("GET", r"/conventions/\d+/offre/", "offre"),
    ("GET", r"/conventions/\d+/pilotage/tableau-de-bord/", "tableau de bord"),
    ("GET", r"/conventions/\d+/plan/actions/\d+/notes/nouvelle/", "note (formulaire)"),
    ("POST", r"/conventions/\d+/plan/actions/\d+/notes/nouvelle/", "note (envoi)"),
    ("GET", r"/conventions/\d+/plan/actions/\d+/indicateurs/\d+/mesure/", "mesure (formulaire)"),
    ("POST", r"/conventions/\d+/plan/actions/\d+/indicateurs/\d+/mesure/", "mesure (envoi)"),
    ("GET", r"/conventions/\d+/plan/actions/\d+/modifier/", "statut (formulaire)"),
    ("POST", r"/conventions/\d+/plan/actions/\d+/modifier/", "statut (envoi)"),
]
ACCESS_LINE = re.compile(r'"(GET|POST) (\S+) HTTP/[\d.]+" (\d{3}) \S+ (\d+)ms')


def server_rows(log: Path, start: int) -> dict:
    """The time each page took inside a web process (from the access log, after byte `start`): the client's time
    less the wait for a free process, i.e. what the page itself costs."""
    times: dict[str, list[float]] = {}
    failures: dict[str, int] = {}
    with open(log, "rb") as handle:
        handle.seek(start)
        text = handle.read().decode(errors="replace")
    for match in ACCESS_LINE.finditer(text):
        method, path, status, elapsed = match.groups()
        name = next((n for m, pattern, n in SERVER_PAGES if m == method and re.fullmatch(pattern, path)), None)
        if name:
            times.setdefault(name, []).append(float(elapsed))
            failures[name] = failures.get(name, 0) + (int(status) >= 500)
    return {name: (len(values), failures[name], *percentiles(values)) for name, values in times.items()}


def report(environment, seconds: int, shared: dict, log_start: int) -> int:
    stats = environment.stats
    print(f"  {stats.total.num_requests} requêtes en {seconds} s : {stats.total.num_requests / seconds:.1f} req/s")
    print_table("Temps vus par les utilisateurs (Locust ; attente d'un processus libre comprise)", client_rows(stats))
    print_table("Temps dans le processus web (journal gunicorn, sans l'attente)", server_rows(WEB_LOG, log_start))
    print(f"  conflits de version refusés comme prévu (deux éditeurs sur la même fiche) : {shared['conflicts']}")
    errors = sum(error.occurrences for error in stats.errors.values())
    exceptions = sum(len(item["nodes"]) for item in environment.runner.exceptions.values())
    for error in stats.errors.values():
        print(f"  ERREUR {error.method} {error.name} : {error.error} ({error.occurrences} fois)")
    for item in environment.runner.exceptions.values():
        print(f"  EXCEPTION ({len(item['nodes'])} fois) : {item['msg']}\n{item['traceback']}")
    print(f"  erreurs : {errors + exceptions} (cible : aucune) ; ratio des p95 cible ≤ {TARGET_RATIO:g}")
    return 1 if errors + exceptions else 0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--users", type=int, help="utilisateurs simultanés (50 sur postgres, 10 sur sqlite)")
    parser.add_argument("--seconds", type=int, help="durée du tir (120 s sur postgres, 20 s sur sqlite)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.users = args.users or DEFAULTS[args.database]["users"]
    args.seconds = args.seconds or DEFAULTS[args.database]["seconds"]
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.child == "synthetic":
        child_synthetic()
        return 0
    # Locust patches the standard library with gevent when imported: before anything opens a socket.
    import locust  # noqa: F401

    print(
        f"Charge sur la pile de production ({args.database}, gunicorn 2 processus + 1 worker) : "
        f"{args.users} utilisateurs pendant {args.seconds} s, en local"
    )
    database_url = build_database(args.database)
    with production_stack(database_url) as base_url:
        wait_until_healthy(base_url)
        shared: dict = {}
        log_start = WEB_LOG.stat().st_size
        environment = run_load(base_url, args.users, args.seconds, shared)
    return report(environment, args.seconds, shared, log_start)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
