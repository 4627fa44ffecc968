from django.db import models


class Phase(models.TextChoices):
    PREPARATION = "preparation", "Préparation"
    DIAGNOSTIC = "diagnostic", "Diagnostic partagé"
    PLAN = "plan", "Plan d'actions"
    MISE_EN_OEUVRE = "mise_en_oeuvre", "Mise en œuvre et pilotage"
    EVALUATION = "evaluation", "Évaluation"
    CLOSE = "close", "Close"


PHASE_ORDER = list(Phase)

# Forward one step, or back one step to correct a premature move; a closed convention stays closed
# (its renewal is a new convention).
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    Phase.PREPARATION: {Phase.DIAGNOSTIC},
    Phase.DIAGNOSTIC: {Phase.PLAN, Phase.PREPARATION},
    Phase.PLAN: {Phase.MISE_EN_OEUVRE, Phase.DIAGNOSTIC},
    Phase.MISE_EN_OEUVRE: {Phase.EVALUATION, Phase.PLAN},
    Phase.EVALUATION: {Phase.CLOSE, Phase.MISE_EN_OEUVRE},
    Phase.CLOSE: set(),
}


class SignatoryRole(models.TextChoices):
    CAF = "caf", "CAF signataire"
    EPCI = "epci", "EPCI signataire"
    COMMUNE = "commune", "Commune engagée"
    PARTENAIRE = "partenaire", "Partenaire signataire"
