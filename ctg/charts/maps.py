"""Vega-Lite map specs built with Altair. The same spec serves the web page (SVG), PDF and DOCX (PNG).

Every map carries a title and a description; pages show a table alternative next to it. A map of values says what
it shows: rates are choropleths whose classes and method are written in the legend, with the class of a reference
territory (the EPCI) marked; counts are circles whose area is proportional to the value, over the communes'
outlines. An area without a value is drawn with the fill of its reason (secret, absent, incomplete, not available:
hatched or grey, each at least 3:1 against the lightest class) and the legend names the reason with its count; an
area whose figure rests on a small number is outlined with dashes. Legends are drawn by this module (a panel under
the map) because Vega legends cannot show a hatched fill.
"""

import dataclasses
import math
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import altair as alt
from shapely.geometry import shape

from ctg.charts.classes import Classes
from ctg.charts.render import MIN_FONT_SIZE
from ctg.core.formatting import counted

# Altair checks every object it builds against the Vega-Lite schema as it is built, and the whole spec again when it
# is written (`_spec`): most of the time of a map. The specs are checked once per kind of map by
# tests/charts/test_maps.py (test_every_kind_of_map_is_valid_vega_lite), not at each drawing.
alt.utils.schemapi.disable_debug_mode()

FONT = "DejaVu Sans"
HIGHLIGHT_COLOUR = "#1f5fa8"
BACKGROUND_COLOUR = "#d9dde3"
STROKE_COLOUR = "#ffffff"
# ColorBrewer "Blues", light to dark, by number of classes; the first class is always light enough for the fills
# of areas without a value to stand out from it (3:1).
CLASS_PALETTES: dict[int, tuple[str, ...]] = {
    1: ("#deebf7",),
    2: ("#deebf7", "#3182bd"),
    3: ("#deebf7", "#9ecae1", "#3182bd"),
    4: ("#eff3ff", "#bdd7e7", "#6baed6", "#2171b5"),
    5: ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"),
}
# Communes of a proportional circle map with a value: the lightest fill, the one the reasons contrast with.
BASE_FILL = "#f4f4f4"
OUTLINE_COLOUR = "#8c8c8c"
CIRCLE_COLOUR = HIGHLIGHT_COLOUR
# Largest circle of a map, in square pixels (a radius of about 25 px on a 640 px wide map).
MAX_CIRCLE_AREA = 2000.0
SMALL_NUMBER_DASH = [4, 2]
SMALL_NUMBER_LABEL = "Effectif faible (contour en tirets)"
LEGEND_ROW = 20
# What `alt.layer(...).properties(...)` is typed as.
LayeredChart = alt.LayerChart | alt.FacetChart
LEGEND_COLUMN = 330


@dataclasses.dataclass(frozen=True)
class Fill:
    """A solid colour, or stripes of `colour` on white (`hatch`: "diagonal", "antidiagonal" or "horizontal")."""

    colour: str
    hatch: str = ""

    def paint(self, stripes: int = 10) -> str | dict:
        """The Vega fill: a colour, or a linear gradient of hard stops drawing stripes across the shape's box."""
        if not self.hatch:
            return self.colour
        stops = []
        for k in range(stripes):
            middle = (k + 0.5) / stripes
            stops += [
                {"offset": k / stripes, "color": self.colour},
                {"offset": middle, "color": self.colour},
                {"offset": middle, "color": "#ffffff"},
                {"offset": (k + 1) / stripes, "color": "#ffffff"},
            ]
        x1, y1, x2, y2 = {"diagonal": (0, 0, 1, 1), "antidiagonal": (1, 0, 0, 1), "horizontal": (0, 0, 0, 1)}[
            self.hatch
        ]
        return {"gradient": "linear", "x1": x1, "y1": y1, "x2": x2, "y2": y2, "stops": stops}

    @property
    def description(self) -> str:
        """How the fill looks, in words, for captions."""
        if not self.hatch:
            return "gris foncé" if self.colour == OTHER_NO_VALUE_FILL.colour else "gris"
        return {
            "diagonal": "hachures obliques",
            "antidiagonal": "hachures obliques inversées",
            "horizontal": "hachures horizontales",
        }[self.hatch]


