"""Reads of the offer of services for pages, dashboards and reports: plain dicts, a bounded number of queries.

Every dict says where its figures come from (`source`) and how complete they are (`completeness`), so that a
missing figure is shown as such and never as 0.
"""

from collections import defaultdict
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.db.models import Count, Prefetch, Q

from ctg.conventions.models import Convention
from ctg.core.formatting import rounded
from ctg.offer.enums import CHILDCARE_KINDS, CoverageStatus, OfferKind, OfferTotalIndicator
from ctg.offer.models import OfferItem, OfferTotal
from ctg.territories.models import Commune

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class CoveredNames(TypedDict):
    """What `offer_index` sets on each item: the names of the communes it covers."""

    covered_names: list[str]


class PublishedTotal(TypedDict):
    """A total published for the whole EPCI."""

    value: int
    year: int
    source: str
    level: str


# The aim written in the Caux Seine agglo convention, and the usual aim of a CTG: every commune covered.
INDICATOR_ORDER = {value: index for index, value in enumerate(OfferTotalIndicator.values)}
COVERAGE_AIM = "toutes les communes de l'EPCI couvertes par un relais petite enfance"


def _share(part: float | None, whole: float | None) -> float | None:
    if part is None or not whole:
        return None
    # Half up, as every figure shown (ctg.core.formatting), not Python's half to even.
    return float(rounded(100 * part / whole, 1))


def _item_source(item: OfferItem) -> str:
    return f"{item.source} ({item.reference_year})"


def epci_totals(*, convention: Convention) -> list[dict[str, Any]]:
    """The figures published for the whole EPCI, latest year first within each indicator."""
    return [
        {
            "indicator": total.indicator,
            "label": total.get_indicator_display(),
            "value": total.quantity,
            "year": total.year,
            "source": total.source,
            "level": "epci",
        }
        for total in sorted(
            OfferTotal.objects.filter(convention=convention),
            key=lambda t: (INDICATOR_ORDER.get(t.indicator, len(INDICATOR_ORDER)), -t.year),
        )
    ]


def offer_index(*, convention: Convention) -> dict[str, Any]:
    """Items grouped by kind with their totals, and the EPCI-level published totals. Three queries."""
    items = cast(
        "list[WithAnnotations[OfferItem, CoveredNames]]",
        list(
            OfferItem.objects.filter(convention=convention)
            .select_related("commune")
            .prefetch_related(Prefetch("covered_communes", queryset=Commune.objects.only("code", "name")))
            .order_by("kind", "commune__name", "name")
        ),
    )
    groups: defaultdict[str, list[WithAnnotations[OfferItem, CoveredNames]]] = defaultdict(list)
    for item in items:
        item.covered_names = [c.name for c in item.covered_communes.all()]
        groups[item.kind].append(item)
    kinds: list[dict[str, Any]] = []
    for kind in OfferKind:
        members = groups.get(kind.value)
        if not members:
            continue
        known = [i.capacity for i in members if i.capacity is not None]
        kinds.append(
            {
                "kind": kind.value,
                "label": kind.label,
                "items": members,
                "count": len(members),
                "capacity": sum(known) if known else None,
                "capacity_missing": len(members) - len(known),
            }
        )
    return {"kinds": kinds, "item_count": len(items), "epci_totals": epci_totals(convention=convention)}


