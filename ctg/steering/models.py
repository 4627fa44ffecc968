"""Governance of a convention: bodies (COPIL, comité technique, thematic committees), their members and meetings.

A meeting has an ordered agenda, the attendance of the body's members and its guests, outcomes per agenda item
(information, decision, task) and versioned minutes. A version of the minutes, once sent, is frozen: a later edit
creates the next version, and every version is kept with the approvals it received. Writes go through
ctg.steering.services; every model keeps its history (django-simple-history).
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from ctg.conventions.models import Convention
from ctg.core.formatting import format_date
from ctg.diagnostic.models import Enjeu
from ctg.organisations.models import Organisation
from ctg.plans.enums import ActionStatus
from ctg.plans.models import Action, FollowUpIndicator, FundingLine
from ctg.steering.enums import (
    BodyKind,
    DecisionSubject,
    Frequency,
    MeetingState,
    MemberRole,
    OutcomeKind,
    Presence,
    Side,
    Verdict,
)


class BodyQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(convention__in=Convention.objects.for_user(user))


class Body(models.Model):
    """A governance body of one convention."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="bodies")
    kind = models.CharField("instance", max_length=20, choices=BodyKind.choices)
    name = models.CharField(
        "nom",
        max_length=200,
        blank=True,
        help_text="Obligatoire pour un comité thématique (par exemple « Comité petite enfance »).",
    )
    frequency = models.CharField("fréquence prévue", max_length=20, choices=Frequency.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BodyQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "instance de gouvernance"
        verbose_name_plural = "instances de gouvernance"
        ordering = ["kind", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind=BodyKind.THEMATIQUE) | ~models.Q(name=""),
                name="body_thematic_has_name",
                violation_error_message="Un comité thématique porte un nom.",
            ),
        ]

    def __str__(self):
        return self.name or self.get_kind_display()

    @property
    def short_label(self) -> str:
        """How a history reason names the body: « COPIL », « comité technique » or the committee's name."""
        if self.kind == BodyKind.COPIL:
            return "COPIL"
        if self.kind == BodyKind.COTECH:
            return "comité technique"
        return self.name


class BodyMember(models.Model):
    """A seat in a body: an organisation, a person (an account of the convention or a name), a side and a role."""

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="members")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="body_seats", verbose_name="organisation"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="body_seats",
        verbose_name="personne (compte)",
    )
    person_name = models.CharField("personne (nom et fonction)", max_length=200, blank=True)
    side = models.CharField("collège", max_length=20, choices=Side.choices)
    role = models.CharField("rôle", max_length=20, choices=MemberRole.choices, default=MemberRole.MEMBRE)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "membre d'une instance"
        verbose_name_plural = "membres des instances"
        ordering = ["role", "side", "organisation__name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | ~models.Q(person_name=""),
                name="body_member_names_a_person",
                violation_error_message="Indiquez la personne : un compte de la convention ou un nom.",
            ),
        ]

    def __str__(self):
        return f"{self.person_label} ({self.organisation})"

    @property
    def person_label(self) -> str:
        user = self.user
        if user is not None:
            return user.get_full_name() or user.get_username()
        return self.person_name


class MeetingQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(body__convention__in=Convention.objects.for_user(user))


class Meeting(models.Model):
    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="meetings", verbose_name="instance")
    starts_at = models.DateTimeField("date et heure")
    place = models.CharField("lieu", max_length=300, blank=True)
    link = models.URLField("lien de visioconférence", max_length=500, blank=True)
    state = models.CharField("état", max_length=20, choices=MeetingState.choices, default=MeetingState.PREPAREE)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MeetingQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "réunion"
        ordering = ["-starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(place="") | ~models.Q(link=""),
                name="meeting_has_place_or_link",
                violation_error_message="Indiquez le lieu de la réunion ou le lien de visioconférence.",
            ),
        ]

    def __str__(self):
        return f"{self.body} du {format_date(self.local_date)}"

    @property
    def local_date(self) -> datetime.date:
        return timezone.localtime(self.starts_at).date()


