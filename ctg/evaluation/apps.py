from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "ctg.evaluation"
    verbose_name = "évaluation et renouvellement"
    default_auto_field = "django.db.models.BigAutoField"
