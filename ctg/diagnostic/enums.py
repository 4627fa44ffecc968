from django.db import models


class EnjeuPriority(models.TextChoices):
    HAUTE = "haute", "Haute"
    MOYENNE = "moyenne", "Moyenne"
    BASSE = "basse", "Basse"


PRIORITY_ORDER = {EnjeuPriority.HAUTE: 0, EnjeuPriority.MOYENNE: 1, EnjeuPriority.BASSE: 2}


class EnjeuStatus(models.TextChoices):
    PROPOSE = "propose", "Proposé"
    VALIDE = "valide", "Validé par le COPIL"
