from django.db import models


class ValueStatus(models.TextChoices):
    OK = "ok", "Disponible"
    SECRET = "secret", "Secret statistique"
    MISSING = "missing", "Non disponible"
    INCOMPLETE = "incomplete", "Agrégat incomplet"


class Direction(models.TextChoices):
    HIGHER_IS_BETTER = "higher_better", "Plus élevé est favorable"
    HIGHER_IS_WORSE = "higher_worse", "Plus élevé est défavorable"
    NEUTRAL = "neutral", "Descriptif"


class Kind(models.TextChoices):
    """How an indicator is obtained, which decides the levels where it exists."""

    ADDITIVE = "additive", "Somme des communes"
    PUBLISHED = "published", "Statistique publiée par le producteur"
    ESTIMATE = "estimate", "Estimation"
    HOOK = "hook", "Calcul sur le registre de l'offre"
