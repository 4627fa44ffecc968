"""Frozen baselines of a convention's diagnostic (snapshots), and the evaluation grid of each action.

A snapshot copies, at a reference date (the signature, or a decision of the steering committee), every indicator
value of the convention's territories (its EPCI's communes, the EPCI, its département, région and France) with
its status, vintage and the datasets it was computed from (id and SHA-256 of each file, copied: withdrawing a
dataset later leaves the snapshot whole). Nothing ever updates a snapshot's values: importing newer data adds
indicator values elsewhere, the snapshot keeps what was known.

A snapshot taken after the fact (a convention signed before this feature) is rebuilt from the data present when it
is taken, limited to the vintages up to `vintage_limit`; it says so (`reconstructed`).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from ctg.conventions.models import Convention
from ctg.evaluation.enums import Achievement, Criterion, SnapshotKind, SurveyAnswer
from ctg.indicators.enums import ValueStatus
from ctg.territories.enums import Level


class DiagnosticSnapshot(models.Model):
    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="snapshots")
    kind = models.CharField("motif", max_length=20, choices=SnapshotKind.choices)
    reference_date = models.DateField("date de référence")
    # What the snapshot stands for beyond its kind, e.g. "COPIL du 12 mars 2023, révision des cibles"; empty for
    # the signature.
    label = models.CharField("libellé", max_length=255, blank=True, default="")
    reconstructed = models.BooleanField("reconstituée après coup", default=False)
    # The newest vintage (year) kept in a reconstructed snapshot; empty when every vintage present was kept.
    vintage_limit = models.PositiveSmallIntegerField("millésimes retenus jusqu'à", null=True, blank=True)
    taken_at = models.DateTimeField("prise le", default=timezone.now)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="prise par",
    )
    value_count = models.PositiveIntegerField("valeurs figées", default=0)
    # The steering committee's meeting whose first decision took the snapshot; empty when taken by hand.
    meeting = models.ForeignKey(
        "steering.Meeting",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="réunion",
    )

    class Meta:
        verbose_name = "photographie du diagnostic"
        verbose_name_plural = "photographies du diagnostic"
        ordering = ["-reference_date", "-taken_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention"],
                condition=models.Q(kind="signature"),
                name="snapshot_one_signature_per_convention",
                violation_error_message="La convention a déjà une photographie du diagnostic à la signature.",
            ),
        ]

    def __str__(self):
        return f"{self.convention} – {self.get_kind_display()} ({self.reference_date:%d/%m/%Y})"


class SnapshotSeries(models.Model):
    """One indicator × vintage of a snapshot: its source line and the datasets behind it, as they were."""

    snapshot = models.ForeignKey(DiagnosticSnapshot, on_delete=models.CASCADE, related_name="series")
    indicator = models.CharField("indicateur", max_length=60)
    year = models.PositiveSmallIntegerField("millésime")
    source = models.CharField("source", max_length=500)
    # [{"id", "sha256", "producer", "title", "vintage", "file_name", "geography_year"}], copied from the datasets.
    datasets = models.JSONField("jeux de données", default=list)

    class Meta:
        verbose_name = "série figée"
        verbose_name_plural = "séries figées"
        ordering = ["indicator", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "indicator", "year"],
                name="snapshot_series_unique",
                violation_error_message="Cette série figure déjà dans la photographie.",
            )
        ]

    def __str__(self):
        return f"{self.indicator} {self.year}"


class SnapshotValue(models.Model):
    """An indicator value as the snapshot froze it (same fields as ctg.indicators.IndicatorValue)."""

    snapshot = models.ForeignKey(DiagnosticSnapshot, on_delete=models.CASCADE, related_name="values")
    indicator = models.CharField("indicateur", max_length=60)
    level = models.CharField("niveau", max_length=12, choices=Level.choices)
    code = models.CharField("code géographique", max_length=12)
    year = models.PositiveSmallIntegerField("millésime")
    value = models.FloatField("valeur", null=True, blank=True)
    numerator = models.FloatField("numérateur", null=True, blank=True)
    denominator = models.FloatField("dénominateur", null=True, blank=True)
    status = models.CharField("statut", max_length=10, choices=ValueStatus.choices)
    parts_present = models.PositiveIntegerField("communes renseignées", null=True, blank=True)
    parts_expected = models.PositiveIntegerField("communes du territoire", null=True, blank=True)
    # The source cell's note as it was (a commune merged since the file, an EPCI of another perimeter).
    note = models.CharField("note", max_length=255, blank=True, default="")

    class Meta:
        verbose_name = "valeur figée"
        verbose_name_plural = "valeurs figées"
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "indicator", "level", "code", "year"],
                name="snapshot_value_unique",
                violation_error_message="Cette valeur figure déjà dans la photographie.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["secret", "missing"]) | models.Q(value__isnull=True),
                name="snapshot_value_unknown_has_no_value",
                violation_error_message="Une valeur secrète ou non disponible ne porte aucun nombre.",
            ),
        ]

    def __str__(self):
        return f"{self.indicator} {self.year} {self.level}:{self.code} = {self.value} ({self.status})"


class ActionEvaluation(models.Model):
    """The evaluation grid of one action: a level and a justification for each criterion (ctg.evaluation.enums.
    Criterion), filled by the action's pilot (or an editor), then validated by an administrator of the convention.
    Any change after the validation withdraws it: what was validated is what is shown."""

    action = models.OneToOneField("plans.Action", on_delete=models.CASCADE, related_name="evaluation")
    pertinence_level = models.CharField("pertinence : niveau", max_length=20, choices=Achievement.choices, blank=True)
    pertinence_justification = models.TextField("pertinence : justification", blank=True)
    efficacite_level = models.CharField("efficacité : niveau", max_length=20, choices=Achievement.choices, blank=True)
    efficacite_justification = models.TextField("efficacité : justification", blank=True)
    efficience_level = models.CharField("efficience : niveau", max_length=20, choices=Achievement.choices, blank=True)
    efficience_justification = models.TextField("efficience : justification", blank=True)
    durabilite_level = models.CharField("durabilité : niveau", max_length=20, choices=Achievement.choices, blank=True)
    durabilite_justification = models.TextField("durabilité : justification", blank=True)
    coherence_level = models.CharField("cohérence : niveau", max_length=20, choices=Achievement.choices, blank=True)
    coherence_justification = models.TextField("cohérence : justification", blank=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)
    validated_at = models.DateTimeField("validée le", null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="validée par",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "grille d'évaluation d'une action"
        verbose_name_plural = "grilles d'évaluation des actions"

    def __str__(self):
        return f"Évaluation de {self.action}"

    def criteria(self) -> list[dict]:
        """Each criterion with its level and justification, in the grid's order."""
        return [
            {
                "code": criterion.value,
                "label": criterion.label,
                "level": getattr(self, f"{criterion.value}_level"),
                "level_label": Achievement(getattr(self, f"{criterion.value}_level")).label
                if getattr(self, f"{criterion.value}_level")
                else "",
                "justification": getattr(self, f"{criterion.value}_justification"),
            }
            for criterion in Criterion
        ]

    @property
    def is_complete(self) -> bool:
        return all(getattr(self, f"{criterion.value}_level") for criterion in Criterion)

    @property
    def is_validated(self) -> bool:
        return self.validated_at is not None


