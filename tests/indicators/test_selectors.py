import io

import pytest
from django.core.management import call_command

from ctg.indicators.formatting import format_number, format_value, parts_note
from ctg.indicators.selectors import convention_diagnostic
from ctg.indicators.services import indicators_compute
from tests.conventions.factories import ConventionFactory
from tests.indicators.factories import DatasetFactory, ObservationFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, EpciFactory, RegionFactory


class TestFormatting:
    def test_french_numbers(self):
        assert format_number(1234.5) == "1\u00a0234,5"
        assert format_number(-0.25, 2) == "−0,25"
        assert format_value(19.35, unit="%", decimals=1) == "19,4\u00a0%"
        assert format_value(22790, unit="€", decimals=0) == "22\u00a0790\u00a0€"
        assert format_value(77968.0, unit="habitants", decimals=0) == "77\u00a0968"

    def test_unknown_values_are_words_never_zero(self):
        assert format_value(None, unit="%", decimals=1, status="secret") == "secret statistique"
        assert format_value(None, unit="%", decimals=1, status="missing") == "non disponible"
        assert format_value(None, unit="%", decimals=1) == "non disponible"

    def test_parts_note(self):
        assert parts_note(50, 708) == "50 communes sur 708"
        assert parts_note(1, 2) == "1 commune sur 2"
        assert parts_note(None, 2) == ""


@pytest.mark.django_db
class TestConventionDiagnostic:
    @pytest.fixture
    def convention(self):
        region = RegionFactory(code="R9")
        departement = DepartementFactory(code="D9", region=region)
        epci = EpciFactory(siren="900000009", name="CC de test")
        other_epci = EpciFactory(siren="900000010")
        communes = [CommuneFactory(code=f"T000{i}", epci=epci, departement=departement) for i in range(3)]
        CommuneFactory(code="U0001", epci=other_epci, departement=departement)
        convention = ConventionFactory(epci=epci)
        convention.communes.set(communes[:1])
        for year, allocataires in ((2019, (10, 20, 30)), (2020, (11, 21, None))):
            dataset = DatasetFactory(producer="Cnaf", title=f"CAF {year}", vintage=str(year))
            for commune, value in zip(communes, allocataires, strict=True):
                if value is None:
                    ObservationFactory(dataset=dataset, code=commune.code, variable="A", year=year, secret=True)
                else:
                    ObservationFactory(dataset=dataset, code=commune.code, variable="A", year=year, value=value)
        indicators_compute(codes=["caf_allocataires"])
        return convention

    def test_key_figures_history_and_commune_rows(self, convention, django_assert_max_num_queries):
        with django_assert_max_num_queries(6):
            data = convention_diagnostic(convention=convention, theme="acces-aux-droits", sort="caf_allocataires")
        assert [t["name"] for t in data["territories"]] == [
            "CC de test",
            data["territories"][1]["name"],
            data["territories"][2]["name"],
            "France",
        ]
        allocataires = next(i for i in data["indicators"] if i["code"] == "caf_allocataires")
        assert allocataires["year"] == 2020
        assert allocataires["source"] == "Cnaf, CAF 2020, millésime 2020"
        epci_cell = allocataires["territory_cells"][0]
        # 2020: 11 + 21, the third commune secret → incomplete, 2 communes out of 3: not the EPCI's figure
        assert (epci_cell["display"], epci_cell["status"], epci_cell["value"]) == (
            "non disponible",
            "incomplete",
            None,
        )
        # Its reason is short on the cell and said once for the table, with the source to import for every commune.
        assert (epci_cell["note"], epci_cell["explanation"]) == ("", "agrégat incomplet : 2 communes sur 3")
        assert data["table_notes"][0]["territories"][0] == "CC de test"
        assert "Cnaf, CAF 2020, millésime 2020" in data["table_notes"][0]["incomplete"]
        assert data["table_notes"][0]["text"].count("Cnaf, CAF 2020, millésime 2020") == 1
        assert epci_cell["partial_value"] == 32
        # département: 4 communes, only 2 with a value in 2020
        assert allocataires["territory_cells"][1]["explanation"] == "agrégat incomplet : 2 communes sur 4"
        history = [(step["year"], step["cells"][0]["display"], step["source"]) for step in allocataires["history"]]
        assert history == [
            (2019, "60", "Cnaf, CAF 2019, millésime 2019"),
            (2020, "non disponible", "Cnaf, CAF 2020, millésime 2020"),
        ]
        position = [i["code"] for i in data["indicators"]].index("caf_allocataires")
        sorted_values = [row["cells"][position]["display"] for row in data["rows"]]
        assert sorted_values == ["11", "21", "secret statistique"]  # unknown values sorted last
        assert [row["engaged"] for row in data["rows"] if row["code"] == "T0000"] == [True]
        assert data["engaged_count"] == 1 and data["commune_count"] == 3

    def test_command_recomputes(self, convention):
        out = io.StringIO()
        call_command("compute_indicators", "caf_allocataires", stdout=out)
        assert "1 indicateur, 2 séries, " in out.getvalue()


