"""Map of one indicator over the communes of an EPCI, and what the page or the report prints around it.

A count (people, births, households, recipients) is drawn as circles of area proportional to the value; a rate,
share, density, median or amount as classes by quantiles, the EPCI's class marked on the legend. A commune
without a value is drawn with the fill of its figure's status, named in the legend and in the caption. A map
with values for fewer than half of the communes is not drawn: the page prints its table and says why.

The summary (`map_summary`) needs no geometry: pages compute it for every indicator and fetch the drawn maps
separately; the spec (`indicator_map_spec`) is built from the same summary.
"""

import dataclasses
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from ctg.charts.classes import Classes, make_classes
from ctg.charts.maps import (
    SMALL_NUMBER_LABEL,
    MapArea,
    Reference,
    choropleth_map,
    no_value_fill,
    proportional_circle_map,
)
from ctg.core.formatting import counted
from ctg.indicators import catalogue
from ctg.indicators.enums import Kind, ValueStatus
from ctg.indicators.formatting import format_number, format_value
from ctg.indicators.selectors import comparison, line_indicators
from ctg.territories.enums import Level
from ctg.territories.models import Commune

BOUNDARY_SOURCE = "contours IGN Admin Express COG 2018"
# A map with values for fewer communes than this share is replaced by its table.
MIN_VALUED_SHARE = 0.5
# Units that are not counts although the indicator is not a ratio (published medians, published rates).
NOT_COUNT_UNITS = {"%", "€"}
# The legend's name of each reason a commune has no value, by the status of its figure; a status added later
# is named by its own label.
REASON_LABELS: dict[str, str] = {
    ValueStatus.SECRET.value: "Secret statistique",
    "absent": "Absente du fichier",
    ValueStatus.INCOMPLETE.value: "Incomplet (parties manquantes)",
    ValueStatus.MISSING.value: "Non disponible",
}
# The cell key another module sets on a figure resting on a small number ("effectif faible").
SMALL_NUMBER_KEY = "small_number"


def is_count(indicator: Mapping[str, Any]) -> bool:
    """A count of people, households, births or recipients: summed over communes, neither a ratio nor a
    published statistic (median, rate)."""
    definition = catalogue.BY_CODE.get(indicator["code"])
    is_ratio = definition.is_ratio if definition else False
    return not is_ratio and indicator["kind"] != Kind.PUBLISHED and indicator["unit"] not in NOT_COUNT_UNITS


# A missing figure whose display says the commune is absent from the file (a commune not divided into IRIS).
ABSENT_DISPLAY = "absente du fichier"


def _reason(cell: Mapping[str, Any]) -> str:
    """Why the commune has no value: the status of its figure ("absent" for a missing one absent from the file);
    empty when it has one."""
    if cell["status"] == ValueStatus.OK and cell["value"] is not None:
        return ""
    if cell["status"] == ValueStatus.MISSING and str(cell.get("display", "")).startswith(ABSENT_DISPLAY):
        return "absent"
    return cell["status"] if cell["status"] != ValueStatus.OK else ValueStatus.MISSING.value


def _reason_label(reason: str, cell: Mapping[str, Any]) -> str:
    return REASON_LABELS.get(reason) or str(cell.get("status_label") or reason)


@dataclasses.dataclass
class MapSummary:
    indicator: dict
    drawn: bool
    valued: int
    total: int
    is_count: bool
    # (status, legend label, number of communes) of each reason a commune has no value.
    reasons: list[tuple[str, str, int]]
    small_numbers: int
    classes: Classes | None
    reference: Reference | None
    # What the page and the report print with the map (or instead of it).
    caption: str
    not_drawn: str
    # The table printed instead of a map not drawn: the communes with a value, then one row per reason.
    rows: list[dict]

    @property
    def reason_labels(self) -> dict[str, str]:
        return {reason: label for reason, label, _ in self.reasons}


def _unit_suffix(indicator: Mapping[str, Any]) -> str:
    unit = indicator["unit"]
    return f" {unit}" if unit and unit not in NOT_COUNT_UNITS else ""


