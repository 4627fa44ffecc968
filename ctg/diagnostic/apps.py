from django.apps import AppConfig


class DiagnosticConfig(AppConfig):
    name = "ctg.diagnostic"
    default_auto_field = "django.db.models.BigAutoField"
