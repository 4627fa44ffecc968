import io

import pytest
from django.core.management import call_command

from ctg.territories.importers import import_referential


@pytest.fixture(scope="session")
def national_referential(django_db_setup, django_db_blocker):
    """The real national referential (34,969 communes), loaded once per test session."""
    with django_db_blocker.unblock():
        import_referential()
    yield


@pytest.fixture
def caux_seine(db):
    """Caux Seine agglo's territory, its boundaries and the demo convention, built from the shipped files."""
    from ctg.conventions.demo import load_demo
    from ctg.territories.models import EPCI

    if not EPCI.objects.filter(siren="200010700").exists():
        _load_departement_76_referential()
    return load_demo()


def _load_departement_76_referential():
    """Import the real referential filtered on département 76, faster than the whole country for most tests."""
    import gzip
    import json
    import tempfile
    from pathlib import Path

    from ctg.territories.importers import REFERENTIAL_DIR

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for name in ("regions.json", "departements.json"):
            (tmp / name).write_bytes((REFERENTIAL_DIR / name).read_bytes())
        with gzip.open(REFERENTIAL_DIR / "communes.json.gz") as handle:
            communes = json.load(handle)
        communes = [c for c in communes if c.get("departement") == "76"]
        codes = {c["code"] for c in communes}
        with gzip.open(REFERENTIAL_DIR / "epci.json.gz") as handle:
            epcis = json.load(handle)
        epcis = [e for e in epcis if all(m["code"] in codes for m in e["membres"])]
        with gzip.open(tmp / "communes.json.gz", "wt", encoding="utf-8") as handle:
            json.dump(communes, handle)
        with gzip.open(tmp / "epci.json.gz", "wt", encoding="utf-8") as handle:
            json.dump(epcis, handle)
        import_referential(tmp)
    call_command(
        "import_boundaries",
        "data/referentiel/france-geojson-76/communes-76-seine-maritime.geojson",
        stdout=io.StringIO(),
    )


@pytest.fixture(scope="session", autouse=True)
def _close_stray_database_sessions(django_db_setup, django_db_blocker):
    """Live-server threads may leave a PostgreSQL session open; the test database can only be dropped without."""
    yield
    from django.db import connection, connections

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
        connections.close_all()
