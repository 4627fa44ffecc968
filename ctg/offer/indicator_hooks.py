"""Indicators computed from the offer of services register, registered with the indicators' hook registry.

OfferConfig.ready() registers each function under the name the catalogue gives (`Indicator.hook`); see
ctg.indicators.hooks for what a hook receives and returns. None while the register holds no usable data: the
indicator then reads "non disponible" everywhere, never 0.

The register only exists for the EPCI of a convention. A commune outside every registered EPCI has no part
("non disponible"), so a département or France is an incomplete aggregate and says so. Within an EPCI, the
latest convention whose register lists the communes of at least one relais speaks for it; a commune known not to
be covered counts 0 only when `relais_coverage` says the register is complete (as many relais entered as the
EPCI publishes): otherwise only the covered communes are known and the EPCI's share is incomplete.
"""

import polars as pl

from ctg.conventions.models import Convention
from ctg.indicators.enums import ValueStatus
from ctg.indicators.hooks import parts_frame
from ctg.offer.enums import CoverageStatus, OfferKind
from ctg.offer.models import OfferItem
from ctg.offer.selectors import relais_coverage

# Children under 3 are estimated from births (same method as the indicator children_under_3_estimate).
BIRTHS_VARIABLE = "NAIS1621"
BIRTHS_TO_CHILDREN_UNDER_3 = 3 / 6


def childcare_coverage(run=None) -> pl.DataFrame | None:
    """Places (EAJE, preschool at 2, assistants maternels, home care) over children under 3, per commune.

    The official rate needs all four kinds of places. The register holds EAJE capacities and EPCI-level published
    totals (places d'accueil collectif, a count of assistants maternels: people, not places); nothing says how
    many children of 2 attend preschool nor how many are cared for at home. The definition cannot be met, so the
    rate stays "non disponible" (the catalogue's note names the missing parts) and no ratio of places per
    assistant maternel is ever assumed.

    The figure of reference is the CNAF's published rate (`childcare_coverage_cnaf`, read from the data.caf.fr
    files by ctg.opendata.readers.cnaf, with its components and at the levels where the CNAF publishes it): this
    computation only stands where the register would hold every component, and never replaces a published rate.
    """
    return None


def _relais_scopes() -> list[dict]:
    """Per EPCI, the coverage of the latest convention whose register lists the communes of a relais."""
    listed = (
        OfferItem.objects.filter(kind=OfferKind.RPE, covered_communes__isnull=False)
        .values_list("convention_id", "reference_year")
        .distinct()
    )
    years: dict[int, int] = {}
    for convention_id, year in listed:
        years[convention_id] = max(year, years.get(convention_id, year))
    latest_by_epci: dict[str, Convention] = {}
    for convention in Convention.objects.filter(pk__in=years).order_by("start_date", "pk"):
        latest_by_epci[convention.epci_id] = convention
    scopes = []
    for convention in latest_by_epci.values():
        coverage = relais_coverage(convention=convention)
        if coverage["known"]:
            scopes.append({"year": years[convention.pk], "coverage": coverage})
    return scopes


def _coverage_parts(scopes: list[dict]) -> list[tuple[str, int, bool]]:
    """(commune code, year, covered) for every commune whose coverage is known; unknown ones are left out."""
    known = []
    for scope in scopes:
        complete = scope["coverage"]["completeness"] == "complete"
        for row in scope["coverage"]["communes"]:
            if row["status"] == CoverageStatus.COVERED:
                known.append((row["code"], scope["year"], True))
            elif row["status"] == CoverageStatus.NOT_COVERED and complete:
                known.append((row["code"], scope["year"], False))
    return known


def rpe_communes(run=None) -> pl.DataFrame | None:
    """Communes covered by a relais petite enfance (1 per covered commune) over communes (1 each)."""
    parts = _coverage_parts(_relais_scopes())
    return parts_frame(
        [(code, year, 1.0 if covered else 0.0, 1.0, ValueStatus.OK.value) for code, year, covered in parts]
    )


def rpe_children(run) -> pl.DataFrame | None:
    """Estimated children under 3 of communes covered by a relais over children under 3 of the territory."""
    parts = _coverage_parts(_relais_scopes())
    if not parts:
        return None
    births = run.commune_observations.filter(pl.col("variable") == BIRTHS_VARIABLE)
    if births.height:
        births = births.filter(pl.col("year") == births.get_column("year").max())
    found = {code: (value, status) for code, value, status in births.select("code", "value", "status").iter_rows()}
    rows: list[tuple[str, int, float | None, float | None, str]] = []
    for code, year, covered in parts:
        value, status = found.get(code, (None, ValueStatus.MISSING.value))
        if status != ValueStatus.OK.value or value is None:
            # Births secret or not imported: the commune's children are not known, the aggregate says so.
            unknown = ValueStatus.SECRET.value if status == ValueStatus.SECRET.value else ValueStatus.MISSING.value
            rows.append((code, year, None, None, unknown))
            continue
        children = value * BIRTHS_TO_CHILDREN_UNDER_3
        rows.append((code, year, children if covered else 0.0, children, ValueStatus.OK.value))
    return parts_frame(rows)


# Names given in the catalogue (`Indicator.hook`) -> the function that computes the indicator's commune parts.
HOOKS = {
    "childcare_coverage": childcare_coverage,
    "rpe_communes": rpe_communes,
    "rpe_children": rpe_children,
}
