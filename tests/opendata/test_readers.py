import pytest

from ctg.opendata.readers import DatasetError, detect_format, insee_variable_year, parse_text, read_file
from ctg.opendata.shipped import shipped_data_import
from tests.opendata.extracts import COMPARATEUR, DOSSIER, FILOSOFI


@pytest.mark.parametrize(
    "name,year",
    [
        ("P22_POP", 2022),
        ("P16_POP", 2016),
        ("C22_FAMMONO", 2022),
        ("P22_POP1564", 2022),
        ("NAIS1621", 2021),
        ("DECE1621", 2021),
        ("NAISD24", 2024),
        ("MED21", 2021),
        ("TP6021", 2021),
        ("ETTEF124", 2024),
        ("ETTEFP1024", 2024),
        ("ELECTEURSLP2024", 2024),
        ("BPE_2024_B105", 2024),
        ("SNEMM_23", 2023),
        ("SUPERF", None),
    ],
)
def test_insee_variable_year(name, year):
    assert insee_variable_year(name) == year


@pytest.mark.parametrize(
    "path,expected",
    [
        (COMPARATEUR, "insee_comparateur"),
        (DOSSIER, "insee_dossier_complet"),
        (FILOSOFI / "FILO2019_DISP_COM.csv", "filosofi_disp"),
        (FILOSOFI / "BASE_TD_FILO_DISP_IRIS_2019.csv", "filosofi_disp"),
    ],
)
def test_format_is_detected_from_the_header(path, expected):
    header = path.read_text(encoding="utf-8-sig").splitlines()[0].split(";")
    assert detect_format(header) == expected


def test_comparateur_columns_under_another_name_are_a_comparateur():
    assert detect_format(["CODGEO", "P22_POP", "MED21"], "extrait.csv") == "insee_comparateur"
    assert detect_format(["CODGEO", "P22_POP", "C22_FAMMONO"], "extrait.csv") == "insee_dossier_complet"


def test_quoted_fields_keep_their_separators():
    table = parse_text('CODGEO;LIBGEO;P22_POP\r\n76114;"Bolbec; ville";11618\r\n', "f.csv")
    assert table.frame.row(0) == ("76114", "Bolbec; ville", "11618", 2)


def test_blank_line_inside_the_file_is_refused():
    with pytest.raises(DatasetError, match=r"^f.csv, ligne 3 : ligne vide au milieu du fichier"):
        parse_text("CODGEO;P22_POP\n76114;1\n\n76476;2\n", "f.csv")


def test_header_only_is_refused(tmp_path):
    path = tmp_path / "base_cc_comparateur_2025.csv"
    path.write_text("CODGEO;P22_POP\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="ligne 2 : le fichier ne contient aucune ligne de données"):
        read_file(path)


def test_several_faulty_cells_are_all_listed(tmp_path):
    path = tmp_path / "base_cc_comparateur_2025.csv"
    path.write_text("CODGEO;P22_POP;MED21\n76114;abc;1\n76476;2;x y\n", encoding="utf-8")
    with pytest.raises(DatasetError) as exc:
        read_file(path)
    assert exc.value.messages == [
        "base_cc_comparateur_2025.csv, ligne 2, colonne 2 « P22_POP » : « abc » n'est pas un nombre.",
        "base_cc_comparateur_2025.csv, ligne 3, colonne 3 « MED21 » : « x y » n'est pas un nombre.",
    ]


@pytest.mark.slow
@pytest.mark.django_db
def test_shipped_subset_in_documented_order():
    reports = shipped_data_import(
        files=[
            "insee/dossier_complet_2025_extrait_cauxseine50.csv",
            "insee/base_cc_comparateur_2025_extrait_cauxseine50.csv",
        ]
    )
    assert [report.format for report in reports] == ["insee_comparateur", "insee_dossier_complet"]
    assert [report.already_imported for report in shipped_data_import(files=["insee/iris_2021.csv"])] == [False]
