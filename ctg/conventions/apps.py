from django.apps import AppConfig


class ConventionsConfig(AppConfig):
    name = "ctg.conventions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Every domain that keeps history sits on conventions: the reason of a change (a decision, an import)
        # reaches their records from here.
        from ctg.core.history import connect_history_reason

        connect_history_reason()