def childcare_capacity(*, convention: Convention) -> dict[str, Any]:
    """Places for young children: from the registry (EAJE, micro-crèches, MAM) and from EPCI-level totals.

    `registry.places` is None when no item gives its capacity; `completeness` is « none », « partial » (some
    items without capacity) or « complete ». The EPCI totals are published figures and are never summed with
    the registry, which may describe another year or another perimeter.
    """
    items = list(
        OfferItem.objects.filter(convention=convention, kind__in=CHILDCARE_KINDS).only(
            "kind", "capacity", "source", "reference_year"
        )
    )
    known = [i for i in items if i.capacity is not None]
    capacities = [(i.kind, i.capacity) for i in known if i.capacity is not None]
    by_kind = {}
    for kind in CHILDCARE_KINDS:
        of_kind = [capacity for item_kind, capacity in capacities if item_kind == kind]
        by_kind[kind.value] = {"label": kind.label, "places": sum(of_kind) if of_kind else None}
    if not items:
        completeness = "none"
    elif len(known) < len(items):
        completeness = "partial"
    else:
        completeness = "complete"
    totals = {t["indicator"]: t for t in epci_totals(convention=convention)}
    return {
        "registry": {
            "places": sum(capacity for _, capacity in capacities) if known else None,
            "item_count": len(items),
            "items_without_capacity": len(items) - len(known),
            "by_kind": by_kind,
            "years": sorted({i.reference_year for i in items}),
            "source": "; ".join(sorted({_item_source(i) for i in items})) or None,
        },
        "epci_totals": {
            code.value: totals[code.value]
            for code in (
                OfferTotalIndicator.PLACES_ACCUEIL_COLLECTIF,
                OfferTotalIndicator.MAISONS_ASSISTANTS_MATERNELS,
                OfferTotalIndicator.ASSISTANTS_MATERNELS,
            )
            if code.value in totals
        },
        "completeness": completeness,
    }


def _completeness(relais_with_communes: int, published: int | None) -> str:
    """How complete the coverage is: « none » while no relais lists its communes, « partial » while fewer relais
    list them than the EPCI publishes, « complete » otherwise."""
    if not relais_with_communes:
        return "none"
    if published is not None and published > relais_with_communes:
        return "partial"
    return "complete"


def relais_coverage_summaries(*, conventions: list[Convention]) -> dict[int, dict[str, Any]]:
    """For each convention, the counts `relais_coverage` shows (communes of the EPCI, covered, completeness),
    read for all of them in three queries whatever their number."""
    epci_of = {c.pk: c.epci_id for c in conventions}
    commune_counts = dict(
        Commune.objects.filter(epci_id__in=set(epci_of.values()))
        .order_by()
        .values("epci_id")
        .annotate(n=Count("pk"))
        .values_list("epci_id", "n")
    )
    links = OfferItem.covered_communes.through.objects.filter(
        offeritem__convention_id__in=list(epci_of), offeritem__kind=OfferKind.RPE
    ).values_list("offeritem__convention_id", "offeritem_id", "commune__epci_id", "commune_id")
    relais_listing: defaultdict[int, set[int]] = defaultdict(set)
    covered: defaultdict[int, set[str]] = defaultdict(set)
    for convention_id, item_id, commune_epci, commune_id in links:
        relais_listing[convention_id].add(item_id)
        if commune_epci == epci_of[convention_id]:
            covered[convention_id].add(commune_id)
    published: dict[int, int] = {}
    for convention_id, quantity in (
        OfferTotal.objects.filter(convention_id__in=list(epci_of), indicator=OfferTotalIndicator.RELAIS_PETITE_ENFANCE)
        .order_by("convention_id", "-year")
        .values_list("convention_id", "quantity")
    ):
        published.setdefault(convention_id, quantity)
    summaries = {}
    for convention_id, epci_id in epci_of.items():
        known = bool(relais_listing[convention_id])
        count = commune_counts.get(epci_id, 0)
        covered_count = len(covered[convention_id]) if known else None
        summaries[convention_id] = {
            "known": known,
            "completeness": _completeness(len(relais_listing[convention_id]), published.get(convention_id)),
            "commune_count": count,
            "covered_count": covered_count,
            "share_communes": _share(covered_count, count) if known else None,
        }
    return summaries