class AgendaItem(models.Model):
    """A point of the agenda; it may concern one object of the convention (an action, an enjeu, a funding line or
    an indicator)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    order = models.PositiveSmallIntegerField("ordre", default=1)
    title = models.CharField("intitulé", max_length=300)
    duration_minutes = models.PositiveSmallIntegerField("durée (minutes)", null=True, blank=True)
    presenter = models.CharField("présenté par", max_length=200, blank=True)
    action = models.ForeignKey(
        Action, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="action"
    )
    enjeu = models.ForeignKey(
        Enjeu, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="enjeu"
    )
    funding_line = models.ForeignKey(
        FundingLine,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="ligne de financement",
    )
    indicator = models.ForeignKey(
        FollowUpIndicator,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="indicateur",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "point de l'ordre du jour"
        verbose_name_plural = "points de l'ordre du jour"
        ordering = ["order", "pk"]

    def __str__(self):
        return self.title

    @property
    def linked(self):
        """The object the item concerns, if any."""
        return self.action or self.enjeu or self.funding_line or self.indicator


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    member = models.ForeignKey(BodyMember, on_delete=models.CASCADE, related_name="attendances")
    presence = models.CharField("présence", max_length=10, choices=Presence.choices)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "présence"
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "member"],
                name="attendance_one_per_member",
                violation_error_message="La présence de ce membre est déjà notée pour cette réunion.",
            ),
        ]

    def __str__(self):
        return f"{self.member} : {self.get_presence_display()}"


class Guest(models.Model):
    """A person invited to one meeting without a seat in the body."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="guests")
    name = models.CharField("nom", max_length=200)
    organisation = models.CharField("organisation ou fonction", max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "invité(e)"
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name


class MinutesVersion(models.Model):
    """One version of the minutes of a meeting. Once sent it is frozen; a correction is the next version."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="minutes_versions")
    number = models.PositiveSmallIntegerField("version", default=1)
    created_at = models.DateTimeField("créée le", default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_on = models.DateField("envoyé le", null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_on = models.DateField("approuvé le", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "version du compte rendu"
        verbose_name_plural = "versions du compte rendu"
        ordering = ["meeting", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "number"],
                name="minutes_version_unique",
                violation_error_message="Cette version du compte rendu existe déjà.",
            ),
            models.CheckConstraint(
                condition=models.Q(approved_on__isnull=True) | models.Q(sent_on__isnull=False),
                name="minutes_approved_after_sent",
                violation_error_message="Un compte rendu est envoyé avant d'être approuvé.",
            ),
        ]

    def __str__(self):
        return f"Compte rendu, version {self.number}"

    @property
    def is_frozen(self) -> bool:
        return self.sent_on is not None


class MinutesEntry(models.Model):
    """The minutes of one agenda item in one version."""

    version = models.ForeignKey(MinutesVersion, on_delete=models.CASCADE, related_name="entries")
    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="minutes_entries")
    text = models.TextField("compte rendu", blank=True)

    class Meta:
        verbose_name = "compte rendu d'un point"
        constraints = [
            models.UniqueConstraint(
                fields=["version", "agenda_item"],
                name="minutes_entry_unique",
                violation_error_message="Ce point a déjà son compte rendu dans cette version.",
            ),
        ]

    def __str__(self):
        return f"{self.agenda_item} (version {self.version.number})"


class MinutesApproval(models.Model):
    """The answer of one signatory side to one sent version of the minutes."""

    version = models.ForeignKey(MinutesVersion, on_delete=models.CASCADE, related_name="approvals")
    side = models.CharField("collège", max_length=20, choices=Side.choices)
    verdict = models.CharField("réponse", max_length=20, choices=Verdict.choices)
    comment = models.TextField("observations", blank=True)
    answered_on = models.DateField("le")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "réponse au compte rendu"
        verbose_name_plural = "réponses au compte rendu"
        ordering = ["side"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "side"],
                name="minutes_approval_one_per_side",
                violation_error_message="Ce collège a déjà répondu sur cette version du compte rendu.",
            ),
            models.CheckConstraint(
                condition=~models.Q(verdict=Verdict.OBSERVATION) | ~models.Q(comment=""),
                name="minutes_observation_has_comment",
                violation_error_message="Des observations s'écrivent : le texte est vide.",
            ),
        ]

    def __str__(self):
        return f"{self.get_side_display()} : {self.get_verdict_display()}"


class Outcome(models.Model):
    """What an agenda item led to: an information, a decision (carried out when it applies) or a task."""

    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="outcomes")
    kind = models.CharField("nature", max_length=20, choices=OutcomeKind.choices)
    text = models.TextField("énoncé")
    subject = models.CharField("objet de la décision", max_length=30, choices=DecisionSubject.choices, blank=True)
    action = models.ForeignKey(
        Action, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="action"
    )
    enjeux = models.ManyToManyField(Enjeu, blank=True, related_name="+", verbose_name="enjeux validés")
    funding_line = models.ForeignKey(
        FundingLine,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="ligne de financement",
    )
    indicator = models.ForeignKey(
        FollowUpIndicator,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="indicateur",
    )
    new_status = models.CharField("nouveau statut", max_length=20, choices=ActionStatus.choices, blank=True)
    new_planned_start = models.DateField("nouveau début prévu", null=True, blank=True)
    new_planned_end = models.DateField("nouvelle fin prévue", null=True, blank=True)
    amount_granted = models.DecimalField("montant accordé (€)", max_digits=12, decimal_places=2, null=True, blank=True)
    target_date = models.DateField("échéance de la cible", null=True, blank=True)
    target_value = models.DecimalField("valeur cible", max_digits=14, decimal_places=3, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[enjeux])

    class Meta:
        verbose_name = "suite donnée"
        verbose_name_plural = "suites données"
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind=OutcomeKind.DECISION, subject__gt="")
                | (~models.Q(kind=OutcomeKind.DECISION) & models.Q(subject="")),
                name="outcome_decision_has_subject",
                violation_error_message="Une décision dit ce qu'elle décide ; une information ou une tâche non.",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} : {self.text[:60]}"


class FollowUpQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(convention__in=Convention.objects.for_user(user))

    def open(self):
        return self.filter(done_on__isnull=True)


class FollowUp(models.Model):
    """The follow-up of a task decided in a meeting."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="follow_ups")
    outcome = models.OneToOneField(Outcome, on_delete=models.CASCADE, related_name="follow_up")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="steering_follow_ups",
        verbose_name="responsable (compte)",
    )
    assignee_name = models.CharField("responsable", max_length=200, blank=True)
    due_date = models.DateField("échéance", null=True, blank=True)
    done_on = models.DateField("faite le", null=True, blank=True)

    objects = FollowUpQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "suivi d'une tâche"
        verbose_name_plural = "suivis des tâches"
        ordering = ["done_on", "due_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(assignee__isnull=False) | ~models.Q(assignee_name=""),
                name="follow_up_has_assignee",
                violation_error_message="Une tâche a un responsable : un compte de la convention ou un nom.",
            ),
        ]

    def __str__(self):
        return self.outcome.text[:60]

    @property
    def assignee_label(self) -> str:
        assignee = self.assignee
        if assignee is not None:
            return assignee.get_full_name() or assignee.get_username()
        return self.assignee_name


