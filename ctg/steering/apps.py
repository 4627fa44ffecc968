from django.apps import AppConfig


class SteeringConfig(AppConfig):
    name = "ctg.steering"
    verbose_name = "pilotage"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the COPIL pack and annual review job with the background worker.
        from ctg.steering import jobs  # noqa: F401
