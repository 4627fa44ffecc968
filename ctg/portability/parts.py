"""What an archive of a convention holds, listed by hand in the order the import creates it.

A model tied to a convention (a foreign key to it, or to a model that is) is either a part of the archive or
excluded with its reason: `uncovered_models()` lists the others, and a test fails while that list is not empty, so
that a new model of a convention is added here on purpose.
"""

import dataclasses

from django.apps import apps
from django.db import models
from simple_history.models import HistoricalChanges

from ctg.accounts.models import Membership
from ctg.conventions.models import Convention, ConventionDocument, PhaseChange, Signatory, Theme
from ctg.diagnostic.models import Enjeu
from ctg.evaluation.models import (
    ActionEvaluation,
    ConventionEvaluation,
    DiagnosticSnapshot,
    PartnerAnswer,
    PartnerSurvey,
    SnapshotSeries,
    SnapshotValue,
)
from ctg.offer.models import OfferItem, OfferTotal
from ctg.opendata.models import Dataset, LocalObservation
from ctg.plans import models as plan
from ctg.steering import models as steering

ARCHIVE_FORMAT = "pilote-ctg/convention"
ARCHIVE_VERSION = 1


@dataclasses.dataclass(frozen=True)
class Part:
    model: type[models.Model]
    # The foreign key that ties an object to the convention, directly or through the part listed before it.
    owner: str | None

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def parent(self) -> type[models.Model]:
        """The model the owner key points to (Convention for the convention itself)."""
        if self.owner is None:
            return Convention
        return self.model._meta.get_field(self.owner).related_model  # type: ignore[return-value]

    @property
    def history_model(self) -> type[models.Model] | None:
        manager = getattr(self.model, "history", None)
        return getattr(manager, "model", None)


# In creation order: every object's references point to parts created before it (or to itself: a parent).
PARTS = [
    Part(Convention, None),
    Part(Theme, "convention"),  # the convention's local themes; reference themes are matched by code
    Part(Signatory, "convention"),
    Part(PhaseChange, "convention"),
    Part(ConventionDocument, "convention"),  # its PDF travels in the archive's files/ folder
    Part(Membership, "convention"),
    Part(Dataset, "convention"),  # local datasets only; official ones are shared reference data
    Part(LocalObservation, "convention"),
    Part(OfferItem, "convention"),
    Part(OfferTotal, "convention"),
    Part(Enjeu, "convention"),
    Part(plan.Objective, "convention"),
    Part(plan.Action, "convention"),
    Part(plan.Milestone, "action"),
    Part(plan.FollowUpNote, "action"),
    Part(plan.ActionLink, "action"),
    Part(plan.FundingLine, "action"),
    Part(plan.FollowUpIndicator, "convention"),
    Part(plan.IndicatorTarget, "indicator"),
    Part(plan.IndicatorMeasure, "indicator"),
    Part(ActionEvaluation, "action"),
    Part(steering.Body, "convention"),
    Part(steering.BodyMember, "body"),
    Part(steering.Meeting, "body"),
    Part(steering.AgendaItem, "meeting"),
    Part(steering.Attendance, "meeting"),
    Part(steering.Guest, "meeting"),
    Part(steering.MinutesVersion, "meeting"),
    Part(steering.MinutesEntry, "version"),
    Part(steering.MinutesApproval, "version"),
    Part(steering.Outcome, "agenda_item"),
    Part(steering.FollowUp, "outcome"),
    # After the meetings: a snapshot taken at a COPIL decision names its meeting.
    Part(DiagnosticSnapshot, "convention"),
    Part(SnapshotSeries, "snapshot"),
    Part(SnapshotValue, "snapshot"),
    Part(ConventionEvaluation, "convention"),
    Part(PartnerSurvey, "convention"),
    Part(PartnerAnswer, "survey"),
]
PARTS_BY_LABEL = {part.label: part for part in PARTS}

# Tied to a convention but left out of its archive, each for its reason.
EXCLUDED = {
    "jobs.job": "background work of this instance; a report is built again on demand where the convention lives",
    "accounts.securityevent": "the security journal belongs to the instance where the events happened",
    "accounts.invitation": "an invitation link only works on the instance that sent it; invite again",
    # Tied through Dataset, whose convention is empty for official files: a local dataset's figures are
    # LocalObservations (exported); Observations are the producers' values, shared by every convention.
    "accounts.proconnectidentity": (
        "a ProConnect identity links an account to this instance's ProConnect client; the person links it again "
        "at the first ProConnect sign-in on the other instance"
    ),
    "steering.sentreminder": (
        "a reminder already e-mailed by this instance; its unique key keeps this instance from sending it twice, "
        "the other instance sends its own from the data"
    ),
    # The successor's record of what was carried over from its predecessor: its rows name objects of the
    # predecessor, which an archive of one convention does not hold. The link itself (Convention.previous)
    # travels, matched by EPCI and period on the other instance.
    "evaluation.renewal": "names both conventions of a renewal; the archive keeps the link Convention.previous",
    "evaluation.carriedenjeu": "links an enjeu to its origin in the predecessor convention, outside the archive",
    "evaluation.carriedaction": "links an action to its origin in the predecessor convention, outside the archive",
    "evaluation.carriedindicator": "links an indicator to its origin in the predecessor convention, not archived",
    "steering.calendarfeed": (
        "a private calendar link of this instance, of which only a hash is kept; the person creates a new one on "
        "the other instance"
    ),
    "evaluation.surveylink": (
        "a partner's answer link to the questionnaire, of which only a hash is kept; the coordinator sends a new one "
        "from the other instance (the answers given through it travel with the questionnaire)"
    ),
    "opendata.observation": "official values are shared reference data, loaded on every instance from their files",
}


def _is_history(model: type[models.Model]) -> bool:
    """A django-simple-history table (records, or the many-to-many records attached to them)."""
    if issubclass(model, HistoricalChanges):
        return True
    history = next((f for f in model._meta.concrete_fields if f.name == "history" and f.is_relation), None)
    return history is not None and issubclass(history.related_model, HistoricalChanges)  # type: ignore[arg-type]


def convention_bound_models() -> set[type[models.Model]]:
    """Models whose rows belong to a convention: a relation to Convention, or to such a model, at any depth."""
    candidates = [m for m in apps.get_models(include_auto_created=False) if not _is_history(m)]
    bound: set[type[models.Model]] = {Convention}
    grew = True
    while grew:
        grew = False
        for model in candidates:
            if model in bound:
                continue
            targets = {
                f.related_model
                for f in model._meta.get_fields()
                if f.concrete and f.is_relation and (f.many_to_one or f.one_to_one or f.many_to_many)
            }
            if targets & bound:
                bound.add(model)
                grew = True
    return bound


def uncovered_models() -> list[str]:
    """Labels of the models tied to a convention that the archive neither holds nor excludes with a reason."""
    covered = set(PARTS_BY_LABEL) | set(EXCLUDED)
    return sorted(m._meta.label_lower for m in convention_bound_models() if m._meta.label_lower not in covered)
