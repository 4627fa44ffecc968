"""Reads for deleting safely: what goes with an object when it is deleted, and the trash of a plan.

A delete is confirmed on a page naming what goes with it; a fiche goes to the trash (see
ctg.plans.services.action_delete), whose contents are read here through the managers that see it
(`all_objects`), in one query per kind of object."""

import dataclasses
import datetime
from collections import Counter

from django.db.models import Count, Model

from ctg.conventions.models import Convention
from ctg.core.formatting import format_count
from ctg.plans import models as plan


def count_label(count: int, singular: str, plural: str) -> str:
    """« 1 jalon », « 3 jalons », « 0 jalon » (French takes the singular below 2)."""
    return f"{format_count(count)} {singular if count < 2 else plural}"


# What a fiche holds, by model: (path from the object to its fiche, singular, plural).
HELD_BY_FICHE: list[tuple[type[Model], str, str, str]] = [
    (plan.Action, "parent_id", "sous-action", "sous-actions"),
    (plan.Milestone, "action_id", "jalon", "jalons"),
    (plan.FundingLine, "action_id", "ligne de financement", "lignes de financement"),
    (plan.FollowUpIndicator, "action_id", "indicateur de suivi", "indicateurs de suivi"),
    (plan.IndicatorTarget, "indicator__action_id", "cible", "cibles"),
    (plan.IndicatorMeasure, "indicator__action_id", "mesure", "mesures"),
    (plan.FollowUpNote, "action_id", "note de suivi", "notes de suivi"),
    (plan.ActionLink, "action_id", "lien ou document", "liens ou documents"),
]


def held_by_fiches(action_ids: list[int]) -> dict[int, list[str]]:
    """For each fiche, what it holds in words (« 2 jalons », « 1 ligne de financement »…), nothing it lacks."""
    held: dict[int, list[str]] = {pk: [] for pk in action_ids}
    if not action_ids:
        return held
    for model, path, singular, plural in HELD_BY_FICHE:
        counts = Counter(
            dict(
                model.all_objects.filter(**{f"{path}__in": action_ids})  # type: ignore[attr-defined]
                .order_by()
                .values_list(path)
                .annotate(n=Count("pk"))
                .values_list(path, "n")
            )
        )
        for pk in action_ids:
            if counts[pk]:
                held[pk].append(count_label(counts[pk], singular, plural))
    return held


def held_by_indicator(indicator: plan.FollowUpIndicator) -> list[str]:
    """What goes with an indicator: its targets and measures."""
    targets = indicator.targets.count()
    measures = indicator.measures.count()
    return [
        label
        for count, label in [
            (targets, count_label(targets, "cible", "cibles")),
            (measures, count_label(measures, "mesure", "mesures")),
        ]
        if count
    ]


@dataclasses.dataclass
class TrashedFiche:
    action: plan.Action
    deleted_by: str
    purge_on: datetime.date
    sub_actions: list[str]
    held: list[str]


def trash(convention: Convention) -> list[TrashedFiche]:
    """The fiches of a convention in the trash, latest deletion first. A sub-action deleted with its parent is
    restored with it: it is listed under its parent, not on its own."""
    fiches = list(
        plan.Action.all_objects.filter(convention=convention)
        .in_trash()
        .select_related("deleted_by", "parent")
        .order_by("-deleted_at", "code")
    )
    along = {fiche.pk for fiche in fiches if fiche.parent is not None and fiche.parent.deleted_at == fiche.deleted_at}
    subs: dict[int, list[str]] = {}
    for fiche in fiches:
        if fiche.pk in along and fiche.parent_id is not None:
            subs.setdefault(fiche.parent_id, []).append(str(fiche))
    listed = [fiche for fiche in fiches if fiche.pk not in along]
    held = held_by_fiches([fiche.pk for fiche in listed])
    return [
        TrashedFiche(
            action=fiche,
            deleted_by=str(fiche.deleted_by) if fiche.deleted_by else "—",
            purge_on=fiche.purge_on or datetime.date.max,
            sub_actions=subs.get(fiche.pk, []),
            held=held[fiche.pk],
        )
        for fiche in listed
    ]
