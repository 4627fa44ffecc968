"""Writes on the action plan. Each function is keyword-only, atomic, validates (French messages) before saving
and leaves history with the author (`by`).

Every update takes `expected_version`, the version the editor started from (a form's hidden field, an exported
row): the row is locked, and when someone saved it in the meantime ConcurrentEditError says what changed and
nothing is written. Saving the same values again writes nothing and keeps the version."""

import datetime
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from ctg.accounts.models import Membership, User
from ctg.conventions.models import Convention, Theme
from ctg.core.formatting import format_datetime
from ctg.core.history import set_history_author
from ctg.core.saving import model_save
from ctg.core.services import model_update
from ctg.organisations.models import Organisation
from ctg.plans.enums import BaselineState
from ctg.plans.funding import AMOUNT_FIELDS, funding_problems
from ctg.plans.history import Entry, changes_since
from ctg.plans.models import (
    TRASH_DAYS,
    Action,
    ActionLink,
    FollowUpIndicator,
    FollowUpNote,
    FundingLine,
    IndicatorMeasure,
    IndicatorTarget,
    Milestone,
    Objective,
    Versioned,
)
from ctg.plans.perms import can_edit_action, can_edit_plan
from ctg.territories.models import Commune

Model = TypeVar("Model", bound=Versioned)


class InConvention(Protocol):
    """An object of a convention, such as an enjeu (the diagnostic's models are not imported by the plan)."""

    @property
    def convention_id(self) -> int: ...


ACTION_FIELDS = [
    "code",
    "title",
    "description",
    "expected_results",
    "target_public",
    "all_communes",
    "lead_organisation",
    "pilot_name",
    "pilot_user",
    "elected_referent",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "status",
    "priority",
    "progress_manual",
    "parent",
]
ACTION_M2M = ["themes", "objectives", "communes", "partners"]
# What the pilot of an action changes on it (its follow-up); the rest of the fiche is the plan editors'.
FOLLOW_UP_FIELDS = ["status", "progress_manual", "actual_start", "actual_end"]
FUNDING_FIELDS = [
    "funder",
    "year",
    "nature",
    "scheme",
    "scheme_detail",
    "amount_planned",
    "amount_requested",
    "amount_granted",
    "amount_paid",
    "requested_on",
    "granted_on",
    "paid_on",
    "comment",
]
OBJECTIVE_FIELDS = ["theme", "code", "title", "parent", "description", "order"]
MILESTONE_FIELDS = ["title", "due_date", "done_date", "weight"]
MEASURE_FIELDS = ["date", "value", "source", "comment"]
INDICATOR_FIELDS = [
    "code",
    "label",
    "unit",
    "source",
    "diagnostic_code",
    "baseline_state",
    "baseline_value",
    "baseline_date",
]


class ConcurrentEditError(ValidationError):
    """The object was saved by someone else since the form was opened; `changes` says what changed, `stored` is
    the object as stored now, `expected_version` the version the editor started from."""

    def __init__(
        self, message: str, changes: list[Entry], *, stored: models.Model | None = None, expected_version: int = 0
    ) -> None:
        super().__init__(message)
        self.changes = changes
        self.stored = stored
        self.expected_version = expected_version


# What a concurrent edit message calls each object: (subject, past participle agreeing with it).
STALE_SUBJECTS = {
    Action: ("Cette fiche", "modifiée"),
    Objective: ("Cet objectif", "modifié"),
    Milestone: ("Ce jalon", "modifié"),
    FundingLine: ("Cette ligne de financement", "modifiée"),
    FollowUpIndicator: ("Cet indicateur", "modifié"),
    IndicatorTarget: ("Cette cible", "modifiée"),
    IndicatorMeasure: ("Cette mesure", "modifiée"),
}


def _locked(obj: Model, expected_version: int) -> Model:
    """The stored row of `obj`, locked until the end of the transaction; refused when it was saved after
    `expected_version`. Only the row itself is locked (`of=self`): the default ordering of some models joins
    another table, which PostgreSQL would otherwise lock too."""
    model = type(obj)
    subject, participle = STALE_SUBJECTS[model]
    current = model._default_manager.select_for_update(of=("self",)).order_by().filter(pk=obj.pk).first()
    if current is None:
        # Deleted meanwhile, or its fiche put in the trash.
        raise ValidationError(
            f"{subject} a été {participle.replace('modifi', 'supprim')} pendant votre saisie : vos modifications "
            "n'ont pas été enregistrées."
        )
    if current.version != expected_version:
        changes = changes_since(current, expected_version)
        lines = "; ".join(f"{c.who} le {format_datetime(c.when)} : {c.summary}" for c in changes) or "—"
        raise ConcurrentEditError(
            f"{subject} a été {participle} par quelqu'un d'autre pendant votre saisie (version {current.version}, "
            f"vous étiez parti·e de la version {expected_version}) ; vos modifications n'ont pas été enregistrées. "
            f"Changements intervenus entre-temps : {lines}. Rechargez la page pour repartir de sa version actuelle.",
            changes,
            stored=current,
            expected_version=expected_version,
        )
    return current


