"""Attacks on the readers' bounds: each hostile file is refused with a French message naming file and line,
after work linear in its size (asserted on memory and on what was split, never on time)."""

import codecs
import csv
import tracemalloc

import pytest

from ctg.opendata.readers import MAX_BYTES, DatasetError, base, parse_text, read_file
from tests.opendata.extracts import CAF, DOSSIER, FILOSOFI, IRIS_REFERENCE

NNBSP = "\u202f"


@pytest.fixture
def no_split(monkeypatch):
    """Fail the test if the file is split into cells: a bound must be checked before."""

    def forbidden(*args, **kwargs):
        raise AssertionError("the file was split before its bounds were checked")

    monkeypatch.setattr(base, "_split_plain", forbidden)
    monkeypatch.setattr(base, "_split_quoted", forbidden)


def peak_memory_of(function, *args) -> tuple[int, Exception]:
    tracemalloc.start()
    try:
        function(*args)
    except Exception as exc:
        error = exc
    else:
        error = None
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak, error


def test_hundred_thousand_columns_are_refused_before_anything_is_split(tmp_path, no_split):
    header = ";".join(f"C{i}" for i in range(100_000))
    path = tmp_path / "base_cc_comparateur_2025.csv"
    path.write_text(f"{header}\n{';'.join(['1'] * 100_000)}\n", encoding="utf-8")
    size = path.stat().st_size
    peak, error = peak_memory_of(read_file, path)
    assert isinstance(error, DatasetError)
    assert str(error) == (
        f"base_cc_comparateur_2025.csv, ligne 1 : l'en-tête compte 100{NNBSP}000 colonnes, au-delà de la limite de "
        f"2{NNBSP}500. Vérifiez le séparateur, ou ne gardez que les colonnes utiles."
    )
    # Bytes, text and a few copies of it; 100,000 column names as Python strings would alone take 5 Mo more.
    assert peak < 6 * size


