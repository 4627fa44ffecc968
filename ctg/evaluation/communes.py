"""What the convention brought to each commune of its territory: the actions concerning it, their money, and the
equipment and services of the offer registry before and during the convention.

Every commune of the EPCI is listed, those that got nothing included (they are named as such). The actions of a
commune are split in two, and never mixed:
- its own actions ("propres"): the fiches that name this commune alone; their funding lines are summed for it;
- the shared actions ("partagées"): the fiches on every commune of the territory, or naming several communes.
  Their money is never divided among the communes: it is shown once per action, « non réparti par commune ».
A fiche that names no commune (and not every commune) belongs to no commune's record; the page lists it apart.

Money: sums of the known amounts of the funding lines (planned / granted / paid); a line leaving an amount empty is
counted beside, and a sum with no known amount is None (shown « non renseigné »), never 0.

Offer registry (ctg.offer): the items located in the commune, by opening year against the convention's period:
before its first year, within its years, after its last year, or with the opening year unknown (listed as such,
never guessed). Places are capacities summed per kind (a crèche's places and an ALSH's are not added together);
an item whose capacity is unknown is counted beside, never as 0. The registry describes the offer as recorded at
its reference year(s): an item closed in the meantime is no longer in it.

A fixed number of queries whatever the number of communes, actions and items.
"""

import dataclasses
import datetime
from decimal import Decimal
from typing import Any

from ctg.conventions.models import Convention
from ctg.core.formatting import counted
from ctg.evaluation.rollups import ROLLUP_AMOUNTS, funding_by_action
from ctg.offer.enums import CHILDCARE_KINDS, OfferKind
from ctg.offer.models import OfferItem
from ctg.offer.selectors import epci_totals
from ctg.plans.enums import ActionStatus
from ctg.plans.models import Action
from ctg.territories.models import Commune

# The periods of the registry's items against the convention's years, in display order.
OFFER_PERIODS = ("before", "during", "after", "unknown")
CHILDCARE_VALUES = {kind.value for kind in CHILDCARE_KINDS}

SOURCE_PLAN = "Plan d'actions de la convention (fiches actions : communes concernées, statut, avancement)"
SOURCE_FUNDING = (
    "Lignes de financement des fiches actions (montants connus ; un montant non renseigné n'est jamais compté "
    "comme zéro)"
)


@dataclasses.dataclass
class Money:
    """Sums of the known amounts of some funding lines, and how many lines leave each amount unknown."""

    lines: int = 0
    sums: dict[str, Decimal | None] = dataclasses.field(default_factory=lambda: dict.fromkeys(ROLLUP_AMOUNTS))
    unknown: dict[str, int] = dataclasses.field(default_factory=lambda: dict.fromkeys(ROLLUP_AMOUNTS, 0))

    def add(self, funding: dict | None) -> None:
        if not funding:
            return
        self.lines += funding["lines"]
        for field in ROLLUP_AMOUNTS:
            self.unknown[field] += funding[f"{field}_unknown"]
            if funding[f"{field}_sum"] is not None:
                self.sums[field] = (self.sums[field] or Decimal(0)) + funding[f"{field}_sum"]

    def amounts(self) -> list[tuple[str, Decimal | None, int]]:
        """(field, known sum or None, lines leaving it unknown), in ROLLUP_AMOUNTS order."""
        return [(field, self.sums[field], self.unknown[field]) for field in ROLLUP_AMOUNTS]

    @property
    def planned(self) -> Decimal | None:
        return self.sums["amount_planned"]

    @property
    def granted(self) -> Decimal | None:
        return self.sums["amount_granted"]

    @property
    def paid(self) -> Decimal | None:
        return self.sums["amount_paid"]


@dataclasses.dataclass
class Places:
    """Items of the registry and their places: known capacities summed (None when none is known), unknown counted."""

    items: int = 0
    places: int | None = None
    capacity_unknown: int = 0

    def add(self, capacity: int | None) -> None:
        self.items += 1
        if capacity is None:
            self.capacity_unknown += 1
        else:
            self.places = (self.places or 0) + capacity


@dataclasses.dataclass
class PlannedFiche:
    """An action as the per-commune record shows it: its figures and the communes it concerns."""

    action: Action
    money: Money
    commune_ids: list[str]
    shared: bool

    @property
    def status_label(self) -> str:
        return ActionStatus(self.action.status).label


