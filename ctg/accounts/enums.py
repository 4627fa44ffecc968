from django.db import models


class Role(models.TextChoices):
    ADMINISTRATEUR = "administrateur", "Administrateur (coordination)"
    CONTRIBUTEUR = "contributeur", "Contributeur"
    PILOTE = "pilote", "Pilote d'actions"
    COMMUNE = "commune", "Commune"
    LECTEUR = "lecteur", "Lecteur"
