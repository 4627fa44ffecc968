"""The portfolio of a département: every convention the reader may see there, one row each, and its EPCI.

A CAF's territorial team reads, for each convention, where it stands: phase, period, months to its end, number of
actions, mean progress and late actions (the dashboard's rules: ctg.plans `late_condition`, `NodeStats.progress`),
the co-financing planned, granted and paid by the convention's CAF (the ledger's rule: a sum covers the known
amounts only and says how many lines it covers), the tasks decided in meetings and not done yet, the last and next
COPIL, and the relais coverage of the EPCI's communes (ctg.offer). The EPCI of the département without a convention
are listed too. Every block is one grouped query over all the conventions, so the number of queries does not
depend on the number of conventions.
"""

import dataclasses
import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from ctg.conventions.enums import PHASE_ORDER, Phase
from ctg.conventions.models import Convention
from ctg.offer.selectors import relais_coverage_summaries
from ctg.plans import models as plan
from ctg.plans.models import late_condition
from ctg.plans.selectors import NodeStats
from ctg.steering.enums import BodyKind
from ctg.steering.models import FollowUp, Meeting
from ctg.territories.models import EPCI, Departement

CAF_AMOUNTS = (("planned", "amount_planned"), ("granted", "amount_granted"), ("paid", "amount_paid"))


def portfolio_departements(user):
    """The départements whose portfolio the user reads: those of their département accesses (every one for a
    superuser). A queryset, empty for most users."""
    if not user.is_authenticated or not user.is_active:
        return Departement.objects.none()
    if user.is_superuser:
        return Departement.objects.all()
    return Departement.objects.filter(pk__in=user.departement_accesses.values("departement"))


def months_left(end: datetime.date, today: datetime.date) -> int:
    """Whole months from `today` to the convention's last day: 0 when less than a month remains, negative once
    it is over."""
    months = (end.year - today.year) * 12 + end.month - today.month
    return months - 1 if end.day < today.day else months


@dataclasses.dataclass(frozen=True)
class PortfolioFilters:
    phase: str = ""
    late_only: bool = False
    ending_within: int | None = None  # months
    query: str = ""
    sort: str = "epci"
    descending: bool = False

    @property
    def active(self) -> bool:
        return bool(self.phase or self.late_only or self.ending_within is not None or self.query)


def _conventions(user, departement: Departement) -> list[Convention]:
    """The conventions of the département the user may read (an EPCI straddling two départements counts in both)."""
    return list(
        Convention.objects.for_user(user)
        .filter(pk__in=Convention.objects.filter(epci__communes__departement=departement).values("pk"))
        .select_related("epci", "caf")
        .order_by("epci__name", "-start_date", "pk")
    )


def _action_figures(ids: list[int], today: datetime.date) -> dict[int, dict[str, Any]]:
    rows = (
        plan.Action.objects.filter(convention_id__in=ids)
        .with_progress()
        .order_by()
        .values("convention_id")
        .annotate(
            count=Count("pk"),
            late=Count("pk", filter=late_condition(today)),
            progress_sum=Sum("progress"),
            progress_count=Count("progress"),
        )
    )
    figures = {}
    for row in rows:
        stats = NodeStats(progress_sum=float(row["progress_sum"] or 0), progress_count=row["progress_count"])
        figures[row["convention_id"]] = {"count": row["count"], "late": row["late"], "progress": stats.progress}
    return figures


def _caf_funding(conventions: list[Convention]) -> dict[int, dict[str, Any]]:
    """The lines whose funder is the convention's own CAF, summed per convention: each amount with the number of
    lines it covers (an empty amount is not known, never zero). Grouped per convention and funder, the convention's
    CAF kept here: filtering on the funder (or joining the convention's CAF) made SQLite read the funder's lines in
    the whole country, seconds at national scale."""
    caf_of = {c.pk: c.caf_id for c in conventions}
    aggregates: dict[str, Any] = {"lines": Count("pk")}
    for name, field in CAF_AMOUNTS:
        aggregates[name] = Sum(field)
        aggregates[f"{name}_known"] = Count(field)
    rows = (
        plan.FundingLine.objects.filter(action__convention_id__in=list(caf_of))
        .order_by()
        .values("action__convention_id", "funder_id")
        .annotate(**aggregates)
    )
    return {
        row["action__convention_id"]: dict(row)
        for row in rows
        if row["funder_id"] == caf_of[row["action__convention_id"]]
    }