def _reference(indicator: Mapping[str, Any], epci_cell: Mapping[str, Any] | None) -> Reference | None:
    if epci_cell is None:
        return None
    value = epci_cell["value"] if epci_cell["status"] == ValueStatus.OK else None
    display = epci_cell["display"] + (_unit_suffix(indicator) if value is not None else "")
    return Reference(name="EPCI", value=value, display=display)


def _format_class_bound(indicator: Mapping[str, Any]):
    def format_bound(value: Decimal) -> str:
        return format_value(float(value), unit=indicator["unit"], decimals=indicator.get("decimals", 1))

    return format_bound


def map_summary(
    *, indicator: dict, communes: Sequence[Mapping[str, Any]], epci_cell: Mapping[str, Any] | None
) -> MapSummary:
    """What the map of `indicator` shows over `communes` (dicts with code, name and their `cell`)."""
    count = is_count(indicator)
    valued = [c for c in communes if not _reason(c["cell"])]
    reasons: dict[str, list] = {}
    for commune in communes:
        reason = _reason(commune["cell"])
        if reason:
            reasons.setdefault(reason, []).append(commune)
    reason_rows = [
        (reason, _reason_label(reason, members[0]["cell"]), len(members)) for reason, members in reasons.items()
    ]
    small_numbers = sum(1 for c in valued if c["cell"].get(SMALL_NUMBER_KEY))
    total = len(communes)
    drawn = bool(indicator["available"]) and total > 0 and len(valued) >= MIN_VALUED_SHARE * total
    decimals = indicator.get("decimals", 1)
    classes = None if count else make_classes([c["cell"]["value"] for c in valued], decimals=decimals)
    reference = _reference(indicator, epci_cell)

    sentences = []
    not_drawn = ""
    if not drawn:
        not_drawn = f"Carte non dessinée : valeurs pour {counted(len(valued), 'commune')} sur {total}."
    elif count:
        sentences.append("Cercles de surface proportionnelle à la valeur de chaque commune.")
    elif classes is not None:
        bound = _format_class_bound(indicator)
        sentences.append(
            f"{counted(len(classes.classes), 'classe')} par quantiles "
            "(chacune regroupe à peu près autant de communes), "
            f"de {bound(classes.classes[0].lower)} à {bound(classes.classes[-1].upper)}."
        )
    if reference is not None:
        marked = (
            drawn
            and classes is not None
            and reference.value is not None
            and classes.index_of(reference.value) is not None
        )
        sentences.append(f"EPCI : {reference.display}" + (", classe marquée dans la légende." if marked else "."))
    if reason_rows:
        described = [
            f"{label.lower()} pour {counted(n, 'commune')}"
            + (f" ({no_value_fill(reason).description})" if drawn else "")
            for reason, label, n in reason_rows
        ]
        sentences.append("Sans valeur : " + " ; ".join(described) + ".")
    if small_numbers:
        sentences.append(f"{SMALL_NUMBER_LABEL} : {counted(small_numbers, 'commune')}.")

    rows = [{"name": c["name"], "display": c["cell"]["display"], "note": c["cell"].get("note", "")} for c in valued]
    rows += [
        {"name": f"{counted(n, 'commune')} sans valeur", "display": label.lower(), "note": ""}
        for _, label, n in reason_rows
    ]
    return MapSummary(
        indicator=indicator,
        drawn=drawn,
        valued=len(valued),
        total=total,
        is_count=count,
        reasons=reason_rows,
        small_numbers=small_numbers,
        classes=classes,
        reference=reference,
        caption=" ".join(sentences),
        not_drawn=not_drawn,
        rows=rows,
    )


