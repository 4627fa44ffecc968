"""What a figure's source says beyond its value reaches the indicator values and the cells: a published EPCI count
where the sum of the communes is incomplete, a former commune missing from a sum, the 2021 median under its two
published names. Test figures, written for these tests."""

import pytest

from ctg.indicators import catalogue
from ctg.indicators.models import IndicatorSeries, IndicatorValue
from ctg.indicators.selectors import comparison
from ctg.indicators.services import indicators_compute
from ctg.opendata.enums import GeoLevel
from ctg.opendata.services import dataset_import
from tests.indicators.factories import DatasetFactory, ObservationFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, EpciFactory, RegionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def territory():
    """EPCI A (communes A0001, A0002) and EPCI B (commune B0001) in one département."""
    departement = DepartementFactory(code="D1", region=RegionFactory(code="R1"))
    epci_a, epci_b = EpciFactory(siren="900000001"), EpciFactory(siren="900000002")
    CommuneFactory(code="A0001", epci=epci_a, departement=departement)
    CommuneFactory(code="A0002", epci=epci_a, departement=departement)
    CommuneFactory(code="B0001", epci=epci_b, departement=departement)
    return {"epci_a": epci_a, "epci_b": epci_b}


def stored(indicator: str, level: str, code: str, year: int) -> IndicatorValue:
    return IndicatorValue.objects.get(indicator=indicator, level=level, code=code, year=year)


def cell(indicator: str, level: str, code: str) -> dict:
    data = comparison(
        indicators=[catalogue.get(indicator)], territories=[{"level": level, "code": code, "name": code}], communes=[]
    )
    return data["indicators"][0]["territory_cells"][0]


def test_an_incomplete_epci_sum_gives_way_to_the_caf_file_by_epci(territory):
    by_commune = DatasetFactory(producer="CAF (Cnaf)", title="Allocataires et prestations (communes)", vintage="2023")
    by_epci = DatasetFactory(producer="CAF (Cnaf)", title="Allocataires et prestations (EPCI)", vintage="2023")
    # A0002's counts are secret in the file by commune: the sum over EPCI A's communes is incomplete.
    for code, allocataires, rsa in (("A0001", 100, 10), ("A0002", None, None), ("B0001", 50, 5)):
        for variable, number in (("A", allocataires), ("NB_allocataire_RSA", rsa)):
            if number is None:
                ObservationFactory(dataset=by_commune, code=code, variable=variable, year=2023, secret=True)
            else:
                ObservationFactory(dataset=by_commune, code=code, variable=variable, year=2023, value=number)
    for code, allocataires, rsa in (("900000001", 260, 26), ("900000002", 55, 6)):
        ObservationFactory(
            dataset=by_epci, level=GeoLevel.EPCI, code=code, variable="A", year=2023, value=allocataires
        )
        ObservationFactory(
            dataset=by_epci, level=GeoLevel.EPCI, code=code, variable="NB_allocataire_RSA", year=2023, value=rsa
        )
    indicators_compute(codes=["caf_allocataires", "caf_rsa_households_share"])
    # EPCI A: 100 + secret is incomplete; the CAF publishes 260 for the EPCI: that figure, its note says so.
    count = stored("caf_allocataires", "epci", "900000001", 2023)
    assert (count.value, count.status) == (260, "ok")
    assert count.note == (
        "chiffre publié pour l'EPCI (somme des communes incomplète, communes renseignées : 1 sur 2) ; CAF (Cnaf), "
        "Allocataires et prestations (EPCI), millésime 2023"
    )
    # The share from the same file: 26 / 260 × 100 = 10.0 %.
    share = stored("caf_rsa_households_share", "epci", "900000001", 2023)
    assert (share.value, share.numerator, share.denominator, share.status) == (10.0, 26, 260, "ok")
    # EPCI B's sum is complete: 50, the sum of its communes, not the 55 of the file by EPCI.
    complete = stored("caf_allocataires", "epci", "900000002", 2023)
    assert (complete.value, complete.note) == (50, "")
    # The series names both files; the cell carries the note.
    source = IndicatorSeries.objects.get(indicator="caf_allocataires", year=2023).source
    assert "Allocataires et prestations (EPCI, communes)" in source
    shown = cell("caf_allocataires", "epci", "900000001")
    assert shown["display"] == "260"
    assert shown["note"].startswith("chiffre publié pour l'EPCI")


def test_a_merged_commune_without_a_sum_keeps_its_note(territory):
    dataset = DatasetFactory()
    note = "incomplet : somme des anciennes communes impossible, Ancienne (A0009) secret statistique"
    ObservationFactory(dataset=dataset, code="A0001", variable="P22_POP", secret=True, note=note)
    ObservationFactory(dataset=dataset, code="A0002", variable="P22_POP", value=300)
    indicators_compute(codes=["population"])
    assert stored("population", "commune", "A0001", 2022).note == note
    shown = cell("population", "commune", "A0001")
    assert (shown["display"], shown["note"]) == ("secret statistique", note)
    # A published statistic withheld for today's perimeter reads its note in place of "non disponible".
    withheld = "non publié pour ce périmètre (fusion postérieure à la géographie 2019 du fichier)"
    ObservationFactory(dataset=dataset, code="A0001", variable="Q219", year=2019, missing=True, note=withheld)
    indicators_compute(codes=["median_income_2019"])
    shown = cell("median_income_2019", "commune", "A0001")
    assert (shown["value"], shown["display"], shown["status"]) == (None, withheld, "missing")


