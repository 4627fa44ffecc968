from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "ctg.evaluation"
    verbose_name = "évaluation et renouvellement"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The conventions app announces a signature; the snapshot of the diagnostic is taken here, since a lower
        # layer never imports the evaluation.
        from ctg.conventions.signals import convention_signed
        from ctg.evaluation import (
            jobs,  # noqa: F401 (registers the export job with the background worker)
            survey_links,  # noqa: F401 (registers the e-mailing of the partners' links)
        )
        from ctg.evaluation.receivers import take_decision_snapshot, take_signature_snapshot
        from ctg.steering.signals import decision_recorded

        convention_signed.connect(take_signature_snapshot, dispatch_uid="evaluation_signature_snapshot")
        # Likewise the steering announces a decision; a steering committee's decision freezes the diagnostic.
        decision_recorded.connect(take_decision_snapshot, dispatch_uid="evaluation_decision_snapshot")