class Renewal(models.Model):
    """The preparation of a convention's successor: who prepared it, when, and what was carried over.

    The two conventions are linked by `Convention.previous`; this record keeps the list of what was copied (parties,
    members, communes, themes) as it was at the time, and the rows below link each copied enjeu, action and
    indicator to its origin."""

    predecessor = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="renewals_prepared")
    successor = models.OneToOneField(Convention, on_delete=models.CASCADE, related_name="renewal_record")
    # {"signataires": [...], "membres": [...], "communes_reprises": [...], "communes_retirees": [...],
    #  "communes_ajoutees": [...], "thematiques": [...]}: labels as they were when the successor was prepared.
    carried = models.JSONField("repris", default=dict)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    prepared_at = models.DateTimeField("préparée le", default=timezone.now)

    class Meta:
        verbose_name = "préparation de la convention suivante"
        verbose_name_plural = "préparations de la convention suivante"

    def __str__(self):
        return f"{self.predecessor} → {self.successor}"


class CarriedEnjeu(models.Model):
    """An enjeu of the predecessor copied into the successor as a proposal to review."""

    renewal = models.ForeignKey(Renewal, on_delete=models.CASCADE, related_name="enjeux")
    origin = models.ForeignKey("diagnostic.Enjeu", on_delete=models.CASCADE, related_name="carried_into")
    copy = models.OneToOneField("diagnostic.Enjeu", on_delete=models.CASCADE, related_name="carried_from")

    class Meta:
        verbose_name = "enjeu repris"
        verbose_name_plural = "enjeux repris"
        ordering = ["copy__title"]

    def __str__(self):
        return f"{self.origin} → {self.copy}"


class CarriedAction(models.Model):
    """An action of the predecessor carried over into the successor; an action is carried over once only."""

    renewal = models.ForeignKey(Renewal, on_delete=models.CASCADE, related_name="actions")
    origin = models.ForeignKey("plans.Action", on_delete=models.CASCADE, related_name="carried_into")
    copy = models.OneToOneField("plans.Action", on_delete=models.CASCADE, related_name="carried_from")

    class Meta:
        verbose_name = "action reprise"
        verbose_name_plural = "actions reprises"
        ordering = ["copy__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["origin"],
                name="action_carried_over_once",
                violation_error_message="Cette action a déjà été reprise dans une convention suivante.",
            ),
        ]

    def __str__(self):
        return f"{self.origin} → {self.copy}"


