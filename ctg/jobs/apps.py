from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "ctg.jobs"
    verbose_name = "travaux en arrière-plan"
    default_auto_field = "django.db.models.BigAutoField"
