"""Map of a convention's territory: the EPCI's communes, the engaged ones distinguished."""

from ctg.charts.maps import BACKGROUND_COLOUR, HIGHLIGHT_COLOUR, MapArea, categorical_map

ENGAGED = "Commune engagée dans la CTG"
NOT_ENGAGED = "Autre commune de l'EPCI"
BOUNDARY_SOURCE = "IGN Admin Express COG 2018 (france-geojson), référentiel COG 2026"


def engaged_communes_map_spec(*, convention, communes, engaged_codes) -> dict | None:
    areas = [
        MapArea(
            code=c.code, name=c.name, geometry=c.geometry, category=ENGAGED if c.code in engaged_codes else NOT_ENGAGED
        )
        for c in communes
        if c.geometry
    ]
    if not areas:
        return None
    return categorical_map(
        areas=areas,
        title=f"{convention.epci.name} : communes engagées dans la CTG",
        description=(
            f"Carte des {len(communes)} communes de {convention.epci.name}, dont {len(engaged_codes)} "
            "engagées dans la convention, distinguées par la couleur."
        ),
        categories=[(ENGAGED, HIGHLIGHT_COLOUR), (NOT_ENGAGED, BACKGROUND_COLOUR)],
        legend_title="Statut",
        source=BOUNDARY_SOURCE,
    )