# The fill of an area without a value, by reason (the status of its figure); every one is at least 3:1 against the
# lightest class colour and the base fill (tests/charts/test_maps.py computes the WCAG ratios).
NO_VALUE_FILLS: dict[str, Fill] = {
    "secret": Fill("#4d4d4d", "diagonal"),
    "incomplete": Fill("#4d4d4d", "antidiagonal"),
    "absent": Fill("#4d4d4d", "horizontal"),
    "missing": Fill("#7f7f7f"),
}
OTHER_NO_VALUE_FILL = Fill("#595959")


def no_value_fill(reason: str) -> Fill:
    return NO_VALUE_FILLS.get(reason, OTHER_NO_VALUE_FILL)


@dataclasses.dataclass
class MapArea:
    code: str
    name: str
    geometry: dict
    category: str = ""
    value: float | None = None
    label: str = ""
    # Why the area has no value (a key of NO_VALUE_FILLS, the status of its figure); empty when it has one.
    reason: str = ""
    # The figure rests on a small number ("effectif faible"): drawn with a dashed outline.
    small_number: bool = False


def _with_reasons(areas: list[MapArea]) -> list[MapArea]:
    """The areas, one without a value and without a reason given as "missing"."""
    return [dataclasses.replace(a, reason="missing") if a.value is None and not a.reason else a for a in areas]


@dataclasses.dataclass(frozen=True)
class Reference:
    """A territory's value marked on the legend, e.g. the EPCI's 19,4 %."""

    name: str
    value: float | None
    display: str


def _feature_collection(areas: list[MapArea]) -> list[dict]:
    return [
        {
            "type": "Feature",
            "geometry": area.geometry,
            "properties": {
                "code": area.code,
                "nom": area.name,
                "categorie": area.category,
                "valeur": area.value,
                "libelle": area.label or area.category,
                "raison": area.reason,
                "effectif_faible": area.small_number,
            },
        }
        for area in areas
        if area.geometry
    ]


def _base(title: str, description: str, width: int, height: int) -> dict:
    return {
        "title": {"text": title, "font": FONT, "fontSize": 15, "anchor": "start"},
        "description": description,
        "width": width,
        "height": height,
    }


# The areas' GeoJSON features travel as a named dataset added to the spec after Altair has built it: Altair walks
# and validates every inline value when it writes a spec, which cost most of a map page's time (a few thousand
# coordinates per commune).
AREAS = "communes"


def _spec(chart: alt.TopLevelMixin, features: list[dict]) -> dict:
    spec = chart.to_dict(validate=False)
    spec.setdefault("datasets", {})[AREAS] = features
    spec["config"] = {"view": {"stroke": None}, "font": FONT}
    return spec


def categorical_map(
    *,
    areas: list[MapArea],
    title: str,
    description: str,
    categories: list[tuple[str, str]],
    legend_title: str,
    source: str,
    width: int = 640,
    height: int = 460,
    area_title: str = "Commune",
) -> dict:
    """Areas coloured by a category (e.g. engaged / not engaged). `categories` is [(label, colour)]; `area_title`
    names what an area is in its tooltip."""
    chart = (
        alt.Chart(alt.Data(name=AREAS), **_base(title, description, width, height))
        .mark_geoshape(stroke=STROKE_COLOUR, strokeWidth=0.7)
        .encode(
            color=alt.Color(
                "properties.categorie:N",
                title=legend_title,
                scale=alt.Scale(domain=[c[0] for c in categories], range=[c[1] for c in categories]),
                legend=alt.Legend(orient="bottom", labelFont=FONT, titleFont=FONT, labelLimit=400),
            ),
            tooltip=[
                alt.Tooltip("properties.nom:N", title=area_title),
                alt.Tooltip("properties.code:N", title="Code INSEE" if area_title == "Commune" else "Code"),
                alt.Tooltip("properties.categorie:N", title=legend_title),
            ],
        )
        .project(type="mercator")
        .properties(
            title=alt.TitleParams(
                text=title, subtitle=f"Source : {source}", font=FONT, subtitleFont=FONT, anchor="start"
            )
        )
    )
    return _spec(chart, _feature_collection(areas))


def _title(title: str, source: str) -> alt.TitleParams:
    return alt.TitleParams(text=title, subtitle=f"Source : {source}", font=FONT, subtitleFont=FONT, anchor="start")


def _tooltip(value_title: str) -> list:
    return [
        alt.Tooltip("properties.nom:N", title="Commune"),
        alt.Tooltip("properties.libelle:N", title=value_title),
    ]