def _update(obj: Model, *, expected_version: int, changes: dict[str, object], by: User | None) -> Model:
    """Lock and compare versions, then save the changed values with a new version (nothing when unchanged). What
    may change and the rules checked on the changed object are the model's entry in UPDATABLE."""
    allowed, check = UPDATABLE[type(obj)]
    current = _locked(obj, expected_version)
    current, changed = model_update(instance=current, fields=allowed, data=changes, by=by, check=check)
    if changed:
        _share(obj, current)
    return current


def _share(obj: models.Model, current: models.Model) -> None:
    """Give the caller's instance the saved values (and version), as if it had been saved itself."""
    obj.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})


def _delete(obj: models.Model, *, by: User | None) -> None:
    set_history_author(obj, by)
    obj.delete()


# Objectives


def _check_objective(objective: Objective, changes: dict[str, Any] | None = None) -> None:
    if changes and "enjeux" in changes:
        _check_enjeux(objective, changes["enjeux"])
    convention = objective.convention
    if not Theme.objects.for_convention(convention).filter(pk=objective.theme_id).exists():
        raise ValidationError({"theme": "Cette thématique n'appartient pas à la convention."})
    parent = objective.parent
    if parent is not None:
        if parent.convention_id != convention.pk:
            raise ValidationError({"parent": "L'objectif stratégique doit appartenir à la même convention."})
        if parent.parent_id:
            raise ValidationError(
                {
                    "parent": "Un objectif opérationnel se rattache à un objectif stratégique, "
                    "pas à un autre opérationnel."
                }
            )
        if parent.theme_id != objective.theme_id:
            raise ValidationError({"theme": "Un objectif opérationnel a la thématique de son objectif stratégique."})
        if objective.pk and objective.children.exists():
            raise ValidationError({"parent": "Cet objectif a des objectifs opérationnels : il reste stratégique."})


def _check_enjeux(objective: Objective, enjeux: Iterable[InConvention]) -> None:
    if any(e.convention_id != objective.convention_id for e in enjeux):
        raise ValidationError({"enjeux": "Un des enjeux n'appartient pas à cette convention."})


@transaction.atomic
def objective_create(
    *,
    convention: Convention,
    theme: Theme,
    code: str,
    title: str,
    parent: Objective | None = None,
    description: str = "",
    order: int = 100,
    enjeux: Iterable[InConvention] | None = None,
    by: User | None = None,
) -> Objective:
    objective = Objective(
        convention=convention,
        theme=theme,
        code=code.strip().upper(),
        title=title.strip(),
        parent=parent,
        description=description,
        order=order,
    )
    _check_objective(objective)
    enjeux = list(enjeux or [])
    _check_enjeux(objective, enjeux)
    model_save(objective, by=by)
    if enjeux:
        set_history_author(objective, by)
        # The enjeux are diagnostic.Enjeu, a model the plan may not import (.importlinter): typed by what is checked.
        objective.enjeux.set(enjeux)  # type: ignore[arg-type]
    return objective


@transaction.atomic
def objective_update(
    *,
    objective: Objective,
    expected_version: int,
    enjeux: Iterable[InConvention] | None = None,
    by: User | None = None,
    **changes: object,
) -> Objective:
    if isinstance(code := changes.get("code"), str):
        changes["code"] = code.strip().upper()
    if enjeux is not None:
        changes["enjeux"] = enjeux
    return _update(objective, expected_version=expected_version, changes=changes, by=by)


@transaction.atomic
def objective_delete(*, objective: Objective, by: User | None = None) -> None:
    _delete(objective, by=by)


# Actions