def epci_cell(indicator: Mapping[str, Any], territories: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The indicator's cell of the EPCI among `territories` (the order of its `territory_cells`), if there."""
    for territory, cell in zip(territories, indicator.get("territory_cells", []), strict=False):
        if territory["level"] == Level.EPCI:
            return cell
    return None


def map_summaries(*, indicators: list[dict], territories: Sequence[Mapping[str, Any]], communes) -> list[MapSummary]:
    """The summary of each indicator with commune values, for a page listing maps (`communes`: code and name)."""
    return [
        map_summary(
            indicator=indicator,
            communes=[{**c, "cell": indicator["commune_cells"][c["code"]]} for c in communes],
            epci_cell=epci_cell(indicator, territories),
        )
        for indicator in indicators
        if indicator["has_commune_values"]
    ]


def indicator_map_data(*, epci, indicator: catalogue.Indicator) -> dict:
    """Latest-year values of one indicator for an EPCI's communes, with their geometry, and the EPCI's own value
    (marked on the legend): what `indicator_map_spec` draws. Three queries."""
    communes = list(Commune.objects.filter(epci=epci).order_by("name").values("code", "name", "geometry"))
    territories = [{"level": Level.EPCI.value, "code": epci.siren, "name": epci.name}]
    # A line merged from a published and a computed indicator is mapped as the page shows it.
    data = comparison(indicators=line_indicators(indicator), territories=territories, communes=communes)
    data = data["indicators"][0]
    return {
        "indicator": data,
        "territories": territories,
        "communes": [{**c, "cell": data["commune_cells"][c["code"]]} for c in communes],
    }


def _legend_title(indicator: Mapping[str, Any]) -> str:
    unit = indicator["unit"]
    if not unit:
        return indicator["label"]
    return f"En {unit}" if unit in NOT_COUNT_UNITS else unit[0].upper() + unit[1:]


def indicator_map_spec(*, epci, data: dict) -> dict | None:
    """The map of `data` (from indicator_map_data: indicator, territories, communes with geometry and
    cell); None when there is nothing to draw or when fewer than half of the communes have a value."""
    return indicator_map(epci=epci, data=data)[1]


def indicator_map(*, epci, data: dict) -> tuple[MapSummary, dict | None]:
    """What the map of `data` shows (its caption), and its spec (None when not drawn, see indicator_map_spec)."""
    indicator = data["indicator"]
    summary = map_summary(
        indicator=indicator,
        communes=data["communes"],
        epci_cell=epci_cell(indicator, data.get("territories", [])),
    )
    communes = [c for c in data["communes"] if c["geometry"]]
    if not communes or not summary.drawn:
        return summary, None
    areas = [
        MapArea(
            code=c["code"],
            name=c["name"],
            geometry=c["geometry"],
            value=c["cell"]["value"] if not _reason(c["cell"]) else None,
            label=c["cell"]["display"] + (_unit_suffix(indicator) if not _reason(c["cell"]) else ""),
            reason=_reason(c["cell"]),
            small_number=bool(c["cell"].get(SMALL_NUMBER_KEY)) and not _reason(c["cell"]),
        )
        for c in communes
    ]
    # The period is added to the title unless the label already names it ("Naissances en 2024").
    title = (
        indicator["label"]
        if indicator["period"] in indicator["label"]
        else f"{indicator['label']}, {indicator['period']}"
    )
    description = (
        f"Carte de l'indicateur « {indicator['label']} » pour les {len(areas)} communes de {epci.name} "
        f"({indicator['period']}). {summary.caption} Le tableau des communes donne les mêmes valeurs."
    )
    source = f"{indicator['producer_source']}, données {indicator['period']} ; {BOUNDARY_SOURCE}"
    decimals = indicator.get("decimals", 1)
    if summary.is_count:
        return summary, proportional_circle_map(
            areas=areas,
            title=title,
            description=description,
            legend_title=_legend_title(indicator),
            source=source,
            format_value=lambda value: format_number(value, decimals),
            reasons=summary.reason_labels,
            reference=summary.reference,
        )
    if summary.classes is None:  # a drawn map has values, hence classes
        return summary, None
    return summary, choropleth_map(
        areas=areas,
        title=title,
        description=description,
        legend_title=_legend_title(indicator),
        source=source,
        classes=summary.classes,
        format_value=_format_class_bound(indicator),
        reasons=summary.reason_labels,
        reference=summary.reference,
    )
