"""Each reader refuses damaged copies of real files with a French message naming the line; nothing changes."""

import pytest

from ctg.opendata.models import Dataset, IrisZone, LocalObservation, Observation
from ctg.opendata.readers import DatasetError
from ctg.opendata.services import dataset_import, local_data_import
from tests.opendata.extracts import CAF, COMPARATEUR, DOSSIER, FILOSOFI, IRIS_REFERENCE, extract, starts_with

pytestmark = pytest.mark.django_db

TIDY = (
    "code_geo;niveau;variable;annee;valeur\n"
    "76114;commune;NB_PLACES;2024;120\n"
    "76476;commune;NB_PLACES;2024;80\n"
    "200010700;epci;NB_PLACES;2024;410\n"
)

# name: (build the valid file in a folder, column to damage, text expected for that column's damage)
SOURCES = {
    "comparateur": (
        lambda d: extract(COMPARATEUR, d / "base_cc_comparateur_2025.csv", limit=5),
        "P22_POP",
        "n'est pas un nombre",
    ),
    "dossier_complet": (
        lambda d: extract(DOSSIER, d / "dossier_complet_2025.csv", limit=5),
        "P22_POP0014",
        "n'est pas un nombre",
    ),
    "filosofi_communes": (
        lambda d: extract(FILOSOFI / "FILO2019_DISP_COM.csv", d / "FILO2019_DISP_COM.csv", starts_with("761")),
        "Q219",
        "n'est pas un nombre",
    ),
    "filosofi_iris": (
        lambda d: extract(
            FILOSOFI / "BASE_TD_FILO_DISP_IRIS_2019.csv", d / "BASE_TD_FILO_DISP_IRIS_2019.csv", starts_with("76")
        ),
        "DISP_MED19",
        "n'est pas un nombre",
    ),
    "caf_2018": (
        lambda d: extract(CAF / "data_CAF_2018_IRIS.csv", d / "data_CAF_2018_IRIS.csv", starts_with("76")),
        "ENF_2",
        "n'est pas un nombre",
    ),
    "caf_2020": (
        lambda d: extract(CAF / "data_CAF_2020_IRIS.csv", d / "data_CAF_2020_IRIS.csv", starts_with("76")),
        "A",
        "n'est pas un nombre",
    ),
    "iris_reference": (
        lambda d: extract(IRIS_REFERENCE, d / "iris_2021.csv", starts_with("7611")),
        "TYP_IRIS",
        "type d'IRIS « abc » inconnu",
    ),
    "tidy": (lambda d: _write(d / "places_creches.csv", TIDY), "valeur", "n'est pas un nombre"),
}


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def _lines(path):
    text = path.read_bytes().decode("utf-8")
    return text.splitlines(keepends=True)


def damage_mixed_encodings(path, column):
    lines = _lines(path)
    # An accent on lines 3 and 4, line 4 pasted from a file saved in Windows-1252 (Latin-1): the file mixes two
    # encodings, a whole file in Windows-1252 is read (see test_a_file_saved_in_windows_1252_reads_the_same).
    lines[2] = lines[2].replace(";", "é;", 1)
    lines[3] = lines[3].replace(";", "é;", 1)
    path.write_bytes(
        "".join(lines[:3]).encode("utf-8") + "".join(lines[3:4]).encode("cp1252") + "".join(lines[4:]).encode("utf-8")
    )
    return 4, "n'est pas encodé en UTF-8"


def damage_utf16(path, column):
    path.write_bytes(path.read_bytes().decode("utf-8").encode("utf-16"))
    return 1, "UTF-16"