class ReminderKind(models.TextChoices):
    """The reminders e-mailed by `manage.py send_reminders` and listed as « à faire » on the home page."""

    MEETING_PREPARATION = "preparation_reunion", "Actions à mettre à jour avant une réunion"
    MILESTONE_SOON = "jalon_proche", "Jalon à échéance dans les 7 jours"
    MILESTONE_OVERDUE = "jalon_depasse", "Jalon dont l'échéance est dépassée"
    MINUTES_LATE = "compte_rendu_attendu", "Compte rendu à envoyer après une réunion tenue"
    MINUTES_APPROVAL = "compte_rendu_a_approuver", "Compte rendu à approuver"


class SentReminder(models.Model):
    """One reminder e-mailed to one person. Its key (kind, object, recipient, date bucket) is unique: the row is
    written in the transaction that sends the e-mail, so that a reminder is never sent twice, even by two runs of
    the command at once."""

    key = models.CharField("clé", max_length=200, unique=True)
    kind = models.CharField("nature", max_length=30, choices=ReminderKind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sent_reminders", verbose_name="destinataire"
    )
    convention = models.ForeignKey(
        Convention, on_delete=models.CASCADE, related_name="sent_reminders", verbose_name="convention"
    )
    subject = models.CharField("objet", max_length=300)
    sent_at = models.DateTimeField("envoyé le", default=timezone.now)

    class Meta:
        verbose_name = "rappel envoyé"
        verbose_name_plural = "rappels envoyés"
        ordering = ["-sent_at", "pk"]

    def __str__(self):
        return self.subject


class ReminderOptOut(models.Model):
    """A kind of reminder a person no longer wants by e-mail (it stays in their « à faire » list)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_opt_outs", verbose_name="personne"
    )
    kind = models.CharField("nature", max_length=30, choices=ReminderKind.choices)

    class Meta:
        verbose_name = "rappel refusé"
        verbose_name_plural = "rappels refusés"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"],
                name="reminder_opt_out_unique",
                violation_error_message="Ce rappel est déjà refusé.",
            ),
        ]

    def __str__(self):
        return f"{self.user} : {self.get_kind_display()}"


class CalendarFeed(models.Model):
    """A person's private calendar link for one convention (its meetings and the plan's milestones).

    The link carries a random token; only its SHA-256 is stored, so the link is shown once, when it is created or
    regenerated. Revoking deletes the row (the history keeps when and by whom). The feed answers only while the
    person's account is active and may read the convention."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds", verbose_name="personne"
    )
    convention = models.ForeignKey(
        Convention, on_delete=models.CASCADE, related_name="calendar_feeds", verbose_name="convention"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("lien créé le", default=timezone.now)

    history = HistoricalRecords(excluded_fields=["token_hash"])

    class Meta:
        verbose_name = "lien d'agenda"
        verbose_name_plural = "liens d'agenda"
        ordering = ["convention__title", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "convention"],
                name="calendar_feed_one_per_person_and_convention",
                violation_error_message="Cette personne a déjà un lien d'agenda pour cette convention.",
            ),
        ]

    def __str__(self):
        return f"Agenda de {self.user} – {self.convention}"