def test_quoted_header_over_the_column_limit_is_refused(tmp_path):
    header = ";".join(f'"C{i}"' for i in range(base.MAX_COLUMNS + 1))
    path = tmp_path / "f.csv"
    path.write_text(f"{header}\n1\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"^f.csv, ligne 1 : l'en-tête compte 2\u202f501 colonnes"):
        read_file(path)


def test_duplicate_column_at_the_limit_names_both_positions():
    header = [f"C{i}" for i in range(base.MAX_COLUMNS - 1)] + ["C0"]
    with pytest.raises(DatasetError) as exc:
        parse_text(";".join(header) + "\n" + ";".join("1" * len(header)) + "\n", "f.csv")
    assert str(exc.value) == "f.csv, ligne 1, colonne 2500 : la colonne « C0 » est en double (déjà colonne 1)."


def test_too_many_rows_are_refused_before_anything_is_split(no_split):
    text = "CODGEO;P22_POP\n" + "76114;1\n" * (base.MAX_ROWS + 1)
    with pytest.raises(DatasetError) as exc:
        parse_text(text, "f.csv")
    assert str(exc.value) == (
        f"f.csv, ligne 200002 : le fichier compte 200{NNBSP}001 lignes de données, au-delà de la limite de "
        f"200{NNBSP}000. Découpez-le en plusieurs fichiers."
    )


def test_trailing_blank_lines_do_not_count_as_rows():
    table = parse_text("CODGEO;P22_POP\n76114;1\n" + "\n" * (base.MAX_ROWS + 5), "f.csv")
    assert table.frame.height == 1


def test_file_over_the_byte_limit_is_refused_without_being_read(tmp_path, monkeypatch):
    path = tmp_path / "f.csv"
    path.write_text("CODGEO;P22_POP\n76114;1\n", encoding="utf-8")
    monkeypatch.setattr(type(path), "read_bytes", lambda self: pytest.fail("the file was read"))
    with pytest.raises(DatasetError, match=r"^f.csv : le fichier pèse 23 octets, au-delà de la limite de 10 octets"):
        read_file(path, max_bytes=10)
    assert MAX_BYTES >= 512 * 1024 * 1024  # the national dossier complet (a few hundred Mo) fits


@pytest.mark.parametrize("quote", ['"', ""])
def test_cell_over_the_csv_module_field_limit_is_refused_with_its_line(quote):
    cell = "a" * 131_073
    text = f"CODGEO;LIBGEO;P22_POP\n76114;x;1\n76476;{quote}{cell}{quote};2\n"
    with pytest.raises(DatasetError) as exc:
        parse_text(text, "f.csv")
    if quote:
        assert (
            str(exc.value) == "f.csv, ligne 3 : une cellule dépasse 1\u202f000 caractères (guillemet non refermé ?)."
        )
    else:
        assert str(exc.value) == (
            "f.csv, ligne 3, colonne 2 « LIBGEO » : la cellule compte 131\u202f073 caractères, au-delà de la limite "
            "de 1\u202f000."
        )


def test_unclosed_quote_swallowing_the_file_is_refused():
    text = 'CODGEO;LIBGEO;P22_POP\n76114;"Bolbec;1\n' + "76476;x;2\n" * 20_000
    with pytest.raises(DatasetError, match=r"^f.csv, ligne \d+ : une cellule dépasse 1\u202f000 caractères"):
        parse_text(text, "f.csv")


def test_number_beyond_python_int_digits_is_a_french_refusal(tmp_path):
    path = tmp_path / "base_cc_comparateur_2025.csv"
    path.write_text("CODGEO;P22_POP\n76114;" + "9" * 4_301 + "\n", encoding="utf-8")
    with pytest.raises(DatasetError) as exc:
        read_file(path)
    assert str(exc.value) == (
        "base_cc_comparateur_2025.csv, ligne 2, colonne 2 « P22_POP » : la cellule compte 4\u202f301 caractères, "
        "au-delà de la limite de 1\u202f000."
    )


@pytest.mark.parametrize("value", ["1e400000", "-1E+99999999999999999999", "9" * 999])
def test_huge_number_within_the_cell_limit_exceeds_the_precision(tmp_path, value):
    path = tmp_path / "base_cc_comparateur_2025.csv"
    path.write_text(f"CODGEO;P22_POP\n76114;1\n76476;{value}\n", encoding="utf-8")
    with pytest.raises(DatasetError) as exc:
        read_file(path)
    assert str(exc.value) == (
        f"base_cc_comparateur_2025.csv, ligne 3, colonne 2 « P22_POP » : « {base.quoted(value)} » dépasse la "
        "précision enregistrable (14 chiffres avant la virgule, 6 après)."
    )
    assert len(str(exc.value)) < 200


UTF16 = {
    "le_bom": codecs.BOM_UTF16_LE + "CODGEO;P22_POP\n76114;1\n".encode("utf-16-le"),
    "be_bom": codecs.BOM_UTF16_BE + "CODGEO;P22_POP\n76114;1\n".encode("utf-16-be"),
    "le_without_bom": "CODGEO;P22_POP\n76114;1\n".encode("utf-16-le"),
    "be_without_bom": "CODGEO;P22_POP\n76114;1\n".encode("utf-16-be"),
    "le_accented_start": "Éléments;P22_POP\n76114;1\n".encode("utf-16-le"),
}


@pytest.mark.parametrize("name", UTF16)
def test_utf16_is_named_as_such(tmp_path, name):
    path = tmp_path / "base_cc_comparateur_2025.csv"
    path.write_bytes(UTF16[name])
    with pytest.raises(DatasetError) as exc:
        read_file(path)
    assert str(exc.value) == (
        "base_cc_comparateur_2025.csv, ligne 1 : le fichier est encodé en UTF-16 (« Texte Unicode » des tableurs). "
        "Enregistrez-le en UTF-8 (CSV UTF-8) puis importez-le à nouveau."
    )


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x1b", "\x7f"])
def test_control_character_in_a_cell_is_refused_with_line_and_column(character):
    text = f"CODGEO;LIBGEO;P22_POP\n76114;Bolbec;1\n76476;Lille{character}bonne;2\n"
    with pytest.raises(DatasetError) as exc:
        parse_text(text, "f.csv")
    assert str(exc.value).startswith(
        f"f.csv, ligne 3, colonne 2 « LIBGEO » : caractère de contrôle invisible (code {ord(character):#04x}) "
        "en position 6"
    )


def test_control_character_in_a_quoted_cell_spanning_lines_is_located():
    text = 'CODGEO;LIBGEO;P22_POP\n76114;"Bol\nbec";1\n76476;"x\x02";2\n'
    with pytest.raises(DatasetError, match=r"^f.csv, ligne 4, colonne 2 « LIBGEO » : caractère de contrôle"):
        parse_text(text, "f.csv")


def test_rows_after_a_quoted_line_end_keep_their_file_line_numbers():
    text = 'CODGEO;LIBGEO;P22_POP\n76114;"Bol\nbec";1\n76476;x;2\n'
    assert parse_text(text, "f.csv").frame["_line"].to_list() == [2, 4]


def test_reserved_column_name_is_refused():
    with pytest.raises(DatasetError, match=r"^f.csv, ligne 1, colonne 2 : « _line » n'est pas un nom de colonne"):
        parse_text("CODGEO;_line\n76114;1\n", "f.csv")


def test_long_column_name_is_refused():
    with pytest.raises(DatasetError, match=r"^f.csv, ligne 1, colonne 2 : nom de colonne de plus de 1\u202f000"):
        parse_text("CODGEO;" + "X" * 1_001 + "\n76114;1\n", "f.csv")


def test_messages_quote_at_most_a_few_dozen_characters_of_a_cell(tmp_path):
    path = tmp_path / "base_cc_comparateur_2025.csv"
    path.write_text("CODGEO;P22_POP\n76114;" + "x" * 900 + "\n", encoding="utf-8")
    with pytest.raises(DatasetError) as exc:
        read_file(path)
    assert str(exc.value) == (
        "base_cc_comparateur_2025.csv, ligne 2, colonne 2 « P22_POP » : « " + "x" * 40 + "… » n'est pas un nombre."
    )


SHIPPED = [
    DOSSIER,
    IRIS_REFERENCE,
    *sorted(FILOSOFI.glob("*.csv")),
    *sorted(CAF.glob("*.csv")),
]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_shipped_files_are_well_inside_the_limits(path):
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    assert path.stat().st_size < MAX_BYTES
    assert len(rows) - 1 <= base.MAX_ROWS
    assert len(rows[0]) <= base.MAX_COLUMNS
    assert max(len(cell) for row in rows for cell in row) <= base.MAX_CELL_CHARS


def test_limits_admit_the_national_editions():
    # Filosofi communes 31,360 rows; CAF IRIS ~50,000; IRIS reference 49,405; dossier complet ~35,000 × ~1,900.
    assert base.MAX_ROWS >= 50_000
    assert base.MAX_COLUMNS >= 1_900
