from django.db import models


class SnapshotKind(models.TextChoices):
    SIGNATURE = "signature", "Signature de la convention"
    DECISION = "decision", "Décision du comité de pilotage"


class Trend(models.TextChoices):
    """How a figure moved between the snapshot and the newest vintage, read with the indicator's direction."""

    BETTER = "better", "amélioration"
    WORSE = "worse", "dégradation"
    STABLE = "stable", "stable"
    UP = "up", "hausse"
    DOWN = "down", "baisse"
    SAME_VINTAGE = "same_vintage", "même millésime"
    UNKNOWN = "unknown", "non comparable"


class Criterion(models.TextChoices):
    """The CNAF's four evaluation questions, plus the coherence with the rest of the plan."""

    PERTINENCE = "pertinence", "Pertinence"
    EFFICACITE = "efficacite", "Efficacité"
    EFFICIENCE = "efficience", "Efficience"
    DURABILITE = "durabilite", "Durabilité"
    COHERENCE = "coherence", "Cohérence"


CRITERION_QUESTIONS = {
    Criterion.PERTINENCE: "L'action répondait-elle aux besoins constatés dans le diagnostic ?",
    Criterion.EFFICACITE: "Ses objectifs ont-ils été atteints ?",
    Criterion.EFFICIENCE: "Les moyens ont-ils été bien employés au regard des résultats ?",
    Criterion.DURABILITE: "Ses effets se prolongent-ils au-delà de la convention ?",
    Criterion.COHERENCE: "S'articule-t-elle avec les autres actions et les politiques des partenaires ?",
}


class Achievement(models.TextChoices):
    ATTEINT = "atteint", "Atteint"
    PARTIEL = "partiel", "Partiellement atteint"
    NON_ATTEINT = "non_atteint", "Non atteint"
    NON_EVALUABLE = "non_evaluable", "Non évaluable"


# The four questions put to the partners about the convention as a whole (the CNAF's four evaluation questions).
SURVEY_QUESTIONS = {
    Criterion.PERTINENCE: "Les objectifs de la convention répondaient-ils aux besoins du territoire ?",
    Criterion.EFFICACITE: "Les objectifs de la convention ont-ils été atteints ?",
    Criterion.EFFICIENCE: "Les moyens engagés ont-ils été bien employés au regard des résultats ?",
    Criterion.DURABILITE: "Les effets de la convention se prolongeront-ils après elle ?",
}


class SurveyAnswer(models.TextChoices):
    OUI = "oui", "Oui"
    PLUTOT_OUI = "plutot_oui", "Plutôt oui"
    PLUTOT_NON = "plutot_non", "Plutôt non"
    NON = "non", "Non"
    NE_SAIT_PAS = "ne_sait_pas", "Ne sait pas"
