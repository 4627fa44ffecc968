"""System checks of the catalogue: every hook indicator names a function some app has registered."""

from django.core import checks

from ctg.indicators import catalogue, hooks
from ctg.indicators.enums import Kind


@checks.register()
def check_hooks_registered(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    return [
        checks.Error(
            f"L'indicateur « {indicator.code} » est calculé par « {indicator.hook} », qu'aucune application "
            "n'a enregistré.",
            hint="Enregistrer la fonction avec ctg.indicators.hooks.register() dans AppConfig.ready() de "
            "l'application qui tient le registre, ou corriger le nom dans ctg/indicators/catalogue.py.",
            id="indicators.E001",
        )
        for indicator in catalogue.CATALOGUE
        if indicator.kind == Kind.HOOK and hooks.registered(indicator.hook) is None
    ]