def _check_action(action: Action, m2m: dict[str, Any]) -> None:
    """The rules across objects; `m2m` holds the many-to-many values being set (the others are already valid)."""
    convention = action.convention
    errors: dict[str, str] = {}
    parent = action.parent
    if parent is not None:
        if parent.convention_id != convention.pk:
            errors["parent"] = "L'action parente doit appartenir à la même convention."
        elif parent.parent_id:
            errors["parent"] = "Une sous-action ne peut pas avoir elle-même de sous-actions (un seul niveau)."
        elif parent.pk == action.pk:
            errors["parent"] = "Une action ne peut pas être sa propre action parente."
        elif action.pk and action.sub_actions.exists():
            errors["parent"] = "Cette action a des sous-actions : elle ne peut pas devenir une sous-action."
    if (
        action.pilot_user_id
        and not Membership.objects.filter(user_id=action.pilot_user_id, convention=convention).exists()
    ):
        errors["pilot_user"] = "Le pilote choisi n'a pas de rôle sur cette convention."
    themes = m2m.get("themes")
    if themes:
        allowed = set(Theme.objects.for_convention(convention).values_list("pk", flat=True))
        if any(t.pk not in allowed for t in themes):
            errors["themes"] = "Une des thématiques n'appartient pas à la convention."
    objectives = m2m.get("objectives")
    if objectives and any(o.convention_id != convention.pk for o in objectives):
        errors["objectives"] = "Un des objectifs n'appartient pas à la convention."
    communes = m2m.get("communes")
    if communes:
        outside = sorted(c.name for c in communes if c.epci_id != convention.epci_id)
        if outside:
            errors["communes"] = "Ces communes sont hors du territoire de la convention : " + ", ".join(outside) + "."
    if errors:
        raise ValidationError(errors)


def _normalise(fields: dict[str, object]) -> dict[str, object]:
    if isinstance(code := fields.get("code"), str):
        fields["code"] = code.strip().upper()
    if isinstance(title := fields.get("title"), str):
        fields["title"] = title.strip()
    return fields


def _set_m2m(action: Action, m2m: dict[str, list[models.Model]], *, by: User | None) -> None:
    """Set the many-to-many fields, then leave one history record holding all of them."""
    if not m2m:
        return
    # django-simple-history skips the record of a save while this attribute is set on the instance.
    setattr(action, "skip_history_when_saving", True)  # noqa: B010 (an attribute the library reads)
    try:
        for name, values in m2m.items():
            getattr(action, name).set(values)
    finally:
        delattr(action, "skip_history_when_saving")
    set_history_author(action, by)
    action.save(update_fields=["updated_at"])


@transaction.atomic
def action_create(*, convention: Convention, code: str, title: str, by: User | None = None, **fields: Any) -> Action:
    """Create a fiche action; `fields` are other values of ACTION_FIELDS and ACTION_M2M, as the model takes them."""
    m2m = {name: list(fields.pop(name)) for name in ACTION_M2M if name in fields}
    unknown = set(fields) - set(ACTION_FIELDS)
    if unknown:
        raise ValueError(f"Unknown action fields: {sorted(unknown)}")
    action = Action(convention=convention, **_normalise({"code": code, "title": title, **fields}))
    action.full_clean()
    _check_action(action, m2m)
    set_history_author(action, by)
    action.save()
    _set_m2m(action, {k: v for k, v in m2m.items() if v}, by=by)
    return action


def _require_may_change(action: Action, fields: Iterable[str], by: User | None) -> None:
    """A plan editor (or the system, `by` None) changes anything on a fiche; its pilot only its follow-up."""
    if by is None or can_edit_plan(by, action.convention):
        return
    if not can_edit_action(by, action):
        raise PermissionDenied("Vous ne pouvez pas modifier cette fiche action.")
    refused = [name for name in fields if name not in FOLLOW_UP_FIELDS]
    if refused:
        labels = ", ".join(f"« {_field_label(name)} »" for name in refused)
        raise PermissionDenied(
            f"Le pilote d'une action en met à jour le suivi ; seuls les administrateurs et contributeurs de la "
            f"convention modifient {labels}."
        )


def _field_label(name: str) -> str:
    field = Action._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


@transaction.atomic
def action_update(*, action: Action, expected_version: int, by: User | None = None, **fields: object) -> Action:
    """Update a fiche action from the version the editor started from (see the module docstring). Its pilot may
    only change FOLLOW_UP_FIELDS (PermissionDenied otherwise)."""
    _require_may_change(action, fields, by)
    return _update(action, expected_version=expected_version, changes=_normalise(fields), by=by)


