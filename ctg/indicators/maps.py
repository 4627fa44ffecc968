"""Choropleth of one indicator over the communes of an EPCI."""

from ctg.charts.maps import MapArea, choropleth_map

BOUNDARY_SOURCE = "contours IGN Admin Express COG 2018"


def indicator_map_spec(*, epci, data: dict) -> dict | None:
    indicator = data["indicator"]
    areas = [
        MapArea(
            code=c["code"],
            name=c["name"],
            geometry=c["geometry"],
            value=c["cell"]["value"] if c["cell"]["status"] == "ok" else None,
            label=c["cell"]["display"],
        )
        for c in data["communes"]
        if c["geometry"]
    ]
    if not areas or not indicator["available"]:
        return None
    title = f"{indicator['label']}, {indicator['period']}"
    description = (
        f"Carte de l'indicateur « {indicator['label']} » pour les {len(areas)} communes de {epci.name} "
        f"({indicator['period']}). Les communes en gris n'ont pas de valeur : secret statistique ou donnée "
        "non disponible. Le tableau des communes donne les mêmes valeurs."
    )
    decimals = indicator.get("decimals", 1)
    return choropleth_map(
        areas=areas,
        title=title,
        description=description,
        legend_title=indicator["unit"].capitalize() if indicator["unit"] else indicator["label"],
        source=f"{indicator['producer_source']}, données {indicator['period']} ; {BOUNDARY_SOURCE}",
        value_format=f",.{decimals}f",
    )
