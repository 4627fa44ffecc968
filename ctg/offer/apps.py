from django.apps import AppConfig


class OfferConfig(AppConfig):
    name = "ctg.offer"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The indicators built on the offer register are computed by this app: the indicators app only knows
        # them by the names its catalogue gives.
        from ctg.indicators import hooks
        from ctg.offer.indicator_hooks import HOOKS

        for name, function in HOOKS.items():
            hooks.register(name, function)