def _open_follow_ups(ids: list[int], today: datetime.date) -> dict[int, dict[str, int]]:
    rows = (
        FollowUp.objects.filter(convention_id__in=ids)
        .open()
        .order_by()
        .values("convention_id")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)))
    )
    return {row["convention_id"]: {"open": row["open"], "overdue": row["overdue"]} for row in rows}


def _copil_dates(ids: list[int], now: datetime.datetime) -> dict[int, dict[str, datetime.datetime | None]]:
    """The last COPIL meeting before `now` and the next one from `now`, per convention."""
    rows = (
        Meeting.objects.filter(body__convention_id__in=ids, body__kind=BodyKind.COPIL)
        .order_by()
        .values("body__convention_id")
        .annotate(
            last=Max("starts_at", filter=Q(starts_at__lt=now)), next=Min("starts_at", filter=Q(starts_at__gte=now))
        )
    )
    return {row["body__convention_id"]: {"last": row["last"], "next": row["next"]} for row in rows}


def _epcis(departement: Departement) -> list[EPCI]:
    return list(
        EPCI.objects.filter(pk__in=EPCI.objects.filter(communes__departement=departement).values("pk"))
        .only("siren", "name", "kind", "population", "population_year", "geometry")
        .order_by("name")
    )


def portfolio_rows(*, user, departement: Departement, today: datetime.date) -> list[dict[str, Any]]:
    """One row per convention of the département the user may read. Seven queries plus three for the relais."""
    conventions = _conventions(user, departement)
    ids = [c.pk for c in conventions]
    actions = _action_figures(ids, today)
    funding = _caf_funding(conventions)
    follow_ups = _open_follow_ups(ids, today)
    now = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    copil = _copil_dates(ids, now)
    coverage = relais_coverage_summaries(conventions=conventions)
    rows = []
    no_actions = {"count": 0, "late": 0, "progress": None}
    for convention in conventions:
        lines = funding.get(convention.pk, {"lines": 0})
        rows.append(
            {
                "convention": convention,
                "epci": convention.epci,
                "phase": convention.phase,
                "phase_label": convention.get_phase_display(),
                "start": convention.start_date,
                "end": convention.end_date,
                "months_left": months_left(convention.end_date, today),
                **actions.get(convention.pk, no_actions),
                "caf_lines": lines["lines"],
                "caf": {
                    name: {"value": lines.get(name), "known": lines.get(f"{name}_known", 0)} for name, _ in CAF_AMOUNTS
                },
                "follow_ups": follow_ups.get(convention.pk, {"open": 0, "overdue": 0}),
                "last_copil": copil.get(convention.pk, {}).get("last"),
                "next_copil": copil.get(convention.pk, {}).get("next"),
                "coverage": coverage[convention.pk],
            }
        )
    return rows


def _sort_key(name: str):
    def amount(row, key):
        return row["caf"][key]["value"]

    keys = {
        "epci": lambda r: r["epci"].name.casefold(),
        "phase": lambda r: PHASE_ORDER.index(Phase(r["phase"])),
        "fin": lambda r: r["end"],
        "actions": lambda r: r["count"],
        "avancement": lambda r: r["progress"],
        "retard": lambda r: r["late"],
        "prevu": lambda r: amount(r, "planned"),
        "accorde": lambda r: amount(r, "granted"),
        "verse": lambda r: amount(r, "paid"),
        "taches": lambda r: r["follow_ups"]["open"],
        "dernier_copil": lambda r: r["last_copil"],
        "prochain_copil": lambda r: r["next_copil"],
        "relais": lambda r: r["coverage"]["share_communes"],
    }
    return keys.get(name, keys["epci"])