def _trash_set(action: Action, deleted_at: datetime.datetime | None, by: User | None) -> None:
    """Put a fiche in the trash (a time) or take it out (None): a new version, and one history record."""
    action.deleted_at = deleted_at
    action.deleted_by = by if deleted_at is not None else None
    action.version += 1
    set_history_author(action, by)
    action.save(update_fields=["deleted_at", "deleted_by", "version", "updated_at"])


@transaction.atomic
def action_follow_up_update(
    *,
    action: Action,
    expected_version: int,
    status: str,
    progress_manual: int | None = None,
    milestone: Milestone | None = None,
    milestone_version: int | None = None,
    milestone_due_date: datetime.date | None = None,
    milestone_done_date: datetime.date | None = None,
    by: User | None = None,
) -> Action:
    """Update an action's follow-up in one step, as its pilot or a plan editor would from the fiche or "mes
    actions": its status, its progress (only read without milestones) and its next milestone's due and done dates.
    Each object is checked against the version the editor started from; nothing is written if one is refused."""
    changes: dict[str, object] = {"status": status}
    if not action.milestones.exists():
        changes["progress_manual"] = progress_manual
    action = action_update(action=action, expected_version=expected_version, by=by, **changes)
    if milestone is not None:
        if milestone.action_id != action.pk:
            raise ValidationError("Ce jalon n'appartient pas à cette action.")
        if milestone_version is None:
            raise ValidationError("La version du jalon manque : rechargez la page.")
        milestone_update(
            milestone=milestone,
            expected_version=milestone_version,
            due_date=milestone_due_date,
            done_date=milestone_done_date,
            by=by,
        )
    return action


@transaction.atomic
def action_delete(*, action: Action, by: User | None = None) -> list[Action]:
    """Put a fiche in the trash with everything it holds, its sub-actions included (same time, so that they are
    restored together): it disappears from every page, export and count, and stays restorable by an administrator
    for TRASH_DAYS days (`action_restore`). Returns the fiches put in the trash, the fiche first."""
    current = Action.objects.select_for_update(of=("self",)).order_by().get(pk=action.pk)
    now = timezone.now()
    trashed = [current, *Action.objects.select_for_update(of=("self",)).filter(parent=current).order_by("code")]
    for fiche in trashed:
        _trash_set(fiche, now, by)
    _share(action, current)
    return trashed


def _restore_problems(fiches: list[Action]) -> str | None:
    codes = [fiche.code for fiche in fiches]
    taken = sorted(
        Action.objects.filter(convention_id=fiches[0].convention_id, code__in=codes).values_list("code", flat=True)
    )
    if taken:
        return (
            f"Une fiche du plan porte aujourd'hui le code {', '.join(taken)} : changez le code de cette fiche-là "
            "avant de restaurer celle-ci."
        )
    parent = fiches[0].parent
    if parent is not None and parent.deleted_at is not None:
        return (
            f"Cette sous-action dépend de la fiche {parent.code}, elle aussi supprimée : restaurez d'abord celle-ci."
        )
    return None


@transaction.atomic
def action_restore(*, action: Action, by: User | None = None) -> list[Action]:
    """Take a fiche out of the trash, with the sub-actions deleted with it. Refused when its code is now used by
    another fiche, or when it is a sub-action whose parent is still in the trash. Returns the fiches restored."""
    current = Action.all_objects.select_for_update(of=("self",)).order_by().get(pk=action.pk)
    if current.deleted_at is None:
        raise ValidationError("Cette fiche n'est pas dans la corbeille.")
    with_it = Action.all_objects.select_for_update(of=("self",)).filter(parent=current, deleted_at=current.deleted_at)
    restored = [current, *with_it.order_by("code")]
    problem = _restore_problems(restored)
    if problem:
        raise ValidationError(problem)
    for fiche in restored:
        _trash_set(fiche, None, by)
    _share(action, current)
    return restored


