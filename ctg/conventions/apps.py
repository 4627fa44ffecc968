from django.apps import AppConfig


class ConventionsConfig(AppConfig):
    name = "ctg.conventions"
    default_auto_field = "django.db.models.BigAutoField"
