from django.db import models


class ObservationStatus(models.TextChoices):
    OK = "ok", "Disponible"
    SECRET = "secret", "Secret statistique"
    MISSING = "missing", "Non disponible"


class GeoLevel(models.TextChoices):
    """Levels at which producers publish raw variables (IRIS is below the commune)."""

    IRIS = "iris", "IRIS"
    COMMUNE = "commune", "Commune"
    EPCI = "epci", "EPCI"
    DEPARTEMENT = "departement", "Département"
    REGION = "region", "Région"
    FRANCE = "france", "France"
