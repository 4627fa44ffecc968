"""Files on an earlier geography brought to today's communes (ctg.opendata.geography), on the real files."""

import datetime
import decimal
import gzip
import json

import polars as pl
import pytest

from ctg.opendata.geography import CommuneHistory, FormerPart, harmonise_communes, stored_commune_history
from ctg.opendata.readers import read_file
from ctg.territories.importers import REFERENTIAL_DIR, import_referential
from ctg.territories.models import FormerCommune

CAF_2020 = "data/caf-iris/data_CAF_2020_IRIS.csv"
FILOSOFI_2019 = "data/insee/filosofi-2019/FILO2019_DISP_COM.csv"
IRIS_2021 = "data/insee/iris_2021.csv"


@pytest.fixture
def referential_14_93(tmp_path, db):
    """The real referential restricted to the Calvados and Seine-Saint-Denis, imported with its history."""
    for name in ("regions.json", "departements.json"):
        (tmp_path / name).write_bytes((REFERENTIAL_DIR / name).read_bytes())
    with gzip.open(REFERENTIAL_DIR / "communes.json.gz") as handle:
        communes = [c for c in json.load(handle) if c.get("departement") in {"14", "93"}]
    codes = {c["code"] for c in communes}
    with gzip.open(REFERENTIAL_DIR / "epci.json.gz") as handle:
        epcis = [e for e in json.load(handle) if all(m["code"] in codes for m in e["membres"])]
    with gzip.open(tmp_path / "communes.json.gz", "wt", encoding="utf-8") as handle:
        json.dump(communes, handle)
    with gzip.open(tmp_path / "epci.json.gz", "wt", encoding="utf-8") as handle:
        json.dump(epcis, handle)
    import_referential(tmp_path)


def cell(parsed, code: str, variable: str) -> dict | None:
    found = parsed.value_cells.filter((pl.col("level") == "commune") & (pl.col("code") == code))
    found = found.filter(pl.col("variable") == variable)
    assert found.height <= 1
    return found.row(0, named=True) if found.height else None


def iris_reference() -> dict[str, str]:
    zones = read_file(IRIS_2021).iris_zones
    return dict(zones.select("code", "commune_code").iter_rows())


@pytest.mark.slow
def test_saint_denis_caf_allocataires_2020_sum_pierrefitte(referential_14_93):
    reference = iris_reference()
    as_published = read_file(CAF_2020, iris_to_commune=lambda: reference)
    # The 2020 file is on the geography before the merger: Saint-Denis and Pierrefitte-sur-Seine apart.
    assert decimal.Decimal(cell(as_published, "93066", "A")["value"]) == 30925
    assert decimal.Decimal(cell(as_published, "93059", "A")["value"]) == 7897
    parsed = read_file(CAF_2020, iris_to_commune=lambda: reference, commune_history=stored_commune_history)
    assert parsed.geography_year == 2020
    saint_denis = cell(parsed, "93066", "A")
    # 30,925 + 7,897 = 38,822 allocataires on today's Saint-Denis, complete: both parts are published.
    assert decimal.Decimal(saint_denis["value"]) == 38822
    assert (saint_denis["status"], saint_denis["incomplete"], saint_denis["note"]) == ("ok", False, "")
    # Pierrefitte no longer exists as a commune: its cells went into Saint-Denis.
    assert cell(parsed, "93059", "A") is None
    assert "93066" in parsed.geography["changed_communes"]
    assert parsed.geography["merged"] >= 1
    # IRIS cells stay as published.
    assert parsed.value_cells.filter((pl.col("level") == "iris") & pl.col("code").str.starts_with("93059")).height