@transaction.atomic
def plan_trash_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete for good the fiches in the trash for more than TRASH_DAYS days, with what they hold (idempotent: a
    second run finds nothing). Returns how many fiches were deleted."""
    limit = (now or timezone.now()) - datetime.timedelta(days=TRASH_DAYS)
    expired = list(Action.all_objects.filter(deleted_at__lt=limit).order_by("parent_id", "pk"))
    # Sub-actions first: the collector would reach them through their parent anyway, counted once here.
    expired.sort(key=lambda fiche: fiche.parent_id is None)
    for fiche in expired:
        fiche.delete()
    return len(expired)


# Milestones, notes, links


@transaction.atomic
def milestone_create(
    *,
    action: Action,
    title: str,
    due_date: datetime.date | None = None,
    done_date: datetime.date | None = None,
    weight: int = 1,
    by: User | None = None,
) -> Milestone:
    return model_save(
        Milestone(action=action, title=title.strip(), due_date=due_date, done_date=done_date, weight=weight), by=by
    )


@transaction.atomic
def milestone_update(
    *, milestone: Milestone, expected_version: int, by: User | None = None, **changes: object
) -> Milestone:
    if isinstance(title := changes.get("title"), str):
        changes["title"] = title.strip()
    return _update(milestone, expected_version=expected_version, changes=changes, by=by)


@transaction.atomic
def milestone_delete(*, milestone: Milestone, by: User | None = None) -> None:
    _delete(milestone, by=by)


@transaction.atomic
def note_create(*, action: Action, date: datetime.date, text: str, by: User | None = None) -> FollowUpNote:
    if not text.strip():
        raise ValidationError({"text": "La note est vide."})
    return model_save(FollowUpNote(action=action, date=date, text=text.strip(), author=by if by else None), by=by)


@transaction.atomic
def note_delete(*, note: FollowUpNote, by: User | None = None) -> None:
    _delete(note, by=by)


@transaction.atomic
def link_create(*, action: Action, label: str, url: str, by: User | None = None) -> ActionLink:
    return model_save(ActionLink(action=action, label=label.strip(), url=url.strip()), by=by)


@transaction.atomic
def link_delete(*, link: ActionLink, by: User | None = None) -> None:
    _delete(link, by=by)


# Co-financing ledger


def _check_funding(line: FundingLine, changes: dict[str, Any] | None = None) -> None:
    problems = funding_problems({name: getattr(line, name) for name in AMOUNT_FIELDS})
    if problems:
        raise ValidationError({problem.field: problem.message for problem in problems})


@transaction.atomic
def funding_line_create(
    *,
    action: Action,
    funder: Organisation,
    year: int,
    nature: str,
    scheme: str,
    by: User | None = None,
    **fields: object,
) -> FundingLine:
    unknown = set(fields) - set(FUNDING_FIELDS)
    if unknown:
        raise ValueError(f"Unknown funding fields: {sorted(unknown)}")
    line = FundingLine(action=action, funder=funder, year=year, nature=nature, scheme=scheme, **fields)
    _check_funding(line)
    return model_save(line, by=by)


@transaction.atomic
def funding_line_update(
    *, line: FundingLine, expected_version: int, by: User | None = None, **changes: object
) -> FundingLine:
    return _update(line, expected_version=expected_version, changes=changes, by=by)


@transaction.atomic
def funding_line_delete(*, line: FundingLine, by: User | None = None) -> None:
    _delete(line, by=by)


# Follow-up indicators


def _check_indicator(indicator: FollowUpIndicator, changes: dict[str, Any] | None = None) -> None:
    if (indicator.action_id is None) == (indicator.objective_id is None):
        raise ValidationError("Un indicateur suit soit une action, soit un objectif.")
    owner = indicator.action or indicator.objective
    if owner is None or owner.convention_id != indicator.convention_id:
        raise ValidationError("L'indicateur et ce qu'il suit doivent appartenir à la même convention.")
    if indicator.baseline_state == BaselineState.RENSEIGNEE and (
        indicator.baseline_value is None or indicator.baseline_date is None
    ):
        raise ValidationError(
            {
                "baseline_value": "La ligne de base (valeur et date) est obligatoire, "
                "ou indiquez qu'elle est à renseigner."
            }
        )
    if indicator.baseline_state == BaselineState.A_RENSEIGNER:
        indicator.baseline_value = None
        indicator.baseline_date = None
    if indicator.diagnostic_code:
        from ctg.indicators import catalogue

        if indicator.diagnostic_code not in catalogue.BY_CODE:
            raise ValidationError(
                {"diagnostic_code": f"« {indicator.diagnostic_code} » n'est pas un indicateur du diagnostic."}
            )
    if not indicator.diagnostic_code and not indicator.source.strip():
        raise ValidationError({"source": "Un indicateur défini localement indique sa source."})
    # The indicators of a fiche in the trash keep their code, which the default manager (and so the model's own
    # uniqueness check) does not see.
    clash = (
        FollowUpIndicator.all_objects.filter(convention_id=indicator.convention_id, code=indicator.code)
        .exclude(pk=indicator.pk)
        .select_related("action")
        .first()
    )
    if clash is not None and clash.action is not None and clash.action.deleted_at is not None:
        raise ValidationError(
            {
                "code": f"L'indicateur {clash.code} de la fiche {clash.action.code}, dans la corbeille, porte déjà "
                "ce code : choisissez-en un autre."
            }
        )


@transaction.atomic
def indicator_create(
    *,
    convention: Convention,
    code: str,
    label: str,
    action: Action | None = None,
    objective: Objective | None = None,
    by: User | None = None,
    **fields: object,
) -> FollowUpIndicator:
    unknown = set(fields) - set(INDICATOR_FIELDS)
    if unknown:
        raise ValueError(f"Unknown indicator fields: {sorted(unknown)}")
    indicator = FollowUpIndicator(
        convention=convention,
        action=action,
        objective=objective,
        code=code.strip().upper(),
        label=label.strip(),
        **fields,
    )
    _check_indicator(indicator)
    return model_save(indicator, by=by)


@transaction.atomic
def indicator_update(
    *, indicator: FollowUpIndicator, expected_version: int, by: User | None = None, **changes: object
) -> FollowUpIndicator:
    if isinstance(code := changes.get("code"), str):
        changes["code"] = code.strip().upper()
    return _update(indicator, expected_version=expected_version, changes=changes, by=by)


@transaction.atomic
def indicator_delete(*, indicator: FollowUpIndicator, by: User | None = None) -> None:
    _delete(indicator, by=by)


@transaction.atomic
def target_set(
    *, indicator: FollowUpIndicator, date: datetime.date, value: Decimal, by: User | None = None
) -> IndicatorTarget:
    """Create the target at that date, or give it this value. The target form starts blank and states the whole
    target (date and value): there is no stale copy to protect, unlike `target_update`."""
    target = IndicatorTarget.objects.select_for_update(of=("self",)).filter(indicator=indicator, date=date).first()
    if target is None:
        return model_save(IndicatorTarget(indicator=indicator, date=date, value=value), by=by)
    return model_update(instance=target, fields=["value"], data={"value": value}, by=by)[0]


@transaction.atomic
def target_update(
    *, target: IndicatorTarget, expected_version: int, value: Decimal, by: User | None = None
) -> IndicatorTarget:
    """Change a target's value from a copy of a given version (an exported row)."""
    return _update(target, expected_version=expected_version, changes={"value": value}, by=by)


