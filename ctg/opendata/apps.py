from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "ctg.opendata"
    default_auto_field = "django.db.models.BigAutoField"
