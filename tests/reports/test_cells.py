import pytest

from ctg.reports.cells import neutralise


@pytest.mark.parametrize(
    "value,expected",
    [
        ('=HYPERLINK("http://x.invalid")', '\'=HYPERLINK("http://x.invalid")'),
        ("+33 1 23", "'+33 1 23"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Bolbec", "Bolbec"),
        ("", ""),
        ("a=b", "a=b"),
        ("Bol\x01bec\x0b", "Bolbec"),
        ("\x01=1", "'=1"),
        ("Ligne 1\nLigne\t2", "Ligne 1\nLigne\t2"),
        (-12, -12),
        (3.5, 3.5),
        (None, None),
    ],
)
def test_formula_starts_and_control_characters_are_neutralised_and_numbers_untouched(value, expected):
    assert neutralise(value) == expected


def test_neutralised_csv_cell_reads_back_as_text(tmp_path):
    import csv

    path = tmp_path / "export.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=";").writerow([neutralise("=1+1"), neutralise(2)])
    with open(path, encoding="utf-8", newline="") as handle:
        row = next(csv.reader(handle, delimiter=";"))
    assert row == ["'=1+1", "2"]


def test_neutralised_xlsx_cell_is_a_string_not_a_formula(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append([neutralise("=cmd|' /C calc'!A0"), neutralise(5)])
    workbook.save(tmp_path / "export.xlsx")
    workbook.close()
    reloaded = openpyxl.load_workbook(tmp_path / "export.xlsx")
    try:
        cell = reloaded.active["A1"]
        assert cell.data_type == "s" and cell.value.startswith("'=")
        assert reloaded.active["B1"].value == 5
    finally:
        reloaded.close()
