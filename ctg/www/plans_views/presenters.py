"""Cells of the plan table, built once per row in Python rather than by a template include per cell: the plan
page lists every action of the convention, and its cost must stay flat with the plan's size.

Each function takes the plain rows of ctg.plans.selectors.plan_tree and adds what the template prints: the URL
of the fiche, the status badges, the progress bar and the amounts."""

import dataclasses
import functools
from typing import Any

from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ctg.core.formatting import format_euros
from ctg.plans.enums import LATE_LABEL, ActionStatus

STATUS_LABELS = dict(ActionStatus.choices)
MISSING_HTML = mark_safe('<span class="status-missing">non renseigné</span>')


@functools.cache
def status_html(status: str, late: bool) -> str:
    """Badges of a status (and lateness): a handful of combinations, built once per process."""
    badges = format_html('<span class="badge status-{}">{}</span>', status, STATUS_LABELS.get(status, status))
    if late:
        badges += format_html(' <span class="badge badge-danger">{}</span>', LATE_LABEL)
    return mark_safe(badges)  # noqa: S308 - built by format_html


def progress_html(progress: int | None, source: str) -> str:
    """Progress bar and figure; only an integer and a fixed word go in, so nothing needs escaping."""
    if progress is None:
        return mark_safe('<span class="muted">non renseigné</span>')
    value = int(progress)
    return mark_safe(  # noqa: S308 - an integer and a constant word
        f'<progress class="progress" max="100" value="{value}">{value} %</progress> {value} % '
        f'<span class="muted">({"jalons" if source == "jalons" else "saisie"})</span>'
    )


def amount_html(amount) -> str:
    """An amount in euros (digits, spaces, comma and the euro sign only), or explicitly "non renseigné"."""
    return MISSING_HTML if amount is None else mark_safe(format_euros(amount))  # noqa: S308 - digits only


def detail_url(convention_pk: int):
    """Builds the URL of each fiche by string from one reversed URL (reversing per row costs more than the row)."""
    marker = 987654321
    head, tail = reverse("plans_views:action_detail", args=[convention_pk, marker]).rsplit(str(marker), 1)
    return lambda pk: f"{head}{pk}{tail}"


def present_plan_rows(rows: list[dict], convention_pk: int) -> None:
    """Add to each row (each listed once, though the tree may show it under several nodes) its display cells."""
    url = detail_url(convention_pk)
    for row in rows:
        row["url"] = url(row["pk"])
        row["status_html"] = status_html(row["status"], row["late"])
        row["progress_html"] = progress_html(row["progress"], row["progress_source"])
        row["planned_html"] = amount_html(row["planned"])
        row["granted_html"] = amount_html(row["granted"])


@dataclasses.dataclass
class FollowUp:
    """What the follow-up fragment of an action shows (plans_views/includes/follow_up.html): the action with its
    status, lateness and progress, its next milestone, and whether the user may change them."""

    action: Any
    next_milestone: Any = None
    can_edit: bool = False

    @property
    def has_milestones(self) -> bool:
        return self.action.progress_source == "jalons"