SORT_KEYS = (
    "epci",
    "phase",
    "fin",
    "actions",
    "avancement",
    "retard",
    "prevu",
    "accorde",
    "verse",
    "taches",
    "dernier_copil",
    "prochain_copil",
    "relais",
)


def filtered_rows(rows: Iterable[dict[str, Any]], filters: PortfolioFilters) -> list[dict[str, Any]]:
    """The rows kept by the filters, sorted; a row without the sorted figure (not known) always comes last."""
    kept = []
    query = filters.query.casefold().strip()
    for row in rows:
        if filters.phase and row["phase"] != filters.phase:
            continue
        if filters.late_only and not row["late"]:
            continue
        if filters.ending_within is not None and not 0 <= row["months_left"] <= filters.ending_within:
            continue
        if query and query not in row["epci"].name.casefold() and query not in row["convention"].title.casefold():
            continue
        kept.append(row)
    key = _sort_key(filters.sort)
    known = [r for r in kept if key(r) is not None]
    unknown = [r for r in kept if key(r) is None]
    known.sort(key=lambda r: (key(r), r["epci"].name.casefold(), r["convention"].pk), reverse=filters.descending)
    return known + unknown


# What the map shows of each EPCI: the phase of its most recent convention the reader may see, grouped.
MAP_PREPARING = "Convention en préparation (préparation, diagnostic, plan d'actions)"
MAP_RUNNING = "Convention en mise en œuvre ou en évaluation"
MAP_CLOSED = "Convention clôturée"
MAP_NONE = "Sans convention"
MAP_GROUPS = {
    Phase.PREPARATION: MAP_PREPARING,
    Phase.DIAGNOSTIC: MAP_PREPARING,
    Phase.PLAN: MAP_PREPARING,
    Phase.MISE_EN_OEUVRE: MAP_RUNNING,
    Phase.EVALUATION: MAP_RUNNING,
    Phase.CLOSE: MAP_CLOSED,
}


def portfolio(
    *, user, departement: Departement, today: datetime.date, filters: PortfolioFilters | None = None
) -> dict[str, Any]:
    """The portfolio page: the filtered rows, every EPCI of the département with the state of its latest
    convention (those without one flagged), and totals of the rows shown."""
    filters = filters or PortfolioFilters()
    rows = portfolio_rows(user=user, departement=departement, today=today)
    epcis = _epcis(departement)
    latest: dict[str, dict[str, Any]] = {}
    for row in rows:
        current = latest.get(row["epci"].pk)
        if current is None or (row["start"], row["convention"].pk) > (current["start"], current["convention"].pk):
            latest[row["epci"].pk] = row
    territory = [
        {
            "epci": epci,
            "row": latest.get(epci.pk),
            "category": MAP_GROUPS[Phase(latest[epci.pk]["phase"])] if epci.pk in latest else MAP_NONE,
        }
        for epci in epcis
    ]
    shown = filtered_rows(rows, filters)
    return {
        "departement": departement,
        "rows": shown,
        "total_count": len(rows),
        "territory": territory,
        "without_convention": [t["epci"] for t in territory if t["row"] is None],
        "totals": _totals(shown),
    }


def _totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    totals: dict[str, Any] = {"count": sum(r["count"] for r in rows), "late": sum(r["late"] for r in rows)}
    for name, _ in CAF_AMOUNTS:
        known = [r["caf"][name]["value"] for r in rows if r["caf"][name]["value"] is not None]
        totals[name] = {
            "value": sum(known, Decimal(0)) if known else None,
            "known": sum(r["caf"][name]["known"] for r in rows),
            "lines": sum(r["caf_lines"] for r in rows),
        }
    return totals
