"""Property-based attacks on the offer CSV import: random bytes and damaged copies of a valid file.

Whatever the bytes: the import succeeds or raises OfferImportError with French messages naming the line; no
other exception escapes; a refusal changes nothing; and the simulation (dry run) has the same outcome as the
real import, same counts or same errors, while writing nothing.
"""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctg.accounts.models import SecurityEvent
from ctg.offer.imports import OfferImportError, offer_import_csv
from ctg.offer.models import OfferItem
from tests.csv_mutations import damaged_csv

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=50,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
VALID = (
    "type;nom;code_commune;capacite;gestionnaire;annee_ouverture;source;annee_reference;communes_couvertes\r\n"
    "eaje;Multi-accueil de test;76114;24;Ville de Bolbec;2005;Saisie de test;2024;\r\n"
    "Micro-crèche;Micro-crèche de test;76384;;;;Saisie de test;2024;\r\n"
    "rpe;Relais de test;76114;;Caux Seine agglo;;Saisie de test;2024;76114|76384 76476\r\n"
    "ludotheque;Ludothèque;76476;;;2010;Site de la commune;2023;\r\n"
).encode()
INSERTIONS = [
    b";",
    b",",
    b"|",
    b'"',
    b"\n",
    b"\r",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\x00",
    b"\x01",
    b"\x7f",
    b"\xe9",
    b"\x81",
    "\u202f".encode(),
    b"9" * 4_301,
    b"99999999999",
    b"1e400000",
    b"-1",
    b"1850",
    b"2999",
    b"rpe",
    b"76540",
    b"n" * 1_001,
    b"a" * 131_073,
]


def state():
    return (
        list(OfferItem.objects.order_by("pk").values_list("pk", "name", "capacity", "version")),
        OfferItem.history.count(),
        SecurityEvent.objects.count(),
    )


def attempt(convention, content: bytes, *, dry_run: bool):
    """The report's counts, or the refusal's messages after checking they are French and located."""
    try:
        report = offer_import_csv(convention=convention, content=content, dry_run=dry_run)
    except OfferImportError as exc:
        assert exc.errors
        for error in exc.errors:
            assert str(error).startswith(f"ligne {error.line}"), str(error)
            assert error.line >= 1
            assert len(error.message) < 500
        return [str(error) for error in exc.errors]
    return (report.read, report.created, report.updated, report.unchanged)


def check(convention, content: bytes):
    before = state()
    simulated = attempt(convention, content, dry_run=True)
    assert state() == before, "a simulation writes nothing"
    with transaction.atomic():
        real = attempt(convention, content, dry_run=False)
        if isinstance(real, list):
            assert state() == before, "a refused file changes nothing"
        # Each example starts from the same database.
        transaction.set_rollback(True)
    assert simulated == real


def damaged():
    return damaged_csv(VALID, insertions=INSERTIONS, max_column=8)


def test_the_valid_file_imports(caux_seine):
    assert attempt(caux_seine["convention"], VALID, dry_run=True) == (4, 4, 0, 0)


@FUZZ
@given(content=st.binary(max_size=1_000))
def test_random_bytes(caux_seine, content):
    check(caux_seine["convention"], content)


@FUZZ
@given(content=damaged())
def test_damaged_valid_file(caux_seine, content):
    check(caux_seine["convention"], content)


@FUZZ
@given(content=damaged())
def test_damaged_file_over_existing_items(caux_seine, content):
    """Updates take the same paths in the simulation and the import: existing items are compared and locked."""
    convention = caux_seine["convention"]
    with transaction.atomic():
        offer_import_csv(convention=convention, content=VALID)
        check(convention, content)
        transaction.set_rollback(True)