@pytest.mark.slow
def test_saint_martin_de_may_2019_median_is_not_one_parts(referential_14_93):
    as_published = read_file(FILOSOFI_2019)
    # May-sur-Orne (14408) alone had the median 22,540 € in 2019; Saint-Martin-de-Fontenay (14623) 23,050 €.
    assert decimal.Decimal(cell(as_published, "14408", "Q219")["value"]) == 22540
    parsed = read_file(FILOSOFI_2019, commune_history=stored_commune_history)
    median = cell(parsed, "14408", "Q219")
    assert (median["value"], median["status"], median["incomplete"]) == (None, "missing", True)
    assert median["note"] == "non publié pour ce périmètre (fusion postérieure à la géographie 2019 du fichier)"
    assert cell(parsed, "14623", "Q219") is None
    # Fiscal households add up: 785 + 990 = 1,775.
    households = cell(parsed, "14408", "NBMEN19")
    assert (decimal.Decimal(households["value"]), households["status"]) == (1775, "ok")
    # With a dated change the note says when.
    FormerCommune.objects.filter(commune_id="14408").update(effective=datetime.date(2025, 1, 1))
    parsed = read_file(FILOSOFI_2019, commune_history=stored_commune_history)
    assert cell(parsed, "14408", "Q219")["note"] == "non publié pour ce périmètre (fusion au 1er janvier 2025)"


HISTORY = CommuneHistory(
    current=frozenset({"93066", "14408", "14001", "14002", "76001"}),
    parts={
        "93066": (
            FormerPart("75059"),
            FormerPart("93059", "Pierrefitte-sur-Seine"),
            FormerPart("93066", "Saint-Denis"),
        ),
        # 14500 was split between 14001 and 14002.
        "14001": (FormerPart("14500", "Ancienne"),),
        "14002": (FormerPart("14500", "Ancienne"),),
        # 76999 renumbered 76001 (same territory).
        "76001": (FormerPart("76999"),),
    },
)


def cells_of(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            ("commune", code, variable, 2020, value, status, False, line)
            for line, (code, variable, value, status) in enumerate(rows, 2)
        ],
        schema=["level", "code", "variable", "year", "value", "status", "incomplete", "_line"],
        orient="row",
    )


def test_a_secret_part_makes_the_sum_incomplete_and_names_it():
    cells = cells_of([("93066", "A", "30925.000000", "ok"), ("93059", "A", None, "secret")])
    result, report = harmonise_communes(cells, HISTORY, file_format="caf_iris", geography_year=2020)
    row = result.row(0, named=True)
    assert result.height == 1
    assert (row["code"], row["value"], row["status"], row["incomplete"]) == ("93066", None, "secret", True)
    assert row["note"] == (
        "incomplet : somme des anciennes communes impossible, Pierrefitte-sur-Seine (93059) secret statistique"
    )
    assert (report.merged, report.converted, report.split, report.unknown) == (1, 0, 0, 0)


def test_a_part_absent_from_the_file_is_named():
    cells = cells_of([("93059", "A", "7897.000000", "ok")])
    result, _report = harmonise_communes(cells, HISTORY, file_format="caf_iris", geography_year=2020)
    assert result.row(0, named=True)["note"].endswith("Saint-Denis (93066) absente du fichier")


def test_split_renumbered_and_unknown_codes():
    cells = cells_of(
        [
            ("14500", "NBMEN19", "100.000000", "ok"),
            ("76999", "Q219", "21000.000000", "ok"),
            ("12345", "Q219", "20000.000000", "ok"),
        ]
    )
    result, report = harmonise_communes(cells, HISTORY, file_format="filosofi_disp", geography_year=2019)
    rows = {row["code"]: row for row in result.iter_rows(named=True)}
    assert set(rows) == {"14001", "14002", "76001", "12345"}
    # A split commune's count cannot be apportioned: no value on either side.
    assert rows["14001"]["value"] is None and rows["14002"]["value"] is None
    assert (
        rows["14001"]["note"] == "non publié pour ce périmètre (scission postérieure à la géographie 2019 du fichier)"
    )
    # Renumbered: the median of the same territory is carried over.
    assert (rows["76001"]["value"], rows["76001"]["status"]) == ("21000.000000", "ok")
    assert (report.split, report.converted, report.unknown, report.unknown_codes) == (1, 1, 1, ["12345"])


