import datetime

import factory

from ctg.conventions.models import Theme
from ctg.diagnostic.enums import EnjeuPriority, EnjeuStatus
from ctg.diagnostic.models import Enjeu
from tests.conventions.factories import ConventionFactory


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme

    code = factory.Sequence(lambda n: f"theme-local-{n}")
    label = factory.Sequence(lambda n: f"Thématique locale {n}")
    convention = factory.SubFactory(ConventionFactory)


class EnjeuFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enjeu

    convention = factory.SubFactory(ConventionFactory)
    theme = factory.SubFactory(ThemeFactory, convention=factory.SelfAttribute("..convention"))
    title = factory.Sequence(lambda n: f"Enjeu synthétique {n}")
    text = "Constat de test."
    priority = EnjeuPriority.MOYENNE

    class Params:
        validated = factory.Trait(status=EnjeuStatus.VALIDE, validated_on=datetime.date(2022, 6, 1))
