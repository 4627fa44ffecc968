from django.apps import AppConfig


class SteeringConfig(AppConfig):
    name = "ctg.steering"
    verbose_name = "pilotage"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from simple_history.signals import pre_create_historical_record

        from ctg.steering.history import set_reason_on_record

        pre_create_historical_record.connect(set_reason_on_record, dispatch_uid="steering_history_reason")
