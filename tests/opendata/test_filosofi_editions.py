"""Filosofi DISP editions 2014, 2015, 2016 and 2018, on the real shipped files (data/insee/filosofi-2014-2018/)."""

import hashlib

import pytest
from django.conf import settings

from ctg.indicators.models import IndicatorValue
from ctg.indicators.services import indicators_compute
from ctg.opendata.editions import shipped_checksums
from ctg.opendata.enums import GeoLevel
from ctg.opendata.models import Dataset, Observation
from ctg.opendata.readers import FRANCE_METRO_CODE, DatasetError, read_file
from ctg.opendata.services import dataset_import
from ctg.opendata.shipped import SHIPPED_FILES

FOLDER = "insee/filosofi-2014-2018"
YEARS = (2014, 2015, 2016, 2018)
LEVELS = {
    "COM": GeoLevel.COMMUNE,
    "EPCI": GeoLevel.EPCI,
    "DEP": GeoLevel.DEPARTEMENT,
    "REG": GeoLevel.REGION,
    "METROPOLE": GeoLevel.FRANCE,
}
# Data lines of each file (`wc -l` counts the line breaks: the last line has none).
ROWS = {
    2014: {"COM": 32974, "EPCI": 2123, "DEP": 98, "REG": 15, "METROPOLE": 1},
    2015: {"COM": 32252, "EPCI": 2048, "DEP": 98, "REG": 15, "METROPOLE": 1},
    2016: {"COM": 31789, "EPCI": 1252, "DEP": 98, "REG": 15, "METROPOLE": 1},
    2018: {"COM": 31330, "EPCI": 1244, "DEP": 98, "REG": 15, "METROPOLE": 1},
}


def path_of(year, level):
    return settings.DATA_DIR / FOLDER / f"FILO{year}_DISP_{level}.csv"


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("level", list(LEVELS))
def test_every_edition_and_level_reads_as_published(year, level):
    parsed = read_file(path_of(year, level))
    assert (parsed.format, parsed.vintage, parsed.levels) == ("filosofi_disp", str(year), [LEVELS[level]])
    assert parsed.rows_read == ROWS[year][level]
    # 2014: 29 columns, CODGEO and LIBGEO then 27 variables; later editions 31 columns (PACT and PCHO added).
    variables = 27 if year == 2014 else 29
    assert parsed.value_cells.height == ROWS[year][level] * variables
    assert set(parsed.value_cells["year"].unique()) == {year}


def test_2014_names_wages_ptsac_and_has_no_pact_nor_pcho():
    cells = read_file(path_of(2014, "METROPOLE")).value_cells
    names = set(cells["variable"])
    assert {"PTSAC14", "Q214", "NBMEN14", "Q3_Q1", "RD", "S80S2014"} <= names
    assert not {name for name in names if name.startswith(("PACT", "PCHO", "PTSA1"))}
    # France métropolitaine 2014, line 2: "1;France métropolitaine;26924251;…;20369,3 (Q214)…"
    row = cells.filter(cells["variable"] == "Q214").row(0, named=True)
    assert (row["code"], row["value"]) == (FRANCE_METRO_CODE, "20369.300000")


def test_quoted_name_with_doubled_quotes_reads():
    # 2016 EPCI, line 452: 200068625;"CC Alpes-Provence-Verdon ""sources de Lumière""";5113;…
    cells = read_file(path_of(2016, "EPCI")).value_cells
    row = cells.filter((cells["code"] == "200068625") & (cells["variable"] == "NBMEN16")).row(0, named=True)
    assert (row["value"], row["_line"]) == ("5113.000000", 452)


def test_a_stray_separator_or_a_trailing_empty_column_is_refused_with_its_line(tmp_path):
    # The shipped files have none (29 or 31 fields on every line); a copy with one is refused, never shifted.
    lines = path_of(2014, "REG").read_bytes().decode("utf-8-sig").splitlines()
    stray = tmp_path / "FILO2014_DISP_REG.csv"
    stray.write_text("\r\n".join([*lines[:3], lines[3] + ";", *lines[4:]]), encoding="utf-8")
    with pytest.raises(DatasetError, match="ligne 4 : 30 champs au lieu de 29"):
        read_file(stray)
    trailing = tmp_path / "FILO2014_DISP_DEP.csv"
    trailing.write_text("\r\n".join(line + ";" for line in lines), encoding="utf-8")
    with pytest.raises(DatasetError, match="ligne 1, colonne 30 : nom de colonne vide"):
        read_file(trailing)


def test_shipped_with_their_checksums_and_in_the_import_order():
    checksums = shipped_checksums()
    for year in YEARS:
        for level in LEVELS:
            relative = f"{FOLDER}/FILO{year}_DISP_{level}.csv"
            assert relative in SHIPPED_FILES
            digest = hashlib.sha256(path_of(year, level).read_bytes()).hexdigest()
            assert checksums[digest] == relative
    assert SHIPPED_FILES.index(f"{FOLDER}/FILO2018_DISP_METROPOLE.csv") < SHIPPED_FILES.index(
        "insee/filosofi-2019/FILO2019_DISP_COM.csv"
    )


@pytest.mark.django_db
def test_epci_imported_on_the_perimeter_of_its_year(caux_seine):
    for year in (2014, 2016):
        report = dataset_import(path=path_of(year, "EPCI"))
        assert report.edition == f"fichier livré avec Pilote CTG ({FOLDER}/FILO{year}_DISP_EPCI.csv)"
    assert Dataset.objects.get(file_name="FILO2014_DISP_EPCI.csv").vintage == "2014"

    def households(year):
        return Observation.objects.get(level="epci", code="200010700", variable=f"NBMEN{year % 100}", year=year).value

    # Imported on their codes as published: 27,665 fiscal households in 2014, 31,041 in 2016 (the EPCI's
    # perimeter grew in between; mapping perimeters over time is the geography work, not this import's).
    assert (households(2014), households(2016)) == (27665, 31041)


@pytest.mark.django_db
def test_median_income_series_2014_to_2019(caux_seine):
    for year in YEARS:
        dataset_import(path=path_of(year, "EPCI"))
    dataset_import(path=settings.DATA_DIR / "insee/filosofi-2019/FILO2019_DISP_EPCI.csv")
    indicators_compute(codes=["median_income_2019"])
    # Caux Seine agglo (200010700), Q2 of each edition's EPCI file: 20200,0 ; 20343,3 ; 20466 ; 21330 ; 21420.
    values = dict(
        IndicatorValue.objects.filter(indicator="median_income_2019", level="epci", code="200010700").values_list(
            "year", "value"
        )
    )
    assert values == pytest.approx({2014: 20200.0, 2015: 20343.3, 2016: 20466.0, 2018: 21330.0, 2019: 21420.0})
