from django.db import models


class BodyKind(models.TextChoices):
    COPIL = "copil", "Comité de pilotage"
    COTECH = "cotech", "Comité technique"
    THEMATIQUE = "thematique", "Comité thématique"


class Frequency(models.TextChoices):
    MENSUELLE = "mensuelle", "Mensuelle"
    BIMESTRIELLE = "bimestrielle", "Tous les deux mois"
    TRIMESTRIELLE = "trimestrielle", "Trimestrielle"
    SEMESTRIELLE = "semestrielle", "Semestrielle"
    ANNUELLE = "annuelle", "Annuelle"
    A_LA_DEMANDE = "a_la_demande", "À la demande"
    NON_PRECISEE = "non_precisee", "Non précisée"


class Side(models.TextChoices):
    """The party a member speaks for; the signatory sides are those of the convention's signatories."""

    CAF = "caf", "CAF"
    EPCI = "epci", "EPCI"
    COMMUNE = "commune", "Commune"
    PARTENAIRE = "partenaire", "Partenaire"


class MemberRole(models.TextChoices):
    PRESIDENT = "president", "Président(e)"
    SECRETAIRE = "secretaire", "Secrétaire"
    MEMBRE = "membre", "Membre"


class MeetingState(models.TextChoices):
    PREPAREE = "preparee", "Préparée"
    TENUE = "tenue", "Tenue"
    CR_ENVOYE = "cr_envoye", "Compte rendu envoyé"
    CR_APPROUVE = "cr_approuve", "Compte rendu approuvé"


# The lifecycle of a meeting: one step forward at a time. Going back from « approuvé » happens only through a
# correction of the minutes (a new version), which returns the meeting to « tenue » until it is sent again.
MEETING_TRANSITIONS: dict[str, set[str]] = {
    MeetingState.PREPAREE: {MeetingState.TENUE},
    MeetingState.TENUE: {MeetingState.CR_ENVOYE},
    MeetingState.CR_ENVOYE: {MeetingState.CR_APPROUVE},
    MeetingState.CR_APPROUVE: set(),
}
TACIT_LABEL = "Compte rendu approuvé (sans observation)"


class Presence(models.TextChoices):
    PRESENT = "present", "Présent(e)"
    EXCUSE = "excuse", "Excusé(e)"
    ABSENT = "absent", "Absent(e)"


class OutcomeKind(models.TextChoices):
    INFORMATION = "information", "Information"
    DECISION = "decision", "Décision"
    TASK = "task", "Tâche"


class DecisionSubject(models.TextChoices):
    VALIDATE_ENJEUX = "valider_enjeux", "Valider les enjeux du diagnostic"
    ADOPT_PLAN = "adopter_plan", "Adopter le plan d'actions"
    AMEND_PLAN = "amender_plan", "Amender le plan d'actions"
    ACTION_STATUS = "statut_action", "Changer le statut d'une action"
    ACTION_DATES = "dates_action", "Changer les dates d'une action"
    ACCEPT_FUNDING = "accepter_financement", "Accepter une ligne de financement"
    SET_TARGET = "fixer_cible", "Fixer une cible d'indicateur"
    OTHER = "autre", "Autre décision"


class Verdict(models.TextChoices):
    APPROUVE = "approuve", "Approuve"
    OBSERVATION = "observation", "Formule des observations"
