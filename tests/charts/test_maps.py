"""Map specs: fills of areas without a value readable against the classes (WCAG 3:1), classes stated, circles
whose area is proportional to the value."""

import dataclasses
import json
from decimal import Decimal

import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema.core import load_schema
from shapely.geometry import Point, shape

from ctg.charts.classes import FIXED, QUANTILES, make_classes, quantile_breaks
from ctg.charts.maps import (
    AREAS,
    BASE_FILL,
    CLASS_PALETTES,
    NO_VALUE_FILLS,
    OTHER_NO_VALUE_FILL,
    MapArea,
    Reference,
    categorical_map,
    centroid,
    choropleth_map,
    circle_area,
    legend_values,
    proportional_circle_map,
)
from ctg.charts.render import render_png, render_svg


def relative_luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of an sRGB colour "#rrggbb"."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted([relative_luminance(first), relative_luminance(second)], reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_ratio_of_known_pairs():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("fill", [*NO_VALUE_FILLS.values(), OTHER_NO_VALUE_FILL], ids=str)
def test_no_value_fills_contrast_3_to_1_with_the_lightest_class(fill):
    # The lightest fill a commune with a value can have: the first class of every palette, or the base fill of
    # the communes under circles.
    lightest = [palette[0] for palette in CLASS_PALETTES.values()] + [BASE_FILL]
    assert min(contrast_ratio(fill.colour, colour) for colour in lightest) >= 3.0
    # Against #deebf7, the lightest class of 1 to 3 classes: the hatches' stripes (#4d4d4d) reach 7.0:1, the
    # plain grey of "non disponible" (#7f7f7f) 3.3:1.
    assert contrast_ratio(fill.colour, "#deebf7") >= 3.0


def test_no_value_fills_differ_by_reason():
    looks = {(f.colour, f.hatch) for f in NO_VALUE_FILLS.values()} | {(OTHER_NO_VALUE_FILL.colour, "")}
    assert len(looks) == len(NO_VALUE_FILLS) + 1
    assert NO_VALUE_FILLS["secret"].hatch and NO_VALUE_FILLS["incomplete"].hatch


def test_quantile_breaks_of_ten_values():
    # Ranks 10·k/5 = 2, 4, 6, 8 (from 0) of 1..10: the breaks 3, 5, 7, 9.
    assert quantile_breaks([Decimal(v) for v in range(1, 11)], 5) == [3, 5, 7, 9]


def test_classes_compare_rounded_values_and_state_their_method():
    classes = make_classes([10.04, 12.0, 14.0, 16.0, 18.0, 20.0], decimals=1, count=3)
    assert classes is not None and classes.method == QUANTILES
    assert [(c.lower, c.upper) for c in classes.classes] == [
        (Decimal("10.0"), Decimal("14.0")),
        (Decimal("14.0"), Decimal("18.0")),
        (Decimal("18.0"), Decimal("20.0")),
    ]
    # 13.96 prints "14,0": it is drawn in the class that starts at 14,0, as the table reads it.
    assert classes.index_of(13.96) == 1
    assert classes.index_of(20.0) == 2  # the maximum belongs to the last class
    assert classes.index_of(25.0) is None
    labels = [c.label(lambda v: f"{v} %") for c in classes.classes]
    assert labels == ["de 10.0 % à moins de 14.0 %", "de 14.0 % à moins de 18.0 %", "de 18.0 % à 20.0 %"]
    fixed = make_classes([1.0, 5.0, 9.0], decimals=0, fixed=[3, 6])
    assert fixed is not None and fixed.method == FIXED and len(fixed.classes) == 3
    assert make_classes([], decimals=1) is None
    single = make_classes([4.0, 4.0], decimals=1)
    assert single is not None and len(single.classes) == 1 and single.index_of(4.0) == 0


def square(x: float, y: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x, y], [x + 0.1, y], [x + 0.1, y + 0.1], [x, y + 0.1], [x, y]]]}


def areas_with_reasons() -> list[MapArea]:
    areas = [
        MapArea(code=f"760{i:02d}", name=f"Commune {i}", geometry=square(i * 0.1, 0), value=float(i), label=str(i))
        for i in range(1, 9)
    ]
    areas[0].small_number = True
    areas += [
        MapArea(code="76090", name="Secrète", geometry=square(0, 0.2), reason="secret", label="secret statistique"),
        MapArea(code="76091", name="Absente", geometry=square(0.1, 0.2), reason="absent"),
        MapArea(code="76092", name="Incomplète", geometry=square(0.2, 0.2), reason="incomplete"),
        MapArea(code="76093", name="Sans raison", geometry=square(0.3, 0.2)),  # drawn as "missing"
    ]
    return areas


REASONS = {
    "secret": "Secret statistique",
    "absent": "Absente du fichier",
    "incomplete": "Incomplet",
    "missing": "Non disponible",
}


def layers_of(spec: dict) -> list[dict]:
    return spec["vconcat"][0]["layer"]


def legend_texts(spec: dict) -> list[str]:
    return [item["texte"] for item in spec["vconcat"][1]["data"]["values"] if item["type"].startswith("texte")]


