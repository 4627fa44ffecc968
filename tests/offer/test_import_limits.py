"""Attacks on the offer CSV import: hostile files are refused in French with their line and column, nothing is
written, and the simulation refuses exactly what the real import refuses."""

import inspect
import tracemalloc

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ctg.accounts.enums import SecurityEventKind
from ctg.accounts.models import SecurityEvent
from ctg.offer import imports
from ctg.offer.imports import OfferImportError, offer_import_csv
from ctg.offer.models import OfferItem
from ctg.offer.services import offer_item_update
from tests.offer.factories import OfferItemFactory

pytestmark = pytest.mark.django_db

HEADER = "type;nom;code_commune;capacite;gestionnaire;annee_ouverture;source;annee_reference;communes_couvertes\n"
LINE = "eaje;Multi-accueil de test;76114;24;Ville de Bolbec;2005;Saisie de test;2024;\n"
NEXT_YEAR = timezone.localdate().year + 1


def state():
    """Everything an import may write: items, their history, their coverage and the journal."""
    return (
        list(OfferItem.objects.order_by("pk").values_list("pk", "name", "capacity", "version")),
        OfferItem.history.count(),
        SecurityEvent.objects.filter(kind=SecurityEventKind.IMPORT).count(),
    )


def messages(convention, content: bytes, *, dry_run: bool) -> list[str]:
    with pytest.raises(OfferImportError) as exc:
        offer_import_csv(convention=convention, content=content, dry_run=dry_run)
    return [str(error) for error in exc.value.errors]


# Lines that only the model and the services refuse (length, constraints, plausibility): the simulation used
# to skip them and announce an import that would then fail.
REFUSED_BY_THE_SERVICES = {
    "name_too_long": (LINE.replace("Multi-accueil de test", "N" * 201), "ligne 2, colonne « nom »"),
    "reference_year_before_1990": (LINE.replace(";2024;", ";1980;"), "ligne 2, colonne « annee_reference »"),
    "opening_year_before_1850": (LINE.replace(";2005;", ";1800;"), "ligne 2, colonne « annee_ouverture »"),
    "opening_year_in_the_future": (
        LINE.replace(";2005;", f";{NEXT_YEAR};"),
        "ligne 2, colonne « annee_ouverture » : L'année d'ouverture ne peut pas dépasser",
    ),
    "source_too_long": (LINE.replace("Saisie de test", "S" * 301), "ligne 2, colonne « source »"),
    "manager_too_long": (LINE.replace("Ville de Bolbec", "G" * 201), "ligne 2, colonne « gestionnaire »"),
}


@pytest.mark.parametrize("case", REFUSED_BY_THE_SERVICES)
def test_simulation_refuses_what_the_real_import_refuses(caux_seine, case):
    convention = caux_seine["convention"]
    OfferItemFactory(convention=convention, commune_id="76384", name="Crèche existante")
    line, expected = REFUSED_BY_THE_SERVICES[case]
    content = (HEADER + line).encode()
    before = state()

    simulated = messages(convention, content, dry_run=True)
    real = messages(convention, content, dry_run=False)

    assert simulated == real
    assert any(message.startswith(expected) for message in real), real
    assert state() == before


def test_simulation_of_an_update_refuses_what_the_update_refuses(caux_seine):
    convention = caux_seine["convention"]
    offer_import_csv(convention=convention, content=(HEADER + LINE).encode())
    before = state()
    content = (HEADER + LINE.replace(";2024;", ";1985;")).encode()
    assert messages(convention, content, dry_run=True) == messages(convention, content, dry_run=False)
    assert state() == before


def test_simulation_counts_like_the_import_and_writes_nothing(caux_seine):
    convention = caux_seine["convention"]
    offer_import_csv(convention=convention, content=(HEADER + LINE).encode())
    before = state()
    content = (HEADER + LINE.replace(";24;", ";30;") + LINE.replace("Multi-accueil de test", "Autre")).encode()
    simulated = offer_import_csv(convention=convention, content=content, dry_run=True)
    assert state() == before
    real = offer_import_csv(convention=convention, content=content)
    assert (simulated.read, simulated.created, simulated.updated, simulated.unchanged) == (
        real.read,
        real.created,
        real.updated,
        real.unchanged,
    )
    assert simulated.summary().startswith("Simulation : 2 lignes lues, 1 créée, 1 mise à jour")


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x1b", "\x7f"])
@pytest.mark.parametrize("column", ["nom", "gestionnaire", "source"])
def test_control_character_in_a_text_cell_is_refused_with_line_and_column(caux_seine, character, column):
    values = {"nom": "Multi-accueil de test", "gestionnaire": "Ville de Bolbec", "source": "Saisie de test"}
    line = LINE.replace(values[column], f"Abc{character}def")
    before = state()
    for dry_run in (True, False):
        errors = messages(
            caux_seine["convention"], (HEADER + LINE.replace("test", "autre") + line).encode(), dry_run=dry_run
        )
        assert errors == [
            f"ligne 3, colonne « {column} » : caractère de contrôle invisible (code {ord(character):#04x}) en "
            "position 4 : supprimez-le (il vient souvent d'un copier-coller) puis enregistrez à nouveau."
        ]
    assert state() == before


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_is_named_with_or_without_bom(caux_seine, encoding):
    errors = messages(caux_seine["convention"], (HEADER + LINE).encode(encoding), dry_run=False)
    assert errors == [
        "ligne 1 : le fichier est encodé en UTF-16 (« Texte Unicode » des tableurs). Enregistrez-le en UTF-8 (CSV "
        "UTF-8) puis importez-le à nouveau."
    ]
    assert not OfferItem.objects.exists()


