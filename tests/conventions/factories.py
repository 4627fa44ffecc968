import datetime

import factory

from ctg.conventions.enums import Phase
from ctg.conventions.models import Convention
from tests.organisations.factories import OrganisationFactory
from tests.territories.factories import EpciFactory


class ConventionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Convention

    title = factory.Sequence(lambda n: f"CTG synthétique {n}")
    epci = factory.SubFactory(EpciFactory)
    caf = factory.SubFactory(OrganisationFactory, caf=True)
    start_date = datetime.date(2022, 1, 1)
    end_date = datetime.date(2025, 12, 31)
    signed_on = datetime.date(2022, 3, 1)
    phase = Phase.PREPARATION
