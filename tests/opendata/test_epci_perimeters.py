"""EPCI published on another perimeter than today's, checked at import and shown as such (ctg.opendata.geography),
on rows copied from the shipped Filosofi files: the Seine-Maritime communes and Caux Seine agglo's EPCI row."""

import csv
import io

import polars as pl
import pytest
from django.urls import reverse

from ctg.diagnostic.reports.indicator_table import build_indicator_csv, build_indicator_xlsx
from ctg.indicators import catalogue
from ctg.indicators.selectors import comparison, epci_territories
from ctg.indicators.services import indicators_compute
from ctg.opendata.geography import check_epci_perimeters
from ctg.opendata.models import Observation
from ctg.opendata.services import dataset_import

FILOSOFI = "data/insee/filosofi-2014-2018/FILO{year}_DISP_{level}.csv"
CAUX_SEINE = "200010700"
PORT_JEROME = "76476"  # Port-Jérôme-sur-Seine: Notre-Dame-de-Gravenchon and three communes merged on 1 January 2016


def extract(tmp_path, year: int, level: str, keep) -> str:
    """The shipped file's header and the rows whose code `keep` accepts, bytes as published."""
    source = FILOSOFI.format(year=year, level=level)
    with open(source, encoding="utf-8-sig", newline="") as handle:
        lines = handle.read().splitlines()
    kept = [lines[0]] + [line for line in lines[1:] if keep(line.split(";")[0])]
    path = tmp_path / source.rsplit("/", 1)[1]
    path.write_text("\r\n".join(kept) + "\r\n", encoding="utf-8")
    return path


def import_edition(tmp_path, year: int):
    """The commune file (Seine-Maritime rows) then the EPCI file (Caux Seine agglo's row), in the shipped order."""
    communes = dataset_import(
        path=extract(tmp_path, year, "COM", lambda code: code.startswith("76")), known_edition_only=False
    )
    epcis = dataset_import(
        path=extract(tmp_path, year, "EPCI", lambda code: code == CAUX_SEINE), known_edition_only=False
    )
    return communes, epcis


@pytest.fixture
def editions(caux_seine, tmp_path):
    reports = {year: import_edition(tmp_path, year) for year in (2014, 2016)}
    indicators_compute(codes=["median_income_2019"])
    return caux_seine, reports


def stored(code: str, variable: str, year: int) -> Observation:
    return Observation.objects.get(
        level="epci" if len(code) == 9 else "commune", code=code, variable=variable, year=year
    )


@pytest.mark.slow
def test_the_2014_epci_is_listed_and_withheld_the_2016_one_kept(editions):
    _demo, reports = editions
    _communes, epci_2014 = reports[2014]
    # 27,665 fiscal households in the 2014 EPCI; today's 50 members count 30,696 in the same edition (Port-Jérôme,
    # Rives-en-Seine and Arelaune-en-Seine rebuilt from their former communes): gap (30,696 - 27,665) / 30,696 =
    # 3,031 / 30,696 = 9.9 %, above PERIMETER_THRESHOLD (2 %): the EPCI is listed and its 2014 values withheld.
    assert epci_2014.epci_perimeters == [
        "200010700 en 2014 : 27\u202f665 (NBMEN14) contre 30\u202f696 sur ses communes actuelles, écart de 9,9 % : "
        "valeurs retirées"
    ]
    assert "1 EPCI publié sur un autre périmètre que l'actuel : 200010700 en 2014" in epci_2014.details()
    median = stored(CAUX_SEINE, "Q214", 2014)
    assert (median.value, median.status) == (None, "missing")
    assert median.note == "non publié pour le périmètre actuel (périmètre de l'année 2014, différent de plus de 2 %)"
    # 2016: 31,041 households in the EPCI = 31,041 over today's 50 members: today's perimeter, nothing listed.
    _communes, epci_2016 = reports[2016]
    assert epci_2016.epci_perimeters == []
    median = stored(CAUX_SEINE, "Q216", 2016)
    assert (median.status, median.note) == ("ok", "")