class CarriedIndicator(models.Model):
    """A follow-up indicator copied with its action; the latest measure of the origin is the copy's baseline."""

    action = models.ForeignKey(CarriedAction, on_delete=models.CASCADE, related_name="indicators")
    origin = models.ForeignKey("plans.FollowUpIndicator", on_delete=models.CASCADE, related_name="carried_into")
    copy = models.OneToOneField("plans.FollowUpIndicator", on_delete=models.CASCADE, related_name="carried_from")
    # The origin's measure that became the baseline; empty when the origin had no measure (baseline to fill).
    baseline_measure = models.ForeignKey(
        "plans.IndicatorMeasure", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "indicateur repris"
        verbose_name_plural = "indicateurs repris"
        ordering = ["copy__code"]

    def __str__(self):
        return f"{self.origin} → {self.copy}"


class ConventionEvaluation(models.Model):
    """The coordinator's conclusions and recommendations on the convention as a whole, printed at the end of the
    final evaluation report."""

    convention = models.OneToOneField(Convention, on_delete=models.CASCADE, related_name="final_evaluation")
    conclusions = models.TextField("conclusions", blank=True)
    recommendations = models.TextField("recommandations", blank=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "évaluation d'ensemble de la convention"
        verbose_name_plural = "évaluations d'ensemble des conventions"

    def __str__(self):
        return f"Évaluation de {self.convention}"


class PartnerSurvey(models.Model):
    """The questionnaire the coordinator opens to the partner organisations of a convention: the four evaluation
    questions and a free text, one answer per organisation. Closed, it keeps its answers and takes no more."""

    convention = models.OneToOneField(Convention, on_delete=models.CASCADE, related_name="partner_survey")
    opened_at = models.DateTimeField("ouvert le", default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField("clos le", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "questionnaire aux partenaires"
        verbose_name_plural = "questionnaires aux partenaires"

    def __str__(self):
        return f"Questionnaire aux partenaires – {self.convention}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class PartnerAnswer(models.Model):
    """The answer of one partner organisation: a reply to each question and a free text. Given by a member of the
    organisation, or entered by a coordinator on its behalf (`on_behalf`)."""

    survey = models.ForeignKey(PartnerSurvey, on_delete=models.CASCADE, related_name="answers")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name="organisation"
    )
    pertinence = models.CharField("pertinence", max_length=20, choices=SurveyAnswer.choices, blank=True)
    efficacite = models.CharField("efficacité", max_length=20, choices=SurveyAnswer.choices, blank=True)
    efficience = models.CharField("efficience", max_length=20, choices=SurveyAnswer.choices, blank=True)
    durabilite = models.CharField("durabilité", max_length=20, choices=SurveyAnswer.choices, blank=True)
    comment = models.TextField("commentaire libre", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    on_behalf = models.BooleanField("saisie par la coordination pour l'organisation", default=False)
    # Given through the organisation's personal link (SurveyLink), without an account: `answered_by` stays empty.
    via_link = models.BooleanField("donnée par le lien personnel de l'organisation", default=False)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "réponse d'un partenaire"
        verbose_name_plural = "réponses des partenaires"
        ordering = ["organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "organisation"],
                name="partner_answer_one_per_organisation",
                violation_error_message="Cette organisation a déjà répondu au questionnaire.",
            ),
        ]

    def __str__(self):
        return f"{self.organisation} – {self.survey}"


class SurveyLink(models.Model):
    """The personal answer link of one partner organisation to the questionnaire, for its members without an account.

    The link carries a random token (ctg.core.tokens); only its SHA-256 is stored, so the link is shown once, when it
    is created or regenerated, or sent by e-mail. Revoking deletes the row (the history keeps when and by whom). The
    link answers only while the questionnaire is open and the organisation is a partner of the convention."""

    survey = models.ForeignKey(PartnerSurvey, on_delete=models.CASCADE, related_name="links")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name="organisation"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField("lien créé le", default=timezone.now)
    emailed_at = models.DateTimeField("lien envoyé par courriel le", null=True, blank=True)
    emailed_to = models.PositiveIntegerField("nombre de destinataires du courriel", default=0)

    history = HistoricalRecords(excluded_fields=["token_hash"])

    class Meta:
        verbose_name = "lien de réponse d'un partenaire"
        verbose_name_plural = "liens de réponse des partenaires"
        ordering = ["organisation__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "organisation"],
                name="survey_link_one_per_organisation",
                violation_error_message="Cette organisation a déjà un lien de réponse au questionnaire.",
            ),
        ]

    def __str__(self):
        return f"Lien de réponse de {self.organisation} – {self.survey}"
