import factory

from ctg.territories.enums import EpciKind
from ctg.territories.models import EPCI, Commune, Departement, Region


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"R{n % 100:02d}")
    name = factory.Sequence(lambda n: f"Région synthétique {n}")


class DepartementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Departement
        django_get_or_create = ["code"]

    # "S" for synthetic: tests name their own départements D76, D27, …, which a sequence must never reach.
    code = factory.Sequence(lambda n: f"S{n % 100:02d}")
    name = factory.Sequence(lambda n: f"Département synthétique {n}")
    region = factory.SubFactory(RegionFactory)


class EpciFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EPCI

    siren = factory.Sequence(lambda n: f"{900000000 + n}")
    name = factory.Sequence(lambda n: f"CC synthétique {n}")
    kind = EpciKind.CC
    population = 10000
    population_year = 2022


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commune

    code = factory.Sequence(lambda n: f"X{n:04d}")
    # Zero-padded, so that communes created one after the other sort by name in the order they were made.
    name = factory.Sequence(lambda n: f"Commune synthétique {n:06d}")
    siren = factory.Sequence(lambda n: f"{800000000 + n}")
    departement = factory.SubFactory(DepartementFactory)
    epci = factory.SubFactory(EpciFactory)
    population = 1000
    population_year = 2022
