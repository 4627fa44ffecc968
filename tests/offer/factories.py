import factory

from ctg.offer.enums import OfferKind, OfferTotalIndicator
from ctg.offer.models import OfferItem, OfferTotal
from tests.conventions.factories import ConventionFactory
from tests.territories.factories import CommuneFactory


class OfferItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfferItem
        skip_postgeneration_save = True

    convention = factory.SubFactory(ConventionFactory)
    kind = OfferKind.EAJE
    name = factory.Sequence(lambda n: f"Équipement synthétique {n}")
    commune = factory.SubFactory(CommuneFactory, epci=factory.SelfAttribute("..convention.epci"))
    capacity = 20
    manager_name = "Gestionnaire synthétique"
    source = "Saisie de test"
    reference_year = 2024

    class Params:
        relais = factory.Trait(kind=OfferKind.RPE, capacity=None)

    @factory.post_generation
    def covered_communes(self, create, extracted, **kwargs):
        if create and extracted:
            self.covered_communes.set(extracted)


class OfferTotalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfferTotal

    convention = factory.SubFactory(ConventionFactory)
    indicator = OfferTotalIndicator.RELAIS_PETITE_ENFANCE
    year = 2022
    quantity = 5
    source = "Source de test"
