import factory

from ctg.organisations.enums import OrganisationKind
from ctg.organisations.models import Organisation


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.ASSOCIATION

    class Params:
        caf = factory.Trait(kind=OrganisationKind.CAF, name=factory.Sequence(lambda n: f"CAF synthétique {n}"))
