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
