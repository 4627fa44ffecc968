import datetime
import zoneinfo

import factory

from ctg.steering.enums import BodyKind, Frequency, MeetingState, MemberRole, Side
from ctg.steering.models import AgendaItem, Body, BodyMember, Meeting
from tests.conventions.factories import ConventionFactory
from tests.organisations.factories import OrganisationFactory

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


class BodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Body

    convention = factory.SubFactory(ConventionFactory)
    kind = BodyKind.COPIL
    frequency = Frequency.SEMESTRIELLE


class BodyMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BodyMember

    body = factory.SubFactory(BodyFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    person_name = factory.Sequence(lambda n: f"Personne fictive {n}")
    side = Side.EPCI
    role = MemberRole.MEMBRE


class MeetingFactory(factory.django.DjangoModelFactory):
    """A meeting of a COPIL; by default held on 12 March 2024 at 14:00 (Paris), still « préparée »."""

    class Meta:
        model = Meeting

    body = factory.SubFactory(BodyFactory)
    starts_at = datetime.datetime(2024, 3, 12, 14, 0, tzinfo=PARIS)
    place = "Salle du conseil communautaire"
    state = MeetingState.PREPAREE


class AgendaItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgendaItem

    meeting = factory.SubFactory(MeetingFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Point {n}")
