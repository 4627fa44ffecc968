import datetime
from decimal import Decimal

import factory

from ctg.conventions.models import Theme
from ctg.plans.enums import BaselineState, FundingNature, FundingScheme
from ctg.plans.models import (
    Action,
    FollowUpIndicator,
    FundingLine,
    IndicatorMeasure,
    IndicatorTarget,
    Milestone,
    Objective,
)
from tests.conventions.factories import ConventionFactory
from tests.organisations.factories import OrganisationFactory


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme

    code = factory.Sequence(lambda n: f"theme-{n}")
    label = factory.Sequence(lambda n: f"Thématique {n}")
    convention = None


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    convention = factory.SubFactory(ConventionFactory)
    theme = factory.SubFactory(ThemeFactory)
    code = factory.Sequence(lambda n: f"OS{n}")
    title = factory.Sequence(lambda n: f"Objectif {n}")


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    convention = factory.SubFactory(ConventionFactory)
    code = factory.Sequence(lambda n: f"AC-{n:03d}")
    title = factory.Sequence(lambda n: f"Action {n}")
    planned_start = datetime.date(2022, 1, 1)
    planned_end = datetime.date(2023, 6, 30)


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    action = factory.SubFactory(ActionFactory)
    title = factory.Sequence(lambda n: f"Jalon {n}")
    due_date = datetime.date(2022, 6, 30)


class FundingLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingLine

    action = factory.SubFactory(ActionFactory)
    funder = factory.SubFactory(OrganisationFactory)
    year = 2022
    nature = FundingNature.FONCTIONNEMENT
    scheme = FundingScheme.FONDS_PROPRES
    amount_planned = Decimal("1000.00")


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUpIndicator

    action = factory.SubFactory(ActionFactory)
    convention = factory.SelfAttribute("action.convention")
    code = factory.Sequence(lambda n: f"IND-{n}")
    label = factory.Sequence(lambda n: f"Indicateur {n}")
    unit = "places"
    source = "Tableau de bord de la coordination"
    baseline_state = BaselineState.RENSEIGNEE
    baseline_value = Decimal("10")
    baseline_date = datetime.date(2022, 1, 1)


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndicatorTarget

    indicator = factory.SubFactory(IndicatorFactory)
    date = datetime.date(2024, 1, 1)
    value = Decimal("20")


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndicatorMeasure

    indicator = factory.SubFactory(IndicatorFactory)
    date = datetime.date(2023, 1, 1)
    value = Decimal("15")
    source = "Relevé de la coordination"
