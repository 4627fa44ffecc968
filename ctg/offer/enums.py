from django.db import models


class OfferKind(models.TextChoices):
    EAJE = "eaje", "Établissement d'accueil du jeune enfant (EAJE)"
    MICRO_CRECHE = "micro_creche", "Micro-crèche"
    MAM = "mam", "Maison d'assistants maternels (MAM)"
    ASSISTANTS_MATERNELS = "assistants_maternels", "Assistants maternels"
    RPE = "rpe", "Relais petite enfance (RPE)"
    LAEP = "laep", "Lieu d'accueil enfants-parents (LAEP)"
    ALSH = "alsh", "Accueil de loisirs sans hébergement (ALSH)"
    ACCUEIL_JEUNES = "accueil_jeunes", "Accueil jeunes"
    CENTRE_SOCIAL = "centre_social", "Centre social"
    EVS = "evs", "Espace de vie sociale"
    FRANCE_SERVICES = "france_services", "France services"
    LUDOTHEQUE = "ludotheque", "Ludothèque"
    AUTRE = "autre", "Autre"


# Kinds whose capacity counts as childcare places for children under 3 (collective and shared care).
CHILDCARE_KINDS = (OfferKind.EAJE, OfferKind.MICRO_CRECHE, OfferKind.MAM)


class OfferTotalIndicator(models.TextChoices):
    """Figures published for the whole EPCI, without any per-commune detail."""

    PLACES_ACCUEIL_COLLECTIF = "places_accueil_collectif", "Places d'accueil collectif"
    RELAIS_PETITE_ENFANCE = "relais_petite_enfance", "Relais petite enfance"
    MAISONS_ASSISTANTS_MATERNELS = "maisons_assistants_maternels", "Maisons d'assistants maternels"
    ASSISTANTS_MATERNELS = "assistants_maternels", "Assistants maternels"
    LUDOTHEQUES = "ludotheques", "Ludothèques"
    LIEUX_ACCUEIL_ENFANT_PARENT = "lieux_accueil_enfant_parent", "Lieux d'accueil enfants-parents"


class CoverageStatus(models.TextChoices):
    COVERED = "covered", "Couverte par un relais"
    NOT_COVERED = "not_covered", "Non couverte"
    UNKNOWN = "unknown", "Couverture non renseignée"