def _filtered(base: alt.Chart, expression: str) -> alt.Chart:
    return base.transform_filter(expression)


def _no_value_layers(base: alt.Chart, areas: list[MapArea], value_title: str) -> list[alt.Chart]:
    """One layer per reason present (its own fill: Vega scales cannot hold a hatch), then the dashed outlines."""
    layers = []
    for reason in dict.fromkeys(a.reason for a in areas if a.reason):
        layers.append(
            _filtered(base, f"datum.properties.raison == {_js(reason)}")
            .mark_geoshape(fill=no_value_fill(reason).paint(), stroke="#666666", strokeWidth=0.5)
            .encode(tooltip=_tooltip(value_title))
        )
    if any(a.small_number for a in areas):
        layers.append(
            _filtered(base, "datum.properties.effectif_faible")
            .mark_geoshape(fill=None, filled=False, stroke="#000000", strokeWidth=1.6, strokeDash=SMALL_NUMBER_DASH)
            .encode(tooltip=_tooltip(value_title))
        )
    return layers


def _js(text: str) -> str:
    """A Vega expression string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _reason_entries(areas: list[MapArea], reasons: Mapping[str, str]) -> list[tuple[str, str]]:
    """(reason, legend label with its count) for each reason present, in the order of `reasons` then of areas."""
    counts: dict[str, int] = {}
    for area in areas:
        if area.reason:
            counts[area.reason] = counts.get(area.reason, 0) + 1
    order = [r for r in reasons if r in counts] + [r for r in counts if r not in reasons]
    return [(r, f"{reasons.get(r, r)} : {counted(counts[r], 'commune')}") for r in order]


class _Legend:
    """The legend panel drawn under a map: columns of titled rows, each a symbol and a text, in pixels."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.bottom = 0.0

    def title(self, x: float, y: float, text: str) -> None:
        self.items.append({"type": "texte", "x": x, "y": y, "texte": text, "gras": True})
        self.bottom = max(self.bottom, y + LEGEND_ROW / 2)

    def row(self, x: float, y: float, text: str, *, symbol: str = "", **symbol_fields: Any) -> None:
        if symbol:
            self.items.append({"type": symbol, "x": x + 7, "y": y, **symbol_fields})
        self.items.append({"type": "texte", "x": x + (20 if symbol else 0), "y": y, "texte": text, "gras": False})
        self.bottom = max(self.bottom, y + LEGEND_ROW / 2)

    def chart(self, width: int, hatches: list[str]) -> LayeredChart:
        data = alt.Data(values=self.items)
        base = alt.Chart(data).encode(x=alt.X("x:Q", scale=None, axis=None), y=alt.Y("y:Q", scale=None, axis=None))
        of_type = "datum.type == {}".format
        layers = [
            base.transform_filter(of_type("'carre'"))
            .mark_square(size=150, opacity=1, stroke="#666666", strokeWidth=0.5)
            # Raw colours: the swatch is the area's own fill.
            .encode(fill=alt.Fill("couleur:N", scale=None)),
            base.transform_filter(of_type("'effectif_faible'")).mark_square(
                size=150, opacity=1, fill="#ffffff", stroke="#000000", strokeWidth=1.6, strokeDash=SMALL_NUMBER_DASH
            ),
            base.transform_filter(of_type("'cercle'"))
            .mark_circle(fill=CIRCLE_COLOUR, fillOpacity=0.7, stroke="#ffffff", strokeWidth=1)
            # Raw areas in square pixels, the same as the map's circles.
            .encode(size=alt.Size("aire:Q", scale=None)),
            base.transform_filter("datum.type == 'texte' && !datum.gras")
            .mark_text(align="left", baseline="middle", font=FONT, fontSize=MIN_FONT_SIZE)
            .encode(text="texte:N"),
            base.transform_filter("datum.type == 'texte_centre'")
            .mark_text(align="center", baseline="middle", font=FONT, fontSize=MIN_FONT_SIZE)
            .encode(text="texte:N"),
            base.transform_filter("datum.type == 'texte' && datum.gras")
            .mark_text(align="left", baseline="middle", font=FONT, fontSize=MIN_FONT_SIZE, fontWeight="bold")
            .encode(text="texte:N"),
        ]
        for reason in hatches:
            layers.append(
                base.transform_filter(f"datum.type == 'hachure' && datum.raison == {_js(reason)}").mark_square(
                    size=150,
                    opacity=1,
                    fill=no_value_fill(reason).paint(stripes=3),
                    stroke="#666666",
                    strokeWidth=0.5,
                )
            )
        return alt.layer(*layers).properties(width=width, height=int(self.bottom) + 4)

    def no_value_column(self, x: float, y: float, areas: list[MapArea], reasons: Mapping[str, str]) -> list[str]:
        """Rows naming why areas have no value, with their fill, then the small-number outline; hatched reasons."""
        entries = _reason_entries(areas, reasons)
        flagged = sum(1 for a in areas if a.small_number)
        if not entries and not flagged:
            return []
        if entries:
            self.title(x, y, "Sans valeur")
        hatches = []
        for reason, label in entries:
            y += LEGEND_ROW
            fill = no_value_fill(reason)
            if fill.hatch:
                hatches.append(reason)
                self.row(x, y, label, symbol="hachure", raison=reason)
            else:
                self.row(x, y, label, symbol="carre", couleur=fill.colour)
        if flagged:
            y += LEGEND_ROW * 1.5 if entries else 0
            self.title(x, y, "À lire avec prudence")
            y += LEGEND_ROW
            self.row(x, y, f"{SMALL_NUMBER_LABEL} : {counted(flagged, 'commune')}", symbol="effectif_faible")
        return hatches