@pytest.mark.django_db
class TestReferentialPopulation:
    """The census population the referential dates for the communes fills the territories the files do not give."""

    @pytest.fixture
    def convention(self):
        region = RegionFactory(code="R8")
        departement = DepartementFactory(code="D8", region=region)
        other = DepartementFactory(code="D7", region=region)
        epci = EpciFactory(siren="900000008", name="CC de test")
        for i, population in enumerate((1200, 800, 500)):
            CommuneFactory(code=f"P000{i}", epci=epci, departement=departement, population=population)
        CommuneFactory(code="P0009", epci=None, departement=departement, population=300)
        # An island without an EPCI: the referential's figure is undated, so it is not summed with dated ones.
        CommuneFactory(code="P0010", epci=None, departement=other, population=70, population_year=None)
        return ConventionFactory(epci=epci)

    def population(self, data) -> dict:
        return next(line for line in data["indicators"] if line["code"] == "population")

    def test_every_level_complete_is_summed_in_one_query(self, convention, django_assert_num_queries):
        # No census file is imported: EPCI 1200 + 800 + 500 = 2500; département D8: 2500 + 300 = 2800.
        with django_assert_num_queries(6):
            data = convention_diagnostic(convention=convention, theme="territoire")
        line = self.population(data)
        epci, departement, region, france = line["territory_cells"]
        assert (epci["value"], epci["display"], epci["status"]) == (2500, "2\u00a0500", "ok")
        assert (departement["value"], departement["status"]) == (2800, "ok")
        assert line["source"] == "INSEE, recensement de la population 2022 (population municipale), via DGCL 2026"
        assert (line["year"], line["available"]) == (2022, True)
        assert [row["cells"][0]["display"] for row in data["rows"]] == ["1\u00a0200", "800", "500"]
        # Région R8 and France also hold the island, whose population is undated: not shown as complete.
        for cell in (region, france):
            assert (cell["value"], cell["display"], cell["status"]) == (None, "non disponible", "incomplete")
            assert cell["explanation"] == "agrégat incomplet : 4 communes sur 5"
        (note,) = data["table_notes"]
        assert note["territories"] == [region_name(data), "France"]
        assert note["referential"] == [
            "INSEE, recensement de la population 2022 (population municipale), via DGCL 2026 (4 communes sur 5)"
        ]
        assert note["text"].count("référentiel des communes") == 1

    def test_an_imported_figure_takes_precedence(self, convention):
        dataset = DatasetFactory(producer="INSEE", title="Recensement", vintage="2025")
        for code, value in (("P0000", 1201), ("P0001", 801), ("P0002", 501)):
            ObservationFactory(dataset=dataset, code=code, variable="P22_POP", year=2022, value=value)
        indicators_compute(codes=["population"])
        line = self.population(convention_diagnostic(convention=convention, theme="territoire"))
        epci, departement, *_ = line["territory_cells"]
        assert epci["value"] == 2503  # the file's sum over the EPCI's communes, complete
        assert departement["value"] == 2800  # the file covers 3 communes of 4: the referential's sum
        assert line["source"] == (
            "INSEE, Recensement, millésime 2025 ; "
            "INSEE, recensement de la population 2022 (population municipale), via DGCL 2026"
        )


def region_name(data) -> str:
    return data["territories"][2]["name"]
