"""Fixtures and ordering shared by the whole suite.

The Caux Seine reference data (the real referential of département 76, its commune boundaries and the demo
convention) takes seconds to build and a quarter of the tests use it. Each test process builds and commits it
once; the tests that use it run one after the other, each in its own transaction rolled back at its end, so they
all see it as built and none can change it for the next one. The tests that also need the figures of the shipped
INSEE extracts (`caux_seine_figures`) run after them, on the same data with the figures committed on top. The
database is emptied after the last of them, before any test that expects an empty database.
"""

import io
import os
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from pytest_django.plugin import validate_django_db

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
# Chromium is started without the services that would try to reach the network.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHARED_FIXTURE = "caux_seine"
SHARED_FIGURES = "caux_seine_figures"
# Fixtures through which pytest-django runs a test outside a rolled-back transaction and flushes after it.
TRANSACTIONAL_FIXTURES = {"transactional_db", "live_server", "django_db_reset_sequences"}


def pytest_addoption(parser):
    parser.addoption(
        "--runslow",
        action="store_true",
        default=False,
        help="also run the tests marked slow (always run when CI=true)",
    )


def pytest_sessionstart(session):
    """Remove the SQLite test databases that killed runs left in var/ (config.settings.test names them)."""
    if hasattr(session.config, "workerinput"):
        return
    for path in (Path(session.config.rootpath) / "var").glob("test-*.sqlite3*"):
        match = re.match(r"test-(\d+)\.sqlite3", path.name)
        if match and not _process_is_running(int(match[1])):
            path.unlink(missing_ok=True)


def _process_is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def pytest_collection_modifyitems(config, items):
    """Skip slow tests unless asked, then order the tests so that the shared reference data is built once.

    pytest-randomly has shuffled the tests already; the stable sort keeps its random order within each group.
    """
    if not (config.getoption("--runslow") or os.environ.get("CI") == "true"):
        skip = pytest.mark.skip(reason="test lent : lancez pytest avec --runslow (la CI les lance toujours)")
        for item in items:
            if item.get_closest_marker("slow"):
                item.add_marker(skip)
    items.sort(key=_run_order)


def _run_order(item) -> tuple[int, int, int]:
    """Rolled-back tests first, those sharing Caux Seine last of them (those with its figures after those without);
    then transactional tests; then the others.

    Within each group the longest tests come first (marked `long`, then national files and browser tests): a test
    process that ends its share early takes the short ones left to the other (pytest-xdist's worksteal), rather
    than waiting for a long test that started last."""
    if item.get_closest_marker("long"):
        length = 0
    elif item.get_closest_marker("slow") or item.get_closest_marker("e2e"):
        length = 1
    else:
        length = 2
    if _shares_caux_seine(item):
        return 1, int(_shares_figures(item)), length
    if _uses_database(item):
        return (2 if _is_transactional(item) else 0), 0, length
    return 3, 0, length


def _uses_database(item) -> bool:
    names = set(getattr(item, "fixturenames", ()))
    return item.get_closest_marker("django_db") is not None or bool({"db", *TRANSACTIONAL_FIXTURES} & names)


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    transaction, reset_sequences, *_ = validate_django_db(marker) if marker else (False, False)
    return transaction or reset_sequences or bool(TRANSACTIONAL_FIXTURES & set(getattr(item, "fixturenames", ())))


def _shares_caux_seine(item) -> bool:
    return SHARED_FIXTURE in getattr(item, "fixturenames", ()) and not _is_transactional(item)


def _shares_figures(item) -> bool:
    return SHARED_FIGURES in getattr(item, "fixturenames", ()) and _shares_caux_seine(item)


class SharedCauxSeine:
    """The demo convention and its territory, committed once per test process while the tests sharing it run."""

    def __init__(self, django_db_blocker):
        self.django_db_blocker = django_db_blocker
        self.committed = None
        self.figures = False  # the figures committed on top of the data

    def commit(self):
        """Build and commit the data between two tests; not from inside a test's transaction, which rolls back."""
        from django.db import connection

        with self.django_db_blocker.unblock():
            if connection.in_atomic_block:
                return
            built = _build_caux_seine()
        self.committed = {
            "convention": built["convention"].pk,
            "accounts": [(account, user.pk) for account, user in built["accounts"]],
            "password": built["password"],
        }

    def get(self) -> dict:
        """What `load_demo` returns, as new instances; built inside the test when not committed before it."""
        from ctg.accounts.models import User
        from ctg.conventions.models import Convention

        if self.committed is None or not Convention.objects.filter(pk=self.committed["convention"]).exists():
            self.committed = None
            return _build_caux_seine()
        # New instances for every test: an attribute a test sets without saving stays in that test.
        users = User.objects.in_bulk([pk for _, pk in self.committed["accounts"]])
        return {
            "convention": Convention.objects.get(pk=self.committed["convention"]),
            "created": True,
            "accounts": [(account, users[pk]) for account, pk in self.committed["accounts"]],
            "password": self.committed["password"],
        }

    def commit_figures(self):
        """Load the shipped INSEE extracts and compute every indicator over the committed data, between two tests."""
        from django.db import connection

        with self.django_db_blocker.unblock():
            if connection.in_atomic_block or self.committed is None:
                return
            if not _has_figures():
                _build_figures()
        self.figures = True

    def get_with_figures(self) -> dict:
        """What `get` returns, with the figures of `caux_seine_figures`."""
        data = self.get()
        self.ensure_figures()
        return data

    def ensure_figures(self):
        """The figures, committed before the test (or held for its class), or else built inside it."""
        if not _has_figures():
            self.figures = False
            _build_figures()

    def remove(self):
        with self.django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0, reset_sequences=False)
        self.committed = None
        self.figures = False


_shared_caux_seine = None