def test_choropleth_states_classes_marks_the_reference_and_names_reasons():
    areas = areas_with_reasons()
    classes = make_classes([a.value for a in areas if a.value is not None], decimals=0, count=4)
    assert classes is not None
    spec = choropleth_map(
        areas=areas,
        title="Part",
        description="Carte",
        legend_title="En %",
        source="INSEE",
        classes=classes,
        format_value=lambda v: f"{v} %",
        reasons=REASONS,
        reference=Reference(name="EPCI", value=4.2, display="4,2 %"),
    )
    texts = legend_texts(spec)
    assert texts[0] == "En % : classes par quantiles (effectifs égaux)"
    assert "de 3 % à moins de 5 %   ◀ EPCI : 4,2 %" in texts
    assert {
        "Secret statistique : 1 commune",
        "Absente du fichier : 1 commune",
        "Incomplet : 1 commune",
        "Non disponible : 1 commune",
        "Effectif faible (contour en tirets) : 1 commune",
    } <= set(texts)
    layers = layers_of(spec)
    # Valued areas are filled with their class colour, each reason with its own fill, small numbers outlined.
    assert layers[0]["encoding"]["fill"] == {"field": "properties.couleur", "scale": None, "type": "nominal"}
    features = spec["datasets"][AREAS]
    colours = {f["properties"]["code"]: f["properties"]["couleur"] for f in features}
    assert colours["76001"] == CLASS_PALETTES[4][0] and colours["76008"] == CLASS_PALETTES[4][3]
    assert colours["76090"] is None
    hatched = [layer for layer in layers if isinstance(layer["mark"].get("fill"), dict)]
    assert len(hatched) == 3  # secret, absent, incomplete
    assert any(layer["mark"].get("strokeDash") for layer in layers)
    svg = render_svg(spec)
    assert "linearGradient" in svg and "Secret statistique : 1 commune" in svg


def test_reference_outside_the_classes_has_its_own_legend_line():
    areas = areas_with_reasons()[:8]
    classes = make_classes([a.value for a in areas if a.value is not None], decimals=0)
    assert classes is not None
    spec = choropleth_map(
        areas=areas,
        title="Médiane",
        description="Carte",
        legend_title="En €",
        source="INSEE",
        classes=classes,
        format_value=str,
        reasons=REASONS,
        reference=Reference(name="EPCI", value=None, display="non disponible"),
    )
    texts = legend_texts(spec)
    assert "EPCI : non disponible" in texts
    assert not any("◀" in t for t in texts)
    assert "Sans valeur" not in texts


def test_circle_area_is_proportional_to_the_value():
    assert circle_area(500, 1000) == pytest.approx(circle_area(1000, 1000) / 2)
    assert circle_area(0, 1000) == 0
    assert legend_values(11_618) == [10_000, 2_000, 500]
    assert legend_values(734) == [500, 100, 20]


def test_centroid_falls_inside_the_area():
    # A U-shaped commune: its centroid lies in the notch, outside; a point inside is taken instead.
    u_shape = {
        "type": "Polygon",
        "coordinates": [[[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3], [0, 0]]],
    }
    x, y = centroid(u_shape)
    assert shape(u_shape).contains(Point(x, y))
    assert centroid(square(0, 0)) == pytest.approx((0.05, 0.05))


def test_proportional_circles_over_outlines():
    areas = areas_with_reasons()
    spec = proportional_circle_map(
        areas=areas,
        title="Population",
        description="Carte",
        legend_title="Habitants",
        source="INSEE",
        format_value=lambda v: f"{v:.0f}",
        reasons=REASONS,
        reference=Reference(name="EPCI", value=36, display="36 habitants"),
    )
    layers = layers_of(spec)
    circles = [layer for layer in layers if layer["mark"]["type"] == "circle"]
    assert len(circles) == 1
    points = circles[0]["data"]["values"]
    assert len(points) == 8  # the communes with a value
    by_name = {p["nom"]: p["aire"] for p in points}
    assert by_name["Commune 4"] == pytest.approx(by_name["Commune 8"] / 2)
    assert [p["aire"] for p in points] == sorted((p["aire"] for p in points), reverse=True)
    # No fill by value: outlines are one light fill, reasons their own.
    assert not any("fill" in layer.get("encoding", {}) for layer in layers)
    assert all(layer["mark"].get("fill") != "properties.valeur" for layer in layers)
    texts = legend_texts(spec)
    assert "Habitants : cercles de surface proportionnelle" in texts
    assert "EPCI : 36 habitants" in texts and "Secret statistique : 1 commune" in texts
    assert render_png(spec).startswith(b"\x89PNG")
    assert "Secret" in json.dumps(spec, ensure_ascii=False)


def test_every_kind_of_map_is_valid_vega_lite():
    """Altair does not check the specs as it builds them (ctg/charts/maps.py): each kind of map is checked here
    against the Vega-Lite schema, datasets and configuration included, as vl-convert receives it."""
    areas = areas_with_reasons()
    classes = make_classes([a.value for a in areas if a.value is not None], decimals=0, count=4)
    common = {"title": "Carte", "description": "Carte", "legend_title": "Légende", "source": "INSEE"}
    reference = Reference(name="EPCI", value=4.2, display="4,2")
    drawn = {"format_value": lambda v: f"{v}", "reasons": REASONS, "reference": reference}
    specs = [
        choropleth_map(areas=areas, classes=classes, **common, **drawn),
        proportional_circle_map(areas=areas, **common, **drawn),
        categorical_map(
            areas=[dataclasses.replace(a, category="engagée") for a in areas],
            categories=[("engagée", "#1f4e79"), ("non engagée", "#d9d9d9")],
            **common,
        ),
    ]
    schema = load_schema()
    for spec in specs:
        assert validate_jsonschema(spec, schema, raise_error=False) is None
    # A spec Vega-Lite refuses is found: the check can fail.
    broken = {**specs[0], "vconcat": [{**specs[0]["vconcat"][0], "mark": "cercle"}]}
    assert validate_jsonschema(broken, schema, raise_error=False) is not None
