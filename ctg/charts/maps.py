"""Vega-Lite map specs built with Altair. The same spec serves the web page (SVG), PDF and DOCX (PNG).

Every map carries a title and a description; pages show a table alternative next to it.
"""

import dataclasses
from typing import Literal

import altair as alt

FONT = "DejaVu Sans"
HIGHLIGHT_COLOUR = "#1f5fa8"
BACKGROUND_COLOUR = "#d9dde3"
STROKE_COLOUR = "#ffffff"
NO_DATA_COLOUR = "#f2f2f2"
# Vega colour schemes for an ordered value, light to dark.
SequentialScheme = Literal["blues", "greens", "oranges", "purples", "reds", "greys"]


@dataclasses.dataclass
class MapArea:
    code: str
    name: str
    geometry: dict
    category: str = ""
    value: float | None = None
    label: str = ""


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
) -> dict:
    """Areas coloured by a category (e.g. engaged / not engaged). `categories` is [(label, colour)]."""
    data = alt.Data(values=_feature_collection(areas))
    chart = (
        alt.Chart(data, **_base(title, description, width, height))
        .mark_geoshape(stroke=STROKE_COLOUR, strokeWidth=0.7)
        .encode(
            color=alt.Color(
                "properties.categorie:N",
                title=legend_title,
                scale=alt.Scale(domain=[c[0] for c in categories], range=[c[1] for c in categories]),
                legend=alt.Legend(orient="bottom", labelFont=FONT, titleFont=FONT, labelLimit=400),
            ),
            tooltip=[
                alt.Tooltip("properties.nom:N", title="Commune"),
                alt.Tooltip("properties.code:N", title="Code INSEE"),
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
    spec = chart.to_dict()
    spec["config"] = {"view": {"stroke": None}, "font": FONT}
    return spec


def choropleth_map(
    *,
    areas: list[MapArea],
    title: str,
    description: str,
    legend_title: str,
    source: str,
    scheme: SequentialScheme = "blues",
    value_format: str = ",.1f",
    width: int = 640,
    height: int = 460,
) -> dict:
    """Areas coloured by a numeric value; areas without a value (secret, missing) drawn in light grey."""
    data = alt.Data(values=_feature_collection(areas))
    base = alt.Chart(data, **_base(title, description, width, height)).project(type="mercator")
    missing = (
        base.mark_geoshape(fill=NO_DATA_COLOUR, stroke="#999999", strokeWidth=0.5)
        .encode(
            tooltip=[
                alt.Tooltip("properties.nom:N", title="Territoire"),
                alt.Tooltip("properties.libelle:N", title="Valeur"),
            ]
        )
        .transform_filter("datum.properties.valeur == null")
    )
    valued = (
        base.mark_geoshape(stroke=STROKE_COLOUR, strokeWidth=0.7)
        .encode(
            color=alt.Color(
                "properties.valeur:Q",
                title=legend_title,
                scale=alt.Scale(scheme=scheme),
                legend=alt.Legend(
                    orient="bottom", format=value_format, labelFont=FONT, titleFont=FONT, gradientLength=300
                ),
            ),
            tooltip=[
                alt.Tooltip("properties.nom:N", title="Territoire"),
                alt.Tooltip("properties.valeur:Q", title=legend_title, format=value_format),
            ],
        )
        .transform_filter("datum.properties.valeur != null")
    )
    chart = alt.layer(missing, valued).properties(
        title=alt.TitleParams(text=title, subtitle=f"Source : {source}", font=FONT, subtitleFont=FONT, anchor="start"),
        description=description,
        width=width,
        height=height,
    )
    spec = chart.to_dict()
    spec["config"] = {"view": {"stroke": None}, "font": FONT}
    return spec