@pytest.fixture(scope="session")
def database_in_use(request) -> bool:
    """Whether a collected test uses the database: pytest-django makes the test databases only then (a run of tests
    that need none, `pytest tests/charts/test_maps.py`, has none, and must not touch the settings' database)."""
    return any(_uses_database(item) for item in request.session.items)


@pytest.fixture(scope="session")
def django_db_setup(database_in_use, django_db_setup, django_db_blocker):
    """The test database, created from the models (config.settings.test), with what the migrations add to it.

    The reference themes of the data migration, and every migration recorded as applied, as `migrate` leaves them.
    """
    if not database_in_use:
        yield
        return
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from ctg.conventions.services import themes_ensure_reference

    with django_db_blocker.unblock():
        themes_ensure_reference()
        executor = MigrationExecutor(connection)
        for migration, _ in executor.migration_plan(executor.loader.graph.leaf_nodes()):
            executor.record_migration(migration)
        executor.check_replacements()
    yield


@pytest.fixture(scope="session")
def _caux_seine_once(django_db_setup, django_db_blocker):
    """Set up before the first test sharing the data opens its transaction (higher scopes come first)."""
    global _shared_caux_seine
    _shared_caux_seine = SharedCauxSeine(django_db_blocker)
    _shared_caux_seine.commit()
    yield _shared_caux_seine
    _shared_caux_seine = None


@pytest.fixture
def caux_seine(db, _caux_seine_once):
    """Caux Seine agglo's territory, its boundaries and the demo convention, built from the shipped files."""
    return _caux_seine_once.get()


@pytest.fixture
def caux_seine_figures(caux_seine, _caux_seine_once):
    """caux_seine with the shipped INSEE extracts loaded and every indicator of the catalogue computed."""
    _caux_seine_once.ensure_figures()
    return caux_seine


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Between two tests: commit the shared data before the tests sharing it, remove it after them."""
    result = yield
    shared = _shared_caux_seine
    if shared is None or nextitem is None:
        return result
    if _is_transactional(item):
        shared.committed = None  # its flush emptied the database
        shared.figures = False
    if _shares_caux_seine(nextitem):
        if shared.figures and not _shares_figures(nextitem):
            shared.remove()  # a test taken from another process's share: the data without the figures again
        if shared.committed is None:
            shared.commit()
        if _shares_figures(nextitem) and not shared.figures:
            shared.commit_figures()
    elif shared.committed is not None and _uses_database(nextitem):
        shared.remove()
    return result


def _build_caux_seine() -> dict:
    from ctg.conventions.demo import load_demo
    from ctg.territories.models import EPCI

    if not EPCI.objects.filter(siren="200010700").exists():
        _load_departement_76_referential()
    return load_demo()


def _has_figures() -> bool:
    from ctg.opendata.models import Dataset
    from tests.indicators.shipped import FILES

    return Dataset.objects.filter(file_name__in=FILES).exists()


def _build_figures():
    from ctg.indicators.services import indicators_compute
    from tests.indicators.shipped import load_insee_extracts

    load_insee_extracts()
    indicators_compute()


def _load_departement_76_referential():
    """Import the real referential filtered on département 76, faster than the whole country for most tests."""
    import tempfile
    from pathlib import Path

    from ctg.territories.importers import import_referential

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name, content in _departement_76_referential_files().items():
            (tmp / name).write_bytes(content)
        import_referential(tmp)
    call_command(
        "import_boundaries",
        "data/referentiel/france-geojson-76/communes-76-seine-maritime.geojson",
        stdout=io.StringIO(),
    )


_departement_76_files: dict[str, bytes] = {}


def _departement_76_referential_files() -> dict[str, bytes]:
    """The referential's files filtered on département 76, read from the national files once per test process.

    Tests outside a rolled-back transaction import them again after each flush.
    """
    import gzip
    import json

    from ctg.territories.importers import REFERENTIAL_DIR

    if _departement_76_files:
        return _departement_76_files
    files = {name: (REFERENTIAL_DIR / name).read_bytes() for name in ("regions.json", "departements.json")}
    with gzip.open(REFERENTIAL_DIR / "communes.json.gz") as handle:
        communes = json.load(handle)
    communes = [c for c in communes if c.get("departement") == "76"]
    codes = {c["code"] for c in communes}
    with gzip.open(REFERENTIAL_DIR / "epci.json.gz") as handle:
        epcis = json.load(handle)
    # An EPCI straddling the département keeps its members of the département: each commune of the département
    # has its EPCI and the census population the EPCI file dates, as in the national referential.
    epcis = [
        {**e, "membres": [m for m in e["membres"] if m["code"] in codes]}
        for e in epcis
        if any(m["code"] in codes for m in e["membres"])
    ]
    files["communes.json.gz"] = gzip.compress(json.dumps(communes).encode("utf-8"))
    files["epci.json.gz"] = gzip.compress(json.dumps(epcis).encode("utf-8"))
    _departement_76_files.update(files)
    return _departement_76_files


@pytest.fixture
def browser(monkeypatch):
    """The system Chromium driven by Playwright, for end-to-end tests."""
    if not CHROMIUM:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium est introuvable : installez le paquet Debian « chromium ».")
        pytest.skip("Chromium n'est pas installé (paquet Debian « chromium ») : test de bout en bout ignoré.")
    # Playwright runs its own event loop; Django's ORM is only used before and after the browser session. Allowed
    # for this test only: the other tests keep Django's guard against database access from an event loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session", autouse=True)
def _close_stray_database_sessions(database_in_use, django_db_setup, django_db_blocker):
    """Live-server threads may leave a PostgreSQL session open; the test database can only be dropped without."""
    yield
    if not database_in_use:
        return
    from django.db import connection, connections

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
        connections.close_all()
