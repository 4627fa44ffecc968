"""Maps of the steering pages: the EPCI of a département by the state of their convention (the portfolio) and the
actions naming each engaged commune (the dashboard). Each page keeps its table next to the map."""

from typing import Any

from ctg.charts.maps import BACKGROUND_COLOUR, MapArea, Reference, categorical_map, proportional_circle_map
from ctg.charts.render import cached_map_markup
from ctg.core.formatting import counted, format_number
from ctg.steering.portfolio import MAP_CLOSED, MAP_NONE, MAP_PREPARING, MAP_RUNNING

BOUNDARY_SOURCE = "IGN Admin Express COG 2018 (france-geojson), référentiel COG 2026"
PORTFOLIO_CATEGORIES = [
    (MAP_RUNNING, "#1f5fa8"),
    (MAP_PREPARING, "#9ecae1"),
    (MAP_CLOSED, "#595959"),
    (MAP_NONE, BACKGROUND_COLOUR),
]


def portfolio_map_spec(*, departement, territory: list[dict[str, Any]]) -> dict | None:
    """The EPCI of the département coloured by the phase of their latest convention, or as without one."""
    areas = [
        MapArea(code=t["epci"].siren, name=t["epci"].name, geometry=t["epci"].geometry, category=t["category"])
        for t in territory
        if t["epci"].geometry
    ]
    if not areas:
        return None
    counts = {label: sum(1 for t in territory if t["category"] == label) for label, _ in PORTFOLIO_CATEGORIES}
    return categorical_map(
        areas=areas,
        title=f"{departement.name} : les EPCI et leur convention territoriale globale",
        description=(
            f"Carte des EPCI du département {departement.name} ({departement.code}, {len(territory)} EPCI) : "
            + " ; ".join(f"{label.lower()} : {count}" for label, count in counts.items())
            + "."
        ),
        categories=PORTFOLIO_CATEGORIES,
        legend_title="Convention la plus récente",
        source=f"Pilote CTG (conventions enregistrées) ; contours {BOUNDARY_SOURCE}",
        area_title="EPCI",
    )


def actions_per_commune_map_spec(*, convention, per_commune: list[dict[str, Any]]) -> dict | None:
    """A circle per commune of `per_commune` (the engaged communes, or a commune member's own) whose area is
    proportional to the number of actions naming it; those covering every commune are stated in the legend."""
    areas = [
        MapArea(
            code=row["commune"].code,
            name=row["commune"].name,
            geometry=row["commune"].geometry,
            value=row["named"],
            label=format_number(row["named"], 0),
        )
        for row in per_commune
        if row["commune"].geometry
    ]
    if not areas:
        return None
    everywhere = per_commune[0]["everywhere"]
    return proportional_circle_map(
        areas=areas,
        title=f"{convention.epci.name} : actions qui nomment chaque commune",
        description=(
            f"Carte de {counted(len(areas), 'commune')} : un cercle par commune, de surface proportionnelle au "
            f"nombre d'actions du plan qui la nomment ; {counted(everywhere, 'action')} "
            f"couvr{'ent' if everywhere > 1 else 'e'} en plus toutes les communes."
        ),
        legend_title="Actions qui la nomment",
        source=f"plan d'actions de la convention, à la date du jour ; contours {BOUNDARY_SOURCE}",
        format_value=lambda value: format_number(value, 0),
        reasons={"missing": "Nombre non disponible"},
        reference=Reference(
            name="Actions sur toutes les communes (sans cercle)", value=everywhere, display=str(everywhere)
        ),
    )


def portfolio_map(*, departement, territory: list[dict[str, Any]]) -> dict[str, Any]:
    """The portfolio's map as SVG markup and description, built again only when what it shows changes."""
    inputs = [
        "portfolio",
        departement.code,
        departement.name,
        [(t["epci"].siren, t["epci"].name, t["category"], t["epci"].geometry) for t in territory],
    ]
    return cached_map_markup(inputs, lambda: portfolio_map_spec(departement=departement, territory=territory))


def actions_per_commune_map(*, convention, per_commune: list[dict[str, Any]]) -> dict[str, Any]:
    """The dashboard's map as SVG markup and description, built again only when what it shows changes."""
    inputs = [
        "actions_per_commune",
        convention.epci.name,
        [
            (r["commune"].code, r["commune"].name, r["named"], r["everywhere"], r["commune"].geometry)
            for r in per_commune
        ],
    ]
    return cached_map_markup(
        inputs, lambda: actions_per_commune_map_spec(convention=convention, per_commune=per_commune)
    )
