from django.db import models


class ObjectiveLevel(models.TextChoices):
    STRATEGIQUE = "strategique", "Objectif stratégique"
    OPERATIONNEL = "operationnel", "Objectif opérationnel"


class ActionStatus(models.TextChoices):
    A_VENIR = "a_venir", "À venir"
    EN_COURS = "en_cours", "En cours"
    REALISEE = "realisee", "Réalisée"
    EN_PAUSE = "en_pause", "En pause"
    BLOQUEE = "bloquee", "Bloquée"
    ABANDONNEE = "abandonnee", "Abandonnée"


# An action in one of these states is over: it can no longer be late.
CLOSED_STATUSES = {ActionStatus.REALISEE, ActionStatus.ABANDONNEE}
LATE_LABEL = "En retard"


class Priority(models.TextChoices):
    HAUTE = "haute", "Haute"
    MOYENNE = "moyenne", "Moyenne"
    BASSE = "basse", "Basse"


class FundingNature(models.TextChoices):
    FONCTIONNEMENT = "fonctionnement", "Fonctionnement"
    INVESTISSEMENT = "investissement", "Investissement"


class FundingScheme(models.TextChoices):
    PRESTATION_SERVICE = "prestation_service", "Prestation de service"
    BONUS_TERRITOIRE = "bonus_territoire_ctg", "Bonus territoire CTG"
    FONDS_PROPRES = "fonds_propres", "Fonds propres"
    SUBVENTION_DEPARTEMENT = "subvention_departement", "Subvention du Département"
    SUBVENTION_ETAT = "subvention_etat", "Subvention de l'État"
    FONDS_PUBLICS_TERRITOIRES = "fonds_publics_territoires", "Fonds publics et territoires"
    AUTRE = "autre", "Autre dispositif"


class BaselineState(models.TextChoices):
    RENSEIGNEE = "renseignee", "Renseignée"
    A_RENSEIGNER = "a_renseigner", "À renseigner"


class Trajectory(models.TextChoices):
    ACHIEVED = "achieved", "Cible atteinte"
    ON_TRACK = "on_track", "Dans la trajectoire"
    BEHIND = "behind", "En retard sur la trajectoire"
    BASELINE_MISSING = "baseline_missing", "Ligne de base à renseigner"
    NO_TARGET = "no_target", "Aucune cible fixée"
    NO_MEASURE = "no_measure", "Aucune mesure depuis la ligne de base"
