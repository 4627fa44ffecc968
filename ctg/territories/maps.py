"""Maps of territories: an EPCI's communes, one commune highlighted within its EPCI."""

from ctg.charts.maps import BACKGROUND_COLOUR, HIGHLIGHT_COLOUR, MapArea, categorical_map, proportional_circle_map
from ctg.core.formatting import format_number

BOUNDARY_SOURCE = "IGN Admin Express COG 2018 (france-geojson), référentiel COG 2026"


def epci_population_map_spec(*, epci, communes) -> dict | None:
    areas = [
        MapArea(
            code=c.code,
            name=c.name,
            geometry=c.geometry,
            value=c.population,
            label=format_number(c.population, 0) if c.population is not None else "non disponible",
        )
        for c in communes
        if c.geometry
    ]
    if not areas:
        return None
    years = sorted({c.population_year for c in communes if c.population_year})
    vintage = f"RP{years[-1]}" if years else "millésime non précisé"
    # A count: circles of area proportional to the population, over the communes' outlines.
    return proportional_circle_map(
        areas=areas,
        title=f"{epci.name} : population municipale par commune",
        description=(
            f"Carte des {len(communes)} communes de {epci.name} : un cercle par commune, de surface proportionnelle "
            "à sa population municipale."
        ),
        legend_title="Habitants",
        source=f"INSEE {vintage} ; contours {BOUNDARY_SOURCE}",
        format_value=lambda value: format_number(value, 0),
        reasons={"missing": "Population non disponible"},
    )


def commune_in_epci_map_spec(*, commune, neighbours) -> dict | None:
    label = commune.name
    other = "Autres communes de l'EPCI" if commune.epci_id else "Autres communes"
    areas = [
        MapArea(code=c.code, name=c.name, geometry=c.geometry, category=label if c.code == commune.code else other)
        for c in neighbours
        if c.geometry
    ]
    if not any(a.code == commune.code for a in areas):
        return None
    where = commune.epci.name if commune.epci_id else commune.departement.name
    return categorical_map(
        areas=areas,
        title=f"{commune.name} dans {where}",
        description=f"Carte situant la commune de {commune.name} parmi les communes de {where}.",
        categories=[(label, HIGHLIGHT_COLOUR), (other, BACKGROUND_COLOUR)],
        legend_title="Commune",
        source=BOUNDARY_SOURCE,
    )