def _with_legend(
    *,
    map_chart: LayeredChart,
    legend: "_Legend",
    areas: list[MapArea],
    reasons: Mapping[str, str],
    width: int,
    features: list[dict],
    title: str,
    source: str,
    description: str,
) -> dict:
    """The map over its legend panel, whose right column names the reasons communes have no value."""
    hatches = legend.no_value_column(LEGEND_COLUMN, 8, areas, reasons)
    panel = legend.chart(width, hatches)
    chart = alt.vconcat(map_chart, panel, spacing=6).properties(title=_title(title, source), description=description)
    return _spec(chart, features)


def choropleth_map(
    *,
    areas: list[MapArea],
    title: str,
    description: str,
    legend_title: str,
    source: str,
    classes: Classes,
    format_value: Callable[[Decimal], str],
    reasons: Mapping[str, str],
    reference: Reference | None = None,
    width: int = 640,
    height: int = 460,
) -> dict:
    """Areas coloured by the class of their value; the legend states the classes, their method and the class of
    `reference`; areas without a value are drawn with the fill of their `reason` (legend labels in `reasons`)."""
    areas = _with_reasons(areas)
    palette = CLASS_PALETTES[len(classes.classes)]
    features = _feature_collection(areas)
    for feature in features:
        value = feature["properties"]["valeur"]
        index = classes.index_of(value) if value is not None and not feature["properties"]["raison"] else None
        feature["properties"]["couleur"] = palette[index] if index is not None else None
    base = alt.Chart(alt.Data(name=AREAS)).project(type="mercator")
    valued = (
        _filtered(base, "datum.properties.couleur != null")
        .mark_geoshape(stroke=STROKE_COLOUR, strokeWidth=0.7)
        .encode(fill=alt.Fill("properties.couleur:N", scale=None), tooltip=_tooltip(legend_title))
    )
    map_chart = alt.layer(valued, *_no_value_layers(base, areas, legend_title)).properties(width=width, height=height)

    legend = _Legend()
    legend.title(0, 8, f"{legend_title} : {classes.method_label}")
    marked = None
    if reference is not None and reference.value is not None:
        marked = classes.index_of(reference.value)
    y = 8.0
    for index, value_class in enumerate(classes.classes):
        y += LEGEND_ROW
        label = value_class.label(format_value)
        if index == marked and reference is not None:
            label = f"{label}   ◀ {reference.name} : {reference.display}"
        legend.row(0, y, label, symbol="carre", couleur=palette[index])
    if reference is not None and marked is None:
        y += LEGEND_ROW
        legend.row(0, y, f"{reference.name} : {reference.display}")
    return _with_legend(
        map_chart=map_chart,
        legend=legend,
        areas=areas,
        reasons=reasons,
        width=width,
        features=features,
        title=title,
        source=source,
        description=description,
    )


def centroid(geometry: dict) -> tuple[float, float] | None:
    """(longitude, latitude) of the area's centroid, or of a point inside it when the centroid falls outside."""
    area = shape(geometry)
    if area.is_empty:
        return None
    point = area.centroid
    if not area.contains(point):
        point = area.representative_point()
    return point.x, point.y


