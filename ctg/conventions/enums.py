from django.db import models


class Phase(models.TextChoices):
    PREPARATION = "preparation", "Préparation"
    DIAGNOSTIC = "diagnostic", "Diagnostic partagé"
    PLAN = "plan", "Plan d'actions"
    MISE_EN_OEUVRE = "mise_en_oeuvre", "Mise en œuvre et pilotage"
    EVALUATION = "evaluation", "Évaluation"
    CLOSE = "close", "Clôturée"


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


class DocumentKind(models.TextChoices):
    SIGNED = "signee", "Convention signée"
    AVENANT = "avenant", "Avenant"


def next_phase(phase: str) -> "Phase | None":
    """The phase that follows `phase` in the lifecycle, None after the last one."""
    index = PHASE_ORDER.index(Phase(phase))
    return PHASE_ORDER[index + 1] if index + 1 < len(PHASE_ORDER) else None


def previous_phase(phase: str) -> "Phase | None":
    """The phase a premature move returns to, None when going back is not allowed (first phase, closed)."""
    current = Phase(phase)
    backwards = [p for p in ALLOWED_TRANSITIONS[current] if PHASE_ORDER.index(Phase(p)) < PHASE_ORDER.index(current)]
    return Phase(backwards[0]) if backwards else None