@transaction.atomic
def target_delete(*, target: IndicatorTarget, by: User | None = None) -> None:
    _delete(target, by=by)


@transaction.atomic
def measure_create(
    *,
    indicator: FollowUpIndicator,
    date: datetime.date,
    value: Decimal,
    source: str,
    comment: str = "",
    by: User | None = None,
) -> IndicatorMeasure:
    if not source.strip():
        raise ValidationError({"source": "Chaque mesure indique sa source."})
    return model_save(
        IndicatorMeasure(indicator=indicator, date=date, value=value, source=source.strip(), comment=comment), by=by
    )


def _check_measure(measure: IndicatorMeasure, changes: dict[str, Any] | None = None) -> None:
    if not measure.source.strip():
        raise ValidationError({"source": "Chaque mesure indique sa source."})


@transaction.atomic
def measure_update(
    *, measure: IndicatorMeasure, expected_version: int, by: User | None = None, **changes: object
) -> IndicatorMeasure:
    return _update(measure, expected_version=expected_version, changes=changes, by=by)


@transaction.atomic
def measure_delete(*, measure: IndicatorMeasure, by: User | None = None) -> None:
    _delete(measure, by=by)


def communes_of(convention: Convention) -> models.QuerySet[Commune]:
    """The communes an action may concern: those of the convention's EPCI."""
    return Commune.objects.filter(epci_id=convention.epci_id)


# What the update of each kind of object may change, and the rules checked on the object holding the changes. Each
# check takes an instance of its own key's model, which a dict's type cannot tie to the key: hence `Any`.
Check = Callable[[Any, dict[str, Any]], None]
UPDATABLE: dict[type[models.Model], tuple[list[str], Check | None]] = {
    Action: ([*ACTION_FIELDS, *ACTION_M2M], _check_action),
    Objective: ([*OBJECTIVE_FIELDS, "enjeux"], _check_objective),
    Milestone: (MILESTONE_FIELDS, None),
    FundingLine: (FUNDING_FIELDS, _check_funding),
    FollowUpIndicator: (INDICATOR_FIELDS, _check_indicator),
    IndicatorTarget: (["value"], None),
    IndicatorMeasure: (MEASURE_FIELDS, _check_measure),
}
