"""Map of relais petite enfance coverage: each commune of the EPCI covered, not covered or not documented."""

from typing import Any

from ctg.charts.maps import BACKGROUND_COLOUR, HIGHLIGHT_COLOUR, MapArea, categorical_map
from ctg.conventions.models import Convention
from ctg.core.text import printable
from ctg.offer.enums import CoverageStatus

BOUNDARY_SOURCE = "contours IGN Admin Express COG 2018 (france-geojson)"
NOT_COVERED_COLOUR = "#c8702a"


def relais_coverage_map_spec(*, convention: Convention, coverage: dict[str, Any]) -> dict[str, Any] | None:
    areas = [
        MapArea(code=row["code"], name=row["name"], geometry=row["geometry"], category=row["status_label"])
        for row in coverage["communes"]
        if row["geometry"]
    ]
    if not areas:
        return None
    if coverage["known"]:
        description = (
            f"Carte des {coverage['commune_count']} communes de {convention.epci.name} : "
            f"{coverage['covered_count']} couvertes par un relais petite enfance, "
            f"{coverage['not_covered_count']} non couvertes."
        )
        # Sources are text typed by users: stored text goes into a download through `printable`.
        source = f"registre de l'offre : {printable(coverage['source'])} ; {BOUNDARY_SOURCE}"
    else:
        description = (
            f"Carte des {coverage['commune_count']} communes de {convention.epci.name} : la couverture par un "
            "relais petite enfance n'est renseignée pour aucune commune."
        )
        source = f"aucun relais avec ses communes dans le registre de l'offre ; {BOUNDARY_SOURCE}"
    return categorical_map(
        areas=areas,
        title=f"{convention.epci.name} : couverture par les relais petite enfance",
        description=description,
        categories=[
            (CoverageStatus.COVERED.label, HIGHLIGHT_COLOUR),
            (CoverageStatus.NOT_COVERED.label, NOT_COVERED_COLOUR),
            (CoverageStatus.UNKNOWN.label, BACKGROUND_COLOUR),
        ],
        legend_title="Couverture",
        source=source,
    )