def relais_coverage(*, convention: Convention) -> dict[str, Any]:
    """Which communes of the EPCI a relais petite enfance covers, with shares of communes and population.

    Coverage is only known once at least one relais of the registry lists its communes: until then every
    commune is « couverture non renseignée » and the shares are None. When fewer relais list their communes
    than the EPCI publishes, `completeness` is « partial »: a commune shown as not covered may be covered by a
    relais not entered yet. Three queries.
    """
    communes = list(
        Commune.objects.filter(epci_id=convention.epci_id)
        .only("code", "name", "population", "population_year", "population_source", "geometry")
        .order_by("name")
    )
    relais = list(
        OfferItem.objects.filter(convention=convention, kind=OfferKind.RPE)
        .select_related("commune")
        .prefetch_related(Prefetch("covered_communes", queryset=Commune.objects.only("code")))
        .order_by("name")
    )
    totals = OfferTotal.objects.filter(
        convention=convention, indicator=OfferTotalIndicator.RELAIS_PETITE_ENFANCE
    ).order_by("-year")
    published: PublishedTotal | None = next(
        (PublishedTotal(value=t.quantity, year=t.year, source=t.source, level="epci") for t in totals[:1]),
        None,
    )
    covering: defaultdict[str, list[str]] = defaultdict(list)
    relais_with_communes = []
    for item in relais:
        codes = [c.code for c in item.covered_communes.all()]
        if codes:
            relais_with_communes.append(item)
        for code in codes:
            covering[code].append(item.name)
    known = bool(relais_with_communes)
    completeness = _completeness(len(relais_with_communes), published["value"] if published else None)

    rows: list[dict[str, Any]] = []
    for commune in communes:
        if not known:
            status = CoverageStatus.UNKNOWN
        elif commune.code in covering:
            status = CoverageStatus.COVERED
        else:
            status = CoverageStatus.NOT_COVERED
        rows.append(
            {
                "code": commune.code,
                "name": commune.name,
                "population": commune.population,
                "geometry": commune.geometry,
                "status": status.value,
                "status_label": status.label,
                "relais": covering.get(commune.code, []),
            }
        )
    covered = [r for r in rows if r["status"] == CoverageStatus.COVERED]
    populations_known = all(r["population"] is not None for r in rows)
    population_total = sum(r["population"] for r in rows) if rows and populations_known else None
    population_covered = sum(r["population"] for r in covered) if known and populations_known else None
    population_years = sorted({c.population_year for c in communes if c.population_year})
    population_sources = sorted({c.population_source for c in communes if c.population_source})
    return {
        "communes": rows,
        "commune_count": len(rows),
        "known": known,
        "completeness": completeness,
        "covered_count": len(covered) if known else None,
        "not_covered_count": len(rows) - len(covered) if known else None,
        "share_communes": _share(len(covered), len(rows)) if known else None,
        "population_total": population_total,
        "population_covered": population_covered,
        "share_population": _share(population_covered, population_total),
        "population_source": "; ".join(population_sources) or None,
        "population_year": population_years[-1] if population_years else None,
        "relais_count": len(relais),
        "relais_with_communes": len(relais_with_communes),
        "published_relais": published,
        "source": "; ".join(sorted({_item_source(i) for i in relais_with_communes})) or None,
        "aim": COVERAGE_AIM,
    }


def offer_for_commune(*, conventions: list[Convention], commune: Commune) -> dict[int, list[OfferItem]]:
    """Per convention (of those given, already scoped to the reader), the equipment located in the commune and the
    relais covering it. One query."""
    items = (
        OfferItem.objects.filter(convention__in=conventions)
        .filter(Q(commune=commune) | Q(covered_communes=commune))
        .select_related("commune")
        .distinct()
        .order_by("kind", "name", "pk")
    )
    found: dict[int, list[OfferItem]] = defaultdict(list)
    for item in items:
        item.covers_only = item.commune_id != commune.pk  # type: ignore[attr-defined]  # shown as "couvre"
        found[item.convention_id].append(item)
    return found