def test_the_2021_median_is_read_from_q221_where_the_comparateur_has_no_med21(territory, tmp_path):
    """Filosofi 2021 by level (FILO2021_DISP_EPCI.csv…) names the median Q221 like Q219 in the shipped 2019 files;
    the comparateur names it MED21. The file is built for the test on the shipped 2019 EPCI layout, its figures
    are not INSEE's."""
    with open("data/insee/filosofi-2019/FILO2019_DISP_EPCI.csv", encoding="utf-8-sig") as handle:
        header = handle.readline().strip()
    header = header.replace("19;", "21;").removesuffix("19") + "21"
    assert header.startswith("CODGEO;LIBGEO;NBMEN21;NBPERS21;NBUC21;Q121;Q221;Q321;Q3_Q1;")
    row = ["900000001", "CC synthétique"] + ["1"] * (header.count(";") - 1)
    row[header.split(";").index("Q221")] = "22540"
    path = tmp_path / "FILO2021_DISP_EPCI.csv"
    path.write_text(f"{header}\r\n{';'.join(row)}\r\n", encoding="utf-8")
    report = dataset_import(path=path, known_edition_only=False)
    assert report.dataset.title == "Filosofi 2021, revenus disponibles (EPCI)"
    comparateur, filosofi = DatasetFactory(title="Comparateur"), DatasetFactory(title="Filosofi 2021 (communes)")
    ObservationFactory(dataset=comparateur, code="A0001", variable="MED21", year=2021, value=21000)
    ObservationFactory(dataset=filosofi, code="A0001", variable="Q221", year=2021, value=21000)
    indicators_compute(codes=["median_income_2021"])
    assert stored("median_income_2021", "epci", "900000001", 2021).value == 22540
    # One commune value (the comparateur's, listed first), not two.
    assert IndicatorValue.objects.filter(indicator="median_income_2021", level="commune", code="A0001").count() == 1
    assert cell("median_income_2021", "epci", "900000001")["display"] == "22\u00a0540\u00a0€"


def test_one_coverage_line_published_first_computed_only_where_it_is_missing(territory):
    """Stored values written for the test: the Cnaf's rate for EPCI A (57.3), the register's rate for commune A0001
    only (40 places for 100 children: 12 / 30 × 100)."""
    from django.utils import timezone

    now = timezone.now()
    IndicatorValue.objects.create(
        indicator="childcare_coverage_cnaf", level="epci", code="900000001", year=2022, value=57.3, status="ok"
    )
    IndicatorSeries.objects.create(
        indicator="childcare_coverage_cnaf", year=2022, source="CAF (Cnaf), Taux de couverture (EPCI)", computed_at=now
    )
    IndicatorValue.objects.create(
        indicator="childcare_coverage",
        level="commune",
        code="A0001",
        year=2022,
        value=40.0,
        numerator=12,
        denominator=30,
        status="ok",
    )
    IndicatorSeries.objects.create(
        indicator="childcare_coverage", year=2022, source="Registre de l'offre de services", computed_at=now
    )
    data = comparison(
        indicators=[catalogue.get("childcare_coverage_cnaf"), catalogue.get("childcare_coverage")],
        territories=[{"level": "epci", "code": "900000001", "name": "A"}],
        communes=[{"code": "A0001", "name": "A1"}, {"code": "A0002", "name": "A2"}],
    )
    [line] = data["indicators"]
    assert (line["code"], line["label"]) == ("childcare_coverage", "Taux de couverture en accueil du jeune enfant")
    assert line["territory_cells"][0]["display"] == "57,3"
    assert line["territory_cells"][0]["note"] == ""
    computed = line["commune_cells"]["A0001"]
    assert (computed["display"], computed["note"]) == (
        "40,0\u00a0%",
        "taux calculé d'après le registre de l'offre, faute de taux publié par la Cnaf",
    )
    assert line["commune_cells"]["A0002"]["value"] is None
    assert line["source"] == "CAF (Cnaf), Taux de couverture (EPCI) ; Registre de l'offre de services"


def test_a_note_longer_than_its_column_is_cut_with_an_ellipsis():
    """Notes joined over a ratio's terms or a commune's parts can exceed the column (PostgreSQL refuses it)."""
    import polars as pl

    from ctg.indicators.engine import NOTE_MAX, _fitted_note

    long = "incomplet : somme des anciennes communes impossible, " + ", ".join(
        f"Commune {i} (49{i:03d})" for i in range(30)
    )
    notes = pl.DataFrame({"note": [long, "fusion", ""]}).with_columns(_fitted_note(pl.col("note")))["note"].to_list()
    assert len(long) > NOTE_MAX
    assert len(notes[0]) == NOTE_MAX and notes[0].endswith("…") and notes[0].startswith(long[: NOTE_MAX - 1])
    assert notes[1:] == ["fusion", ""]
