import pytest
from django.core.exceptions import ValidationError

from ctg.offer.demo import load_demo_offer
from ctg.offer.enums import OfferKind
from ctg.offer.models import OfferItem, OfferTotal
from ctg.offer.services import offer_item_create, offer_item_delete, offer_item_update, offer_total_record
from tests.accounts.factories import UserFactory
from tests.conventions.factories import ConventionFactory
from tests.offer.factories import OfferItemFactory
from tests.territories.factories import CommuneFactory

pytestmark = pytest.mark.django_db


def _fields(commune, **overrides):
    fields = {
        "kind": OfferKind.EAJE,
        "name": "Multi-accueil Les Lutins",
        "commune": commune,
        "capacity": 24,
        "manager_name": "Association de test",
        "opening_year": 2010,
        "source": "Saisie de test",
        "reference_year": 2024,
    }
    return fields | overrides


class TestOfferItemCreate:
    def test_creates_with_history_and_author(self):
        convention = ConventionFactory()
        commune = CommuneFactory(epci=convention.epci)
        user = UserFactory()
        item = offer_item_create(convention=convention, by=user, **_fields(commune))
        assert item.capacity == 24
        assert item.history.count() == 1
        assert item.history.first().history_user == user

    def test_commune_outside_the_epci_is_refused(self):
        convention = ConventionFactory()
        outside = CommuneFactory(name="Ailleurs")
        with pytest.raises(ValidationError) as exc:
            offer_item_create(convention=convention, **_fields(outside))
        assert f"Ailleurs ({outside.code}) n'appartient pas à l'EPCI" in exc.value.message_dict["commune"][0]
        assert not OfferItem.objects.exists()

    def test_unknown_capacity_stays_unknown(self):
        convention = ConventionFactory()
        item = offer_item_create(convention=convention, **_fields(CommuneFactory(epci=convention.epci), capacity=None))
        item.refresh_from_db()
        assert item.capacity is None

    def test_source_is_required(self):
        convention = ConventionFactory()
        with pytest.raises(ValidationError) as exc:
            offer_item_create(convention=convention, **_fields(CommuneFactory(epci=convention.epci), source="  "))
        assert exc.value.message_dict["source"] == ["La source de l'information est obligatoire."]

    def test_only_a_relais_covers_communes(self):
        convention = ConventionFactory()
        commune = CommuneFactory(epci=convention.epci)
        with pytest.raises(ValidationError) as exc:
            offer_item_create(convention=convention, covered_communes=[commune], **_fields(commune))
        assert "Seul un relais petite enfance" in exc.value.message_dict["covered_communes"][0]

    def test_relais_covered_communes_must_be_in_the_epci(self):
        convention = ConventionFactory()
        commune = CommuneFactory(epci=convention.epci)
        outside = CommuneFactory(name="Loin")
        with pytest.raises(ValidationError, match="Loin"):
            offer_item_create(
                convention=convention,
                covered_communes=[commune, outside],
                **_fields(commune, kind=OfferKind.RPE, capacity=None),
            )

    def test_duplicate_name_in_the_same_commune_is_refused(self):
        convention = ConventionFactory()
        commune = CommuneFactory(epci=convention.epci)
        offer_item_create(convention=convention, **_fields(commune))
        with pytest.raises(ValidationError, match="porte déjà ce nom dans cette commune"):
            offer_item_create(convention=convention, **_fields(commune))


class TestOfferItemUpdate:
    def test_update_bumps_version_and_keeps_history_of_covered_communes(self):
        item = OfferItemFactory(relais=True)
        communes = [item.commune, CommuneFactory(epci=item.convention.epci)]
        updated = offer_item_update(
            item=item,
            expected_version=1,
            covered_communes=communes,
            **_fields(item.commune, kind=OfferKind.RPE, name=item.name, capacity=None),
        )
        assert updated.version == 2
        assert set(updated.covered_communes.values_list("code", flat=True)) == {c.code for c in communes}
        latest = updated.history.first()
        assert {c.commune_id for c in latest.covered_communes.all()} == {c.code for c in communes}

    def test_stale_version_is_refused(self):
        item = OfferItemFactory(capacity=10)
        offer_item_update(item=item, expected_version=1, **_fields(item.commune, name=item.name, capacity=12))
        with pytest.raises(ValidationError, match="modifié par une autre personne"):
            offer_item_update(item=item, expected_version=1, **_fields(item.commune, name=item.name, capacity=15))
        item.refresh_from_db()
        assert item.capacity == 12

    def test_delete_leaves_a_history_record(self):
        item = OfferItemFactory()
        pk = item.pk
        offer_item_delete(item=item)
        assert not OfferItem.objects.filter(pk=pk).exists()
        assert OfferItem.history.filter(id=pk, history_type="-").exists()


class TestOfferTotal:
    def test_same_figure_twice_changes_nothing(self):
        convention = ConventionFactory()
        _, changed = offer_total_record(
            convention=convention, indicator="ludotheques", year=2022, quantity=4, source="Source"
        )
        _, changed_again = offer_total_record(
            convention=convention, indicator="ludotheques", year=2022, quantity=4, source="Source"
        )
        assert (changed, changed_again) == (True, False)
        assert OfferTotal.objects.get().history.count() == 1

    def test_unknown_indicator_is_refused(self):
        with pytest.raises(ValidationError, match="Indicateur inconnu"):
            offer_total_record(convention=ConventionFactory(), indicator="creches", year=2022, quantity=1, source="S")


class TestDemoOffer:
    def test_loads_the_published_epci_totals_only(self, caux_seine):
        convention = caux_seine["convention"]
        assert load_demo_offer(convention=convention) == {"read": 6, "changed": 6}
        totals = dict(OfferTotal.objects.filter(convention=convention).values_list("indicator", "quantity"))
        # Figures of data/ctg-caux-seine/offre_petite_enfance_2022.csv.
        assert totals == {
            "places_accueil_collectif": 167,
            "relais_petite_enfance": 5,
            "maisons_assistants_maternels": 12,
            "assistants_maternels": 527,
            "ludotheques": 4,
            "lieux_accueil_enfant_parent": 3,
        }
        assert set(OfferTotal.objects.values_list("year", flat=True)) == {2022}
        assert OfferTotal.objects.first().source.startswith("cauxseine.fr, page Petite enfance")
        # No per-commune detail is invented.
        assert not OfferItem.objects.exists()

    def test_is_idempotent(self, caux_seine):
        convention = caux_seine["convention"]
        load_demo_offer(convention=convention)
        assert load_demo_offer(convention=convention) == {"read": 6, "changed": 0}
        assert OfferTotal.objects.count() == 6

    def test_other_epci_gets_nothing(self):
        assert load_demo_offer(convention=ConventionFactory()) == {"read": 0, "changed": 0}
