"""Attach GeoJSON boundaries to communes and départements, and derive EPCI outlines from their communes.

Accepts a FeatureCollection (or a single Feature) whose properties carry `code` and `nom`, as published by
france-geojson (IGN Admin Express). Codes absent from the current referential (communes merged since the
boundaries' vintage) are reported and skipped.
"""

import dataclasses
from pathlib import Path
from typing import TypeVar

from django.db import transaction
from shapely.geometry import mapping, shape
from shapely.ops import unary_union

from ctg.territories.importers import ReferentialImportError, load_json
from ctg.territories.models import EPCI, Commune, Departement

COORDINATE_PRECISION = 5


@dataclasses.dataclass
class BoundaryCounts:
    attached: int = 0
    unchanged: int = 0
    unknown_codes: list[str] = dataclasses.field(default_factory=list)
    epci_outlines: int = 0


def _round_coordinates(value):
    if isinstance(value, float):
        return round(value, COORDINATE_PRECISION)
    if isinstance(value, list | tuple):
        return [_round_coordinates(v) for v in value]
    return value


def _features(data, file_name: str) -> list[dict]:
    if isinstance(data, dict) and data.get("type") == "FeatureCollection" and isinstance(data.get("features"), list):
        return data["features"]
    if isinstance(data, dict) and data.get("type") == "Feature":
        return [data]
    raise ReferentialImportError(f"{file_name} : une FeatureCollection ou une Feature GeoJSON est attendue.")


def parse_boundaries(path: Path) -> dict[str, dict]:
    path = Path(path)
    geometries = {}
    for i, feature in enumerate(_features(load_json(path), path.name)):
        properties = feature.get("properties") or {}
        code = properties.get("code")
        if not isinstance(code, str) or not code:
            raise ReferentialImportError(
                f"{path.name}, entité n° {i + 1} : la propriété « code » est absente ou n'est pas une chaîne."
            )
        geometry = feature.get("geometry")
        if not isinstance(geometry, dict) or geometry.get("type") not in {"Polygon", "MultiPolygon"}:
            raise ReferentialImportError(
                f"{path.name}, entité n° {i + 1} (code {code}) : géométrie absente ou d'un type non surfacique."
            )
        try:
            shape(geometry)
        except (ValueError, TypeError, IndexError, AttributeError) as exc:
            raise ReferentialImportError(
                f"{path.name}, entité n° {i + 1} (code {code}) : coordonnées invalides ({exc})."
            ) from None
        geometries[code] = {"type": geometry["type"], "coordinates": geometry["coordinates"]}
    return geometries


def epci_outline(geometries: list[dict]) -> dict:
    merged = unary_union([shape(g).buffer(0) for g in geometries])
    # A small buffer closes the slivers left between simplified neighbouring communes.
    merged = merged.buffer(0.0005).buffer(-0.0005).simplify(0.0005)
    outline = mapping(merged)
    return {"type": outline["type"], "coordinates": _round_coordinates(outline["coordinates"])}


Bounded = TypeVar("Bounded", Commune, Departement)


def _attach(model: type[Bounded], geometries: dict, counts: "BoundaryCounts") -> list[Bounded]:
    """Give each known territory its new geometry; count the unknown codes and the unchanged ones."""
    existing = {obj.pk: obj for obj in model.objects.filter(pk__in=list(geometries))}
    changed = []
    for code, geometry in geometries.items():
        obj = existing.get(code)
        if obj is None:
            counts.unknown_codes.append(code)
        elif obj.geometry == geometry:
            counts.unchanged += 1
        else:
            obj.geometry = geometry
            changed.append(obj)
    model.objects.bulk_update(changed, ["geometry"], batch_size=500)
    return changed


@transaction.atomic
def import_boundaries(path: Path, *, level: str = "commune") -> BoundaryCounts:
    geometries = parse_boundaries(path)
    counts = BoundaryCounts()
    if level == "commune":
        counts.attached = len(_attach(Commune, geometries, counts))
    elif level == "departement":
        counts.attached = len(_attach(Departement, geometries, counts))
    else:
        raise ValueError(f"Unknown boundary level: {level}")
    counts.unknown_codes.sort()
    if level == "commune":
        counts.epci_outlines = epci_outlines_refresh(
            epci_sirens=set(Commune.objects.filter(pk__in=list(geometries)).values_list("epci_id", flat=True))
        )
    return counts


def epci_outlines_refresh(*, epci_sirens: set[str | None]) -> int:
    """Derive each EPCI outline from its communes, only when every member commune has a boundary."""
    refreshed = 0
    for epci in EPCI.objects.filter(pk__in=[s for s in epci_sirens if s]):
        shapes = list(epci.communes.values_list("geometry", flat=True))
        if not shapes or any(g is None for g in shapes):
            continue
        outline = epci_outline([shape for shape in shapes if shape is not None])
        if epci.geometry != outline:
            epci.geometry = outline
            epci.save(update_fields=["geometry"])
            refreshed += 1
    return refreshed
