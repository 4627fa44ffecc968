from django.db import models


class OrganisationKind(models.TextChoices):
    CAF = "caf", "CAF"
    EPCI = "epci", "EPCI"
    COMMUNE = "commune", "Commune"
    DEPARTEMENT = "departement", "Département"
    MSA = "msa", "MSA"
    ETAT = "etat", "État"
    ASSOCIATION = "association", "Association"
    BUREAU_ETUDES = "bureau_etudes", "Bureau d'études"
    AUTRE = "autre", "Autre"