@dataclasses.dataclass
class CommuneRecord:
    commune: Commune
    engaged: bool
    own: list[PlannedFiche] = dataclasses.field(default_factory=list)
    shared: list[PlannedFiche] = dataclasses.field(default_factory=list)
    money: Money = dataclasses.field(default_factory=Money)
    items: dict[str, list[OfferItem]] = dataclasses.field(default_factory=lambda: {p: [] for p in OFFER_PERIODS})
    # {period: Places} over every kind (items only: places of different kinds are not added), and per kind.
    offer: dict[str, Places] = dataclasses.field(default_factory=lambda: {p: Places() for p in OFFER_PERIODS})
    childcare: dict[str, Places] = dataclasses.field(default_factory=lambda: {p: Places() for p in OFFER_PERIODS})
    by_kind: dict[str, dict[str, Places]] = dataclasses.field(default_factory=dict)

    @property
    def got_nothing(self) -> bool:
        """No action of its own and no item in the registry (it may still be concerned by shared actions)."""
        return not self.own and not any(self.items.values())

    @property
    def status_counts(self) -> list[tuple[str, int]]:
        """(status label, count) of its own actions, in the statuses' order, those with no action left out."""
        counts = {status: 0 for status in ActionStatus}
        for fiche in self.own:
            counts[ActionStatus(fiche.action.status)] += 1
        return [(status.label, count) for status, count in counts.items() if count]

    def kind_rows(self) -> list[dict[str, Any]]:
        """One row per kind of the registry present in the commune: its label and its Places per period."""
        return [
            {"label": OfferKind(kind).label, "periods": [periods[p] for p in OFFER_PERIODS]}
            for kind, periods in sorted(self.by_kind.items(), key=lambda pair: list(OfferKind.values).index(pair[0]))
        ]


def offer_period(opening_year: int | None, first_year: int, last_year: int) -> str:
    """Where an item's opening year falls against the convention's years: "before" (existing at its start),
    "during", "after" (announced for later), or "unknown" (no opening year recorded)."""
    if opening_year is None:
        return "unknown"
    if opening_year < first_year:
        return "before"
    if opening_year <= last_year:
        return "during"
    return "after"


def period_labels(convention: Convention) -> dict[str, str]:
    first, last = convention.start_date.year, convention.end_date.year
    return {
        "before": f"Ouverts avant {first}",
        "during": f"Ouverts de {first} à {last}",
        "after": f"Ouverture annoncée après {last}",
        "unknown": "Année d'ouverture inconnue",
    }


def _actions(convention: Convention, today: datetime.date) -> tuple[list[Action], dict[int, list[str]]]:
    """The convention's live fiches with their progress and lateness, and the codes of the communes each names
    (two queries)."""
    actions = list(Action.objects.filter(convention=convention).with_progress().with_lateness(today).order_by("code"))
    named: dict[int, list[str]] = {}
    through = Action.communes.through.objects.filter(action__in=[a.pk for a in actions]).order_by("commune_id")
    for action_id, commune_id in through.values_list("action_id", "commune_id"):
        named.setdefault(action_id, []).append(commune_id)
    return actions, named


def _place_actions(
    records: dict[str, CommuneRecord], actions: list[Action], named: dict[int, list[str]], funding: dict[int, dict]
) -> tuple[list[PlannedFiche], list[PlannedFiche]]:
    """Put each fiche in the records of the communes it concerns (own or shared); returns the shared fiches and
    those naming no commune."""
    shared: list[PlannedFiche] = []
    unplaced: list[PlannedFiche] = []
    for action in actions:
        money = Money()
        money.add(funding.get(action.pk))
        codes = named.get(action.pk, [])
        fiche = PlannedFiche(
            action=action, money=money, commune_ids=codes, shared=action.all_communes or len(codes) > 1
        )
        if action.all_communes:
            shared.append(fiche)
            for record in records.values():
                record.shared.append(fiche)
        elif not codes:
            unplaced.append(fiche)
        elif fiche.shared:
            shared.append(fiche)
            for code in codes:
                if code in records:
                    records[code].shared.append(fiche)
        elif codes[0] in records:
            records[codes[0]].own.append(fiche)
            records[codes[0]].money.add(funding.get(action.pk))
    return shared, unplaced