def test_cell_over_the_csv_module_field_limit_is_refused(caux_seine):
    quoted = LINE.replace("Multi-accueil de test", '"' + "n" * 131_073 + '"')
    errors = messages(caux_seine["convention"], (HEADER + LINE.replace("test", "x") + quoted).encode(), dry_run=False)
    assert errors == ["ligne 3 : une cellule dépasse 1000 caractères (guillemet non refermé ?)."]
    plain = LINE.replace("Multi-accueil de test", "n" * 131_073)
    errors = messages(caux_seine["convention"], (HEADER + plain).encode(), dry_run=False)
    assert errors == ["ligne 2 : une cellule dépasse 1000 caractères (guillemet non refermé ?)."]
    long = LINE.replace("Multi-accueil de test", "n" * 5_000)
    errors = messages(caux_seine["convention"], (HEADER + long).encode(), dry_run=False)
    assert errors == ["ligne 2, colonne « nom » : la cellule dépasse 1000 caractères."]
    assert not OfferItem.objects.exists()


def test_number_with_thousands_of_digits_is_a_french_refusal(caux_seine):
    convention = caux_seine["convention"]
    errors = messages(convention, (HEADER + LINE.replace(";24;", ";" + "9" * 4_301 + ";")).encode(), dry_run=False)
    assert errors == ["ligne 2, colonne « capacite » : la cellule dépasse 1000 caractères."]
    errors = messages(convention, (HEADER + LINE.replace(";24;", ";" + "9" * 999 + ";")).encode(), dry_run=False)
    assert errors == ["ligne 2, colonne « capacite » : « " + "9" * 40 + "… » est trop grand (9 chiffres au plus)."]
    assert not OfferItem.objects.exists()


def test_hundred_thousand_columns_are_refused_before_the_file_is_split(caux_seine, monkeypatch):
    monkeypatch.setattr(imports.csv, "DictReader", lambda *a, **k: pytest.fail("the file was split"))
    content = (";".join(f"c{i}" for i in range(100_000)) + "\n" + ";" * 99_999 + "\n").encode()
    tracemalloc.start()
    try:
        errors = messages(caux_seine["convention"], content, dry_run=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert errors == ["ligne 1 : l'en-tête compte plus de 50 colonnes : ce n'est pas un fichier d'offre."]
    assert peak < 6 * len(content)


def test_too_many_lines_are_refused_before_the_file_is_split(caux_seine, monkeypatch):
    monkeypatch.setattr(imports.csv, "DictReader", lambda *a, **k: pytest.fail("the file was split"))
    content = (HEADER + LINE * (imports.MAX_ROWS + 1)).encode()
    assert messages(caux_seine["convention"], content, dry_run=False) == [
        "ligne 10002 : le fichier dépasse 10000 lignes : découpez-le."
    ]


def test_file_over_the_upload_limit_is_refused(caux_seine, settings):
    settings.UPLOAD_MAX_SIZE = 100
    errors = messages(caux_seine["convention"], (HEADER + LINE).encode(), dry_run=False)
    assert errors == ["ligne 1 : le fichier dépasse la taille autorisée (100 octets)."]


def test_repeated_column_is_refused(caux_seine):
    errors = messages(caux_seine["convention"], (HEADER.replace("capacite", "nom") + LINE).encode(), dry_run=False)
    assert errors == ["ligne 1 : colonne(s) en double : « nom »."]


def test_rows_after_a_quoted_line_end_keep_their_line_numbers(caux_seine):
    text = HEADER + LINE.replace("Ville de Bolbec", '"Ville\nde Bolbec"') + "crèche;X;76114;;;;Saisie;2024;\n"
    errors = messages(caux_seine["convention"], text.encode(), dry_run=False)
    assert errors == ["ligne 4, colonne « type » : type d'équipement inconnu : « crèche »."]


def test_update_requires_the_version_read_before():
    assert inspect.signature(offer_item_update).parameters["expected_version"].default is inspect.Parameter.empty
    item = OfferItemFactory(version=2)
    fields = {
        "kind": item.kind,
        "name": item.name,
        "commune": item.commune,
        "source": item.source,
        "reference_year": item.reference_year,
        "capacity": 99,
    }
    with pytest.raises(ValidationError, match="modifié par une autre personne"):
        offer_item_update(item=item, expected_version=None, **fields)
    item.refresh_from_db()
    assert (item.capacity, item.version) == (20, 2)


def test_import_updates_with_the_version_of_the_locked_row(caux_seine, monkeypatch):
    convention = caux_seine["convention"]
    offer_import_csv(convention=convention, content=(HEADER + LINE).encode())
    OfferItem.objects.update(version=5)
    seen = []
    real_update = imports.offer_item_update

    def spy(**kwargs):
        seen.append(kwargs["expected_version"])
        return real_update(**kwargs)

    monkeypatch.setattr(imports, "offer_item_update", spy)
    report = offer_import_csv(convention=convention, content=(HEADER + LINE.replace(";24;", ";25;")).encode())
    assert (report.updated, seen) == (1, [5])
    assert OfferItem.objects.get().version == 6


def test_a_file_mixing_utf8_and_windows_1252_is_refused_with_its_line(caux_seine):
    """The encoding policy of every CSV import: a whole file in Windows-1252 is read, a mixed one is refused."""
    other = LINE.replace("Multi-accueil de test", "Crèche d'à côté")
    content = (HEADER + LINE.replace("de test", "Él")).encode() + other.encode("cp1252")
    errors = messages(caux_seine["convention"], content, dry_run=False)
    assert len(errors) == 1
    assert errors[0].startswith("ligne 3 : caractère illisible (octet 0xe8) : le fichier n'est pas encodé en UTF-8")
    assert "Enregistrez le fichier en UTF-8" in errors[0]
    assert not OfferItem.objects.exists()