def damage_truncated(path, column):
    lines = _lines(path)
    last = lines[-1].rstrip("\r\n")
    lines[-1] = last[: len(last) // 2]
    path.write_bytes("".join(lines).encode("utf-8"))
    return len(lines), "ligne tronquée"


def damage_unknown_column(path, column):
    lines = _lines(path)
    header = lines[0].rstrip("\r\n").split(";")
    renamed = "GRD_QUART" if "GRD_QUART" in header else column
    lines[0] = (
        lines[0].replace(f";{renamed};", ";COLONNE_INCONNUE;").replace(f";{renamed}\r\n", ";COLONNE_INCONNUE\r\n")
    )
    lines[0] = lines[0].replace(f";{renamed}\n", ";COLONNE_INCONNUE\n")
    path.write_bytes("".join(lines).encode("utf-8"))
    return 1, "colonne inconnue"


def damage_text_in_number(path, column):
    lines = _lines(path)
    header = lines[0].lstrip("\ufeff").rstrip("\r\n").split(";")
    ending = "\r\n" if lines[2].endswith("\r\n") else "\n"
    fields = lines[2].rstrip("\r\n").split(";")
    fields[header.index(column)] = "abc"
    lines[2] = ";".join(fields) + ending
    path.write_bytes("".join(lines).encode("utf-8"))
    return 3, None


def damage_duplicate_code(path, column):
    lines = _lines(path)
    lines.append(lines[1])
    path.write_bytes("".join(lines).encode("utf-8"))
    return len(lines), "figure déjà ligne 2"


DAMAGES = {
    "mixed_encodings": damage_mixed_encodings,
    "utf16": damage_utf16,
    "truncated": damage_truncated,
    "unknown_column": damage_unknown_column,
    "text_in_number": damage_text_in_number,
    "duplicate_code": damage_duplicate_code,
}


@pytest.fixture
def database_with_data(tmp_path):
    """An IRIS reference of département 76 and one imported file, so that "unchanged" is not "empty"."""
    folder = tmp_path / "reference"
    folder.mkdir()
    dataset_import(path=extract(IRIS_REFERENCE, folder / "iris_2021.csv", starts_with("76")), known_edition_only=False)
    dataset_import(path=extract(COMPARATEUR, folder / "comparateur_reference.csv", limit=3), known_edition_only=False)
    return {"observations": Observation.objects.count(), "datasets": Dataset.objects.count()}


def _import(request, source, path, **kwargs):
    """Official extracts through the official service (edition check off: they are extracts); the tidy format
    is a convention's local data, imported into the demo convention whose territory its codes describe."""
    if source == "tidy":
        convention = request.getfixturevalue("caux_seine")["convention"]
        return local_data_import(convention=convention, path=path, by=None, **kwargs)
    return dataset_import(path=path, known_edition_only=False, **kwargs)


@pytest.mark.parametrize("damage", DAMAGES)
@pytest.mark.parametrize("source", SOURCES)
def test_damaged_copy_is_refused_and_changes_nothing(request, tmp_path, database_with_data, source, damage):
    build, column, number_reason = SOURCES[source]
    path = build(tmp_path)
    # The intact copy is valid: the damage, not the extract, causes the refusal.
    report = _import(request, source, path, dry_run=True)
    assert report.rows_read > 1
    line, reason = DAMAGES[damage](path, column)
    zones = IrisZone.objects.count()

    with pytest.raises(DatasetError) as exc:
        _import(request, source, path)

    message = str(exc.value)
    assert message.startswith(f"{path.name}, ligne {line}"), message
    assert (reason or number_reason) in message
    assert Observation.objects.count() == database_with_data["observations"]
    assert Dataset.objects.count() == database_with_data["datasets"]
    assert not LocalObservation.objects.exists()
    assert IrisZone.objects.count() == zones


@pytest.mark.parametrize("source", ["iris_reference", "filosofi_communes", "caf_2018"])
def test_a_file_saved_in_windows_1252_reads_the_same(request, tmp_path, database_with_data, source):
    """Producers published some editions in Latin-1 and spreadsheets save CSV in Windows-1252: such a file, wholly
    in that encoding, reads as its UTF-8 original (every value and IRIS name found unchanged)."""
    build, _, _ = SOURCES[source]
    path = build(tmp_path)
    original = _import(request, source, path)
    copy = tmp_path / "windows-1252" / path.name
    copy.parent.mkdir()
    copy.write_bytes(path.read_bytes().decode("utf-8-sig").encode("cp1252"))
    assert not copy.read_bytes().isascii(), "the copy holds accents that a wrong decoding would change"

    report = _import(request, source, copy)

    assert report.read == original.read > 1
    assert (report.created, report.updated) == (0, 0)
    assert report.unchanged == original.created + original.updated + original.unchanged