def _place_offer(records: dict[str, CommuneRecord], items: list[OfferItem], first: int, last: int) -> None:
    """Put each item of the registry in its commune's record, under the period of its opening year."""
    for item in items:
        record = records.get(item.commune_id)
        if record is None:
            continue
        period = offer_period(item.opening_year, first, last)
        record.items[period].append(item)
        record.offer[period].add(item.capacity)
        if item.kind in CHILDCARE_VALUES:
            record.childcare[period].add(item.capacity)
        record.by_kind.setdefault(item.kind, {p: Places() for p in OFFER_PERIODS})[period].add(item.capacity)
    order = list(OfferKind.values)
    for record in records.values():
        for period_items in record.items.values():
            period_items.sort(key=lambda i: (order.index(i.kind), i.name))


def commune_results(*, convention: Convention, today: datetime.date, commune: Commune | None = None) -> dict[str, Any]:
    """The per-commune record of the convention: every commune of its EPCI (or `commune` alone, for a commune
    member), the shared actions once with their money, the fiches naming no commune, the figures published for
    the whole EPCI, and the sources. Seven queries whatever the size of the territory and of the plan."""
    communes = Commune.objects.filter(epci_id=convention.epci_id).order_by("name")
    if commune is not None:
        communes = communes.filter(pk=commune.pk)
    engaged = set(convention.communes.values_list("pk", flat=True))
    records = {c.pk: CommuneRecord(commune=c, engaged=c.pk in engaged) for c in communes.only("code", "name")}
    actions, named = _actions(convention, today)
    shared, unplaced = _place_actions(records, actions, named, funding_by_action(convention))
    if commune is not None:
        shared = [f for f in shared if f.action.all_communes or commune.pk in f.commune_ids]
    registry = OfferItem.objects.filter(convention=convention)
    if commune is not None:
        registry = registry.filter(commune=commune)
    fields = ("kind", "name", "commune_id", "capacity", "opening_year", "source", "reference_year")
    items = list(registry.only(*fields))
    first, last = convention.start_date.year, convention.end_date.year
    _place_offer(records, items, first, last)
    rows = list(records.values())
    return {
        "communes": rows,
        "years": (first, last),
        "period_start": str(first),
        "period_end": str(last),
        "period_labels": period_labels(convention),
        "shared": shared,
        "unplaced": unplaced,
        "nothing": [r for r in rows if r.got_nothing],
        "offer_items": len(items),
        # Figures published for the whole EPCI only: shown beside, never spread over the communes.
        "epci_totals": epci_totals(convention=convention),
        "sources": {"plan": SOURCE_PLAN, "funding": SOURCE_FUNDING, "offer": _offer_source(items)},
        "summary": "" if commune is not None else _summary(rows, shared, unplaced),
    }


def _offer_source(items: list[OfferItem]) -> str:
    if not items:
        return "Registre de l'offre de la convention : aucun équipement ni service enregistré"
    reference_years = sorted({item.reference_year for item in items})
    label = "année de référence" if len(reference_years) == 1 else "années de référence"
    count = counted(len(items), "équipement ou service", "équipements ou services")
    years = ", ".join(str(year) for year in reference_years)
    origins = " ; ".join(sorted({item.source for item in items}))
    return f"Registre de l'offre de la convention ({count} ; {label} {years} ; sources des fiches : {origins})"


def _summary(rows: list[CommuneRecord], shared: list[PlannedFiche], unplaced: list[PlannedFiche]) -> str:
    """One sentence on the whole territory."""
    parts = [
        f"{counted(len(rows), 'commune')} sur le territoire : ",
        counted(sum(1 for r in rows if r.own), "commune a", "communes ont"),
        " au moins une action propre, ",
        counted(sum(1 for r in rows if any(r.items.values())), "commune a", "communes ont"),
        " au moins un équipement au registre de l'offre, ",
        counted(sum(1 for r in rows if r.got_nothing), "commune n'a", "communes n'ont"),
        " ni l'un ni l'autre ; ",
        counted(len(shared), "action partagée", "actions partagées"),
        " entre plusieurs communes ou sur tout le territoire ; ",
        counted(len(unplaced), "action ne désigne", "actions ne désignent"),
        " aucune commune.",
    ]
    return "".join(parts)