def circle_area(value: float, maximum: float) -> float:
    """The circle's area in square pixels: proportional to the value, MAX_CIRCLE_AREA for the largest."""
    return MAX_CIRCLE_AREA * value / maximum if maximum > 0 and value > 0 else 0.0


def legend_values(maximum: float) -> list[float]:
    """Round values for the legend's circles: the largest 1, 2 or 5 × 10^k not above the maximum, a quarter and
    a sixteenth of it (rounded the same way), without repeats."""

    def round_down(value: float) -> float:
        if value <= 0:
            return 0.0
        power = 10 ** math.floor(math.log10(value))
        return max(step * power for step in (1, 2, 5) if step * power <= value)

    top = round_down(maximum)
    values = [v for v in dict.fromkeys([top, round_down(top / 4), round_down(top / 16)]) if v > 0]
    return values


def proportional_circle_map(
    *,
    areas: list[MapArea],
    title: str,
    description: str,
    legend_title: str,
    source: str,
    format_value: Callable[[float], str],
    reasons: Mapping[str, str],
    reference: Reference | None = None,
    width: int = 640,
    height: int = 460,
) -> dict:
    """A circle at each area's centroid whose area is proportional to its value, over the areas' outlines; areas
    without a value are drawn with the fill of their `reason`, and have no circle."""
    areas = _with_reasons(areas)
    features = _feature_collection(areas)
    base = alt.Chart(alt.Data(name=AREAS)).project(type="mercator")
    outlines = (
        _filtered(base, "!datum.properties.raison")
        .mark_geoshape(fill=BASE_FILL, stroke=OUTLINE_COLOUR, strokeWidth=0.6)
        .encode(tooltip=_tooltip(legend_title))
    )
    maximum = max((a.value for a in areas if a.value is not None and not a.reason), default=0.0)
    points: list[dict[str, Any]] = []
    for area in areas:
        if area.value is None or area.reason or not area.geometry:
            continue
        position = centroid(area.geometry)
        if position is None or circle_area(area.value, maximum) == 0:
            continue
        points.append(
            {
                "longitude": position[0],
                "latitude": position[1],
                "aire": circle_area(area.value, maximum),
                "nom": area.name,
                "libelle": area.label,
            }
        )
    # The largest first, so that a small circle is drawn over a large one, never hidden under it.
    points.sort(key=lambda p: -p["aire"])
    circles = (
        alt.Chart(alt.Data(values=points))
        .mark_circle(fill=CIRCLE_COLOUR, fillOpacity=0.7, stroke="#ffffff", strokeWidth=1)
        .encode(
            longitude="longitude:Q",
            latitude="latitude:Q",
            # Raw areas in square pixels: the area is proportional to the value (circle_area).
            size=alt.Size("aire:Q", scale=None),
            tooltip=[alt.Tooltip("nom:N", title="Commune"), alt.Tooltip("libelle:N", title=legend_title)],
        )
    )
    map_chart = alt.layer(outlines, *_no_value_layers(base, areas, legend_title), circles).properties(
        width=width, height=height
    )

    legend = _Legend()
    legend.title(0, 8, f"{legend_title} : cercles de surface proportionnelle")
    radius = math.sqrt(MAX_CIRCLE_AREA / math.pi)
    x = radius + 2
    bottom = 8 + LEGEND_ROW / 2 + 2 * radius + 4
    for value in legend_values(maximum):
        size = circle_area(value, maximum)
        legend.items.append({"type": "cercle", "x": x, "y": bottom - math.sqrt(size / math.pi), "aire": size})
        legend.items.append(
            {"type": "texte_centre", "x": x, "y": bottom + 10, "texte": format_value(value), "gras": False}
        )
        x += 2 * radius + 24
    legend.bottom = bottom + 10 + LEGEND_ROW / 2
    y = bottom + 10
    if reference is not None:
        y += LEGEND_ROW
        legend.row(0, y, f"{reference.name} : {reference.display}")
    zeros = sum(1 for a in areas if a.value is not None and not a.reason and a.value <= 0)
    if zeros:
        y += LEGEND_ROW
        legend.row(0, y, f"Sans cercle, valeur nulle : {counted(zeros, 'commune')}")
    return _with_legend(
        map_chart=map_chart,
        legend=legend,
        areas=areas,
        reasons=reasons,
        width=width,
        features=features,
        title=title,
        source=source,
        description=description,
    )
