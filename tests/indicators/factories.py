import factory

from ctg.opendata.enums import GeoLevel, ObservationStatus
from ctg.opendata.models import Dataset, Observation


class DatasetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dataset

    producer = "INSEE"
    title = factory.Sequence(lambda n: f"Jeu de test {n}")
    format = "csv"
    vintage = "2022"
    file_name = factory.Sequence(lambda n: f"test-{n}.csv")
    sha256 = factory.Sequence(lambda n: f"{n:064x}")


class ObservationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Observation

    dataset = factory.SubFactory(DatasetFactory)
    level = GeoLevel.COMMUNE
    code = "00000"
    variable = "P22_POP"
    year = 2022
    value = 100
    status = ObservationStatus.OK

    class Params:
        secret = factory.Trait(status=ObservationStatus.SECRET, value=None)
        missing = factory.Trait(status=ObservationStatus.MISSING, value=None)
