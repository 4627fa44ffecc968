from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "ctg.plans"
    default_auto_field = "django.db.models.BigAutoField"
