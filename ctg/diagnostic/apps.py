from django.apps import AppConfig


class DiagnosticConfig(AppConfig):
    name = "ctg.diagnostic"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the report job with the background worker.
        from ctg.diagnostic import jobs  # noqa: F401
