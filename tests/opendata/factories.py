import factory

from ctg.opendata.enums import GeoLevel, ObservationStatus
from ctg.opendata.models import Dataset, Observation


class DatasetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dataset

    producer = "INSEE"
    title = factory.Sequence(lambda n: f"Jeu de données synthétique {n}")
    format = "tidy"
    vintage = "2022"
    file_name = factory.Sequence(lambda n: f"fichier-{n}.csv")
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    row_count = 1
    observation_count = 1


class ObservationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Observation

    dataset = factory.SubFactory(DatasetFactory)
    level = GeoLevel.COMMUNE
    code = factory.Sequence(lambda n: f"{76000 + n % 999:05d}")
    variable = "P22_POP"
    year = 2022
    value = 100
    status = ObservationStatus.OK

    class Params:
        secret = factory.Trait(value=None, status=ObservationStatus.SECRET)


def data_administrator(**kwargs):
    """A platform account holding the data-administration permission (no convention role)."""
    from django.contrib.auth.models import Permission

    from tests.accounts.factories import UserFactory

    user = UserFactory(**kwargs)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="opendata", codename="manage_official_data")
    )
    return user