@pytest.mark.slow
def test_notes_reach_the_diagnostic_page_and_exports(editions, client):
    demo, _reports = editions
    convention = demo["convention"]
    indicator = catalogue.get("median_income_2019")
    data = comparison(
        indicators=[indicator],
        territories=epci_territories(convention.epci),
        communes=[{"code": PORT_JEROME, "name": "Port-Jérôme-sur-Seine"}],
        commune_history=True,
    )["indicators"][0]
    epci_2014 = data["territory_history"][2014][0]
    assert (epci_2014["value"], epci_2014["display"]) == (
        None,
        "non publié pour le périmètre actuel (périmètre de l'année 2014, différent de plus de 2 %)",
    )
    assert data["territory_history"][2016][0]["status"] == "ok"
    # Port-Jérôme-sur-Seine's 2014 median would be that of one of its four former communes: not shown.
    port_jerome = data["commune_history"][2014][PORT_JEROME]
    assert (port_jerome["value"], port_jerome["display"]) == (
        None,
        "non publié pour ce périmètre (fusion postérieure à la géographie 2014 du fichier)",
    )
    # The pages' history tables say it: the diagnostic for the EPCI, the commune's page for the commune.
    user = next(user for spec, user in demo["accounts"] if spec.username == "lecteur")
    client.force_login(user)
    url = reverse("indicators_views:index", kwargs={"convention_pk": convention.pk}) + "?theme=acces-aux-droits"
    assert "non publié pour le périmètre actuel (périmètre de l&#x27;année 2014" in client.get(url).text
    url = reverse("indicators_views:commune", kwargs={"convention_pk": convention.pk, "code": PORT_JEROME})
    assert "non publié pour ce périmètre (fusion postérieure à la géographie 2014 du fichier)" in client.get(url).text
    # CSV and XLSX exports: the displayed text of every vintage.
    rows = list(csv.reader(io.StringIO(build_indicator_csv(convention=convention).decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    wanted = [
        row
        for row in rows[1:]
        if row[header.index("Code indicateur")] == "median_income_2019"
        and row[header.index("Millésime")] == "2014"
        and row[header.index("Code territoire")] in {CAUX_SEINE, PORT_JEROME}
    ]
    assert {row[header.index("Valeur affichée")] for row in wanted} == {
        "non publié pour le périmètre actuel (périmètre de l'année 2014, différent de plus de 2 %)",
        "non publié pour ce périmètre (fusion postérieure à la géographie 2014 du fichier)",
    }
    assert all(row[header.index("Valeur")] == "" for row in wanted)
    assert build_indicator_xlsx(convention=convention).startswith(b"PK")


def test_a_small_gap_keeps_the_value_and_names_the_year():
    """Test figures: an EPCI of 1,000 households whose two members count 990 + 20 = 1,010 in the same file: gap
    10 / 1,010 = 1.0 %, under 2 %: the median is kept, noted "périmètre de l'année 2018"."""
    rows = [
        ("epci", "200000001", "NBMEN18", "1000.000000"),
        ("epci", "200000001", "Q218", "21000.000000"),
        ("commune", "76001", "NBMEN18", "990.000000"),
        ("commune", "76002", "NBMEN18", "20.000000"),
    ]
    cells = pl.DataFrame(
        [
            (level, code, variable, 2018, value, "ok", False, line, "")
            for line, (level, code, variable, value) in enumerate(rows, 2)
        ],
        schema=["level", "code", "variable", "year", "value", "status", "incomplete", "_line", "note"],
        orient="row",
    )
    empty = pl.DataFrame(
        schema={"code": pl.String, "variable": pl.String, "year": pl.Int64, "value": pl.String, "status": pl.String}
    )
    flagged, flags = check_epci_perimeters(
        cells, membership={"76001": "200000001", "76002": "200000001"}, stored_communes=empty, geography_year=2018
    )
    median = flagged.filter(pl.col("variable") == "Q218").row(0, named=True)
    assert (median["value"], median["status"], median["note"]) == ("21000.000000", "ok", "périmètre de l'année 2018")
    assert [(flag.code, flag.withheld) for flag in flags] == [("200000001", False)]
    assert flags[0].summary().endswith("écart de 1,0 % : valeurs notées « périmètre de l'année 2018 »")


def test_a_filosofi_epci_count_is_compared_with_the_communes_comparateur_count():
    """Test figures: NBMEN21 of an EPCI file beside the comparateur's NBMENFISC21 of its communes (stored):
    1,000 against 600 + 700 = 1,300: gap 300 / 1,300 = 23 %, withheld."""
    cells = pl.DataFrame(
        [
            ("epci", "200000001", "NBMEN21", 2021, "1000.000000", "ok", False, 2, ""),
            ("epci", "200000001", "Q221", 2021, "21000.000000", "ok", False, 2, ""),
        ],
        schema=["level", "code", "variable", "year", "value", "status", "incomplete", "_line", "note"],
        orient="row",
    )
    stored_communes = pl.DataFrame(
        [("76001", "NBMENFISC21", 2021, "600.000000", "ok"), ("76002", "NBMENFISC21", 2021, "700.000000", "ok")],
        schema={"code": pl.String, "variable": pl.String, "year": pl.Int64, "value": pl.String, "status": pl.String},
        orient="row",
    )
    flagged, flags = check_epci_perimeters(
        cells,
        membership={"76001": "200000001", "76002": "200000001"},
        stored_communes=stored_communes,
        geography_year=2021,
    )
    assert [(flag.code, flag.members_sum, flag.withheld) for flag in flags] == [("200000001", 1300, True)]
    assert flagged.filter(pl.col("variable") == "Q221")["value"].to_list() == [None]
