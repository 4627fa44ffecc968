import pytest

from ctg.charts.maps import AREAS
from ctg.offer.demo import load_demo_offer
from ctg.offer.enums import CoverageStatus, OfferKind
from ctg.offer.maps import relais_coverage_map_spec
from ctg.offer.selectors import childcare_capacity, offer_index, relais_coverage
from ctg.territories.models import Commune
from tests.conventions.factories import ConventionFactory
from tests.offer.factories import OfferItemFactory

pytestmark = pytest.mark.django_db


class TestRelaisCoverage:
    def test_demo_coverage_is_not_documented(self, caux_seine, django_assert_num_queries):
        convention = caux_seine["convention"]
        load_demo_offer(convention=convention)
        with django_assert_num_queries(3):
            coverage = relais_coverage(convention=convention)
        assert coverage["commune_count"] == 50
        assert {row["status"] for row in coverage["communes"]} == {CoverageStatus.UNKNOWN}
        assert coverage["known"] is False
        assert coverage["completeness"] == "none"
        assert coverage["share_communes"] is None
        assert coverage["share_population"] is None
        assert coverage["covered_count"] is None
        # Population municipale of the 50 communes, INSEE RP2022 (DGCL 2026 file).
        assert coverage["population_total"] == 77968
        assert coverage["published_relais"]["value"] == 5
        assert coverage["published_relais"]["year"] == 2022

    def test_entered_relais_gives_covered_and_not_covered(self, caux_seine):
        convention = caux_seine["convention"]
        load_demo_offer(convention=convention)
        bolbec, lillebonne = Commune.objects.get(code="76114"), Commune.objects.get(code="76384")
        OfferItemFactory(
            convention=convention,
            commune=bolbec,
            name="Relais de Bolbec",
            relais=True,
            source="Saisie de la coordination",
            reference_year=2025,
            covered_communes=[bolbec, lillebonne],
        )
        coverage = relais_coverage(convention=convention)
        statuses = {row["code"]: row["status"] for row in coverage["communes"]}
        assert statuses["76114"] == statuses["76384"] == CoverageStatus.COVERED
        assert statuses["76476"] == CoverageStatus.NOT_COVERED
        assert coverage["covered_count"] == 2
        assert coverage["not_covered_count"] == 48
        assert coverage["share_communes"] == 4.0  # 2 / 50
        # Bolbec 11,618 + Lillebonne 8,708 = 20,326 inhabitants out of 77,968: 26.07 %.
        assert coverage["population_covered"] == 20326
        assert coverage["share_population"] == 26.1
        assert coverage["source"] == "Saisie de la coordination (2025)"
        # One relais entered out of the five published for the EPCI.
        assert coverage["completeness"] == "partial"

    def test_relais_without_communes_keeps_coverage_unknown(self):
        convention = ConventionFactory()
        OfferItemFactory(convention=convention, relais=True)
        coverage = relais_coverage(convention=convention)
        assert coverage["relais_count"] == 1
        assert coverage["known"] is False
        assert {row["status"] for row in coverage["communes"]} == {CoverageStatus.UNKNOWN}

    def test_complete_without_published_total(self):
        convention = ConventionFactory()
        item = OfferItemFactory(convention=convention, relais=True)
        item.covered_communes.set([item.commune])
        assert relais_coverage(convention=convention)["completeness"] == "complete"

    def test_map_says_coverage_not_documented(self, caux_seine):
        convention = caux_seine["convention"]
        spec = relais_coverage_map_spec(convention=convention, coverage=relais_coverage(convention=convention))
        features = spec["datasets"][AREAS]
        assert len(features) == 50
        assert {f["properties"]["categorie"] for f in features} == {"Couverture non renseignée"}
        assert "n'est renseignée pour aucune commune" in spec["description"]


class TestChildcareCapacity:
    def test_registry_and_epci_totals_kept_apart(self, caux_seine):
        convention = caux_seine["convention"]
        load_demo_offer(convention=convention)
        bolbec = Commune.objects.get(code="76114")
        OfferItemFactory(convention=convention, commune=bolbec, kind=OfferKind.EAJE, capacity=30)
        OfferItemFactory(convention=convention, commune=bolbec, kind=OfferKind.MICRO_CRECHE, capacity=None)
        OfferItemFactory(convention=convention, commune=bolbec, kind=OfferKind.ALSH, capacity=80)
        result = childcare_capacity(convention=convention)
        assert result["registry"]["places"] == 30
        assert result["registry"]["item_count"] == 2
        assert result["registry"]["items_without_capacity"] == 1
        assert result["registry"]["by_kind"]["micro_creche"]["places"] is None
        assert result["completeness"] == "partial"
        assert result["epci_totals"]["places_accueil_collectif"]["value"] == 167
        assert result["epci_totals"]["places_accueil_collectif"]["year"] == 2022

    def test_empty_registry_is_none_not_zero(self):
        result = childcare_capacity(convention=ConventionFactory())
        assert result["registry"]["places"] is None
        assert result["completeness"] == "none"
        assert result["epci_totals"] == {}


class TestOfferIndex:
    def test_groups_by_kind_with_totals(self):
        convention = ConventionFactory()
        OfferItemFactory(convention=convention, kind=OfferKind.ALSH, capacity=40)
        OfferItemFactory(convention=convention, kind=OfferKind.ALSH, capacity=None)
        OfferItemFactory(convention=convention, kind=OfferKind.EAJE, capacity=20)
        data = offer_index(convention=convention)
        groups = {g["kind"]: g for g in data["kinds"]}
        assert [g["kind"] for g in data["kinds"]] == ["eaje", "alsh"]
        assert groups["alsh"]["capacity"] == 40
        assert groups["alsh"]["capacity_missing"] == 1
        assert data["item_count"] == 3
