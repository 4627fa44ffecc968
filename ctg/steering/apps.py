from django.apps import AppConfig


class SteeringConfig(AppConfig):
    name = "ctg.steering"
    verbose_name = "pilotage"
    default_auto_field = "django.db.models.BigAutoField"
