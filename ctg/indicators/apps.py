from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "ctg.indicators"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the system check that every hook named by the catalogue has been registered, and the official
        # data import job with the background worker.
        from ctg.indicators import checks, jobs  # noqa: F401