def test_without_history_or_for_local_data_codes_stay_as_published():
    cells = cells_of([("93059", "A", "7897.000000", "ok")])
    result, report = harmonise_communes(cells, HISTORY, file_format="tidy")
    assert result["code"].to_list() == ["93059"]
    assert report.changed_communes == []


@pytest.mark.slow
def test_caux_seine_2014_epci_value_is_on_another_perimeter(caux_seine):
    from ctg.opendata.geography import epci_perimeter_checks, flag_epci_perimeters
    from ctg.territories.models import Commune

    membership = dict(Commune.objects.filter(epci__isnull=False).values_list("code", "epci_id"))
    checks = {}
    for year in (2014, 2016):
        communes = read_file(
            f"data/insee/filosofi-2014-2018/FILO{year}_DISP_COM.csv", commune_history=stored_commune_history
        ).value_cells
        epcis = read_file(f"data/insee/filosofi-2014-2018/FILO{year}_DISP_EPCI.csv").value_cells
        variable = f"NBMEN{year % 100}"
        checks[year] = epci_perimeter_checks(epcis, communes, membership, variable)["200010700"]
        flagged, listed = flag_epci_perimeters(epcis, {"200010700": checks[year]}, geography_year=year)
        median = flagged.filter((pl.col("code") == "200010700") & (pl.col("variable") == f"Q2{year % 100}"))
        checks[year] = (checks[year], listed, median.row(0, named=True))
    check, listed, median = checks[2014]
    # 27,665 fiscal households in the 2014 EPCI; today's 50 members count 30,696 in the same edition (the 2016
    # extension): gap (30,696 - 27,665) / 30,696 = 3,031 / 30,696 = 9.9 %, above 2 %: the 2014 median is withheld
    # and the EPCI listed.
    assert (check.published, check.members_sum, check.members, check.members_counted) == (27665, 30696, 50, 50)
    assert round(check.gap, 3) == decimal.Decimal("0.099")
    assert listed == ["200010700"]
    assert (median["value"], median["status"]) == (None, "missing")
    assert median["note"].startswith("non publié pour le périmètre actuel (périmètre de l'année 2014")
    check, listed, median = checks[2016]
    # 2016: 31,041 households in the EPCI = 31,041 over today's 50 members: today's perimeter, nothing flagged.
    assert (check.published, check.members_sum, check.gap) == (31041, 31041, 0)
    assert listed == []
    assert median["status"] == "ok" and median["note"] == ""


def test_the_import_report_says_what_the_geography_did(referential_14_93, tmp_path):
    """A file still carrying Pierrefitte-sur-Seine (93059), merged into Saint-Denis (93066) on 1 January 2025."""
    from ctg.opendata.models import Observation
    from ctg.opendata.services import dataset_import

    path = tmp_path / "base_cc_comparateur_2019.csv"
    path.write_text("CODGEO;LIBGEO;P16_POP\n93066;Saint-Denis;100\n93059;Pierrefitte-sur-Seine;50\n", "utf-8")
    report = dataset_import(path=path, known_edition_only=False)
    assert "1 code fusionné dans 1 commune actuelle" in report.details()
    # Test figures: 100 + 50 summed into today's Saint-Denis.
    stored = Observation.objects.get(level="commune", code="93066", variable="P16_POP")
    assert stored.value == 150


def test_the_note_of_an_incomplete_merged_commune_is_stored(referential_14_93, tmp_path):
    """Only Pierrefitte-sur-Seine's part of today's Saint-Denis in the file: no sum, and the stored cell says why."""
    from ctg.opendata.models import Observation
    from ctg.opendata.services import dataset_import

    path = tmp_path / "base_cc_comparateur_2019.csv"
    path.write_text("CODGEO;LIBGEO;P16_POP\n93059;Pierrefitte-sur-Seine;50\n", "utf-8")
    dataset_import(path=path, known_edition_only=False)
    stored = Observation.objects.get(level="commune", code="93066", variable="P16_POP")
    assert stored.value is None
    assert stored.note.startswith("incomplet")
    # Cells without a note store an empty one, never NULL (COPY on PostgreSQL).
    assert not Observation.objects.filter(note__isnull=True).exists()
