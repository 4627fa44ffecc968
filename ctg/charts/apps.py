from django.apps import AppConfig


class ChartsConfig(AppConfig):
    name = "ctg.charts"
    default_auto_field = "django.db.models.BigAutoField"
