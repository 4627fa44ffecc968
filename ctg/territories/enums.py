from django.db import models


class EpciKind(models.TextChoices):
    CA = "CA", "Communauté d'agglomération"
    CC = "CC", "Communauté de communes"
    CU = "CU", "Communauté urbaine"
    ME = "ME", "Métropole"


class Level(models.TextChoices):
    """Territorial levels at which figures are computed, from the finest to the widest."""

    COMMUNE = "commune", "Commune"
    EPCI = "epci", "EPCI"
    DEPARTEMENT = "departement", "Département"
    REGION = "region", "Région"
    FRANCE = "france", "France"


class CommuneChangeKind(models.TextChoices):
    """How a former commune became part of today's communes."""

    MERGED = "merged", "Fusion (commune nouvelle, association ou absorption)"
    SPLIT = "split", "Scission (territoire réparti entre plusieurs communes actuelles)"
