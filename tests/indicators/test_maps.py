"""Indicator maps: counts as proportional circles, rates as stated classes with the EPCI's class marked, the
reasons communes have no value named, and no map (its table instead) below half of the communes with a value."""

from types import SimpleNamespace

import pytest

from ctg.indicators import catalogue
from ctg.indicators.maps import (
    MapSummary,
    indicator_map,
    indicator_map_data,
    indicator_map_spec,
    is_count,
    map_summaries,
)

EPCI = SimpleNamespace(name="CA Exemple", siren="200000001")
TERRITORIES = [{"level": "epci", "code": EPCI.siren, "name": EPCI.name}]


def square(i: int) -> dict:
    x, y = (i % 5) * 0.1, (i // 5) * 0.1
    return {"type": "Polygon", "coordinates": [[[x, y], [x + 0.1, y], [x + 0.1, y + 0.1], [x, y + 0.1], [x, y]]]}


def ok(value: float, display: str, **extra) -> dict:
    return {"value": value, "display": display, "status": "ok", "status_label": "Disponible", "note": "", **extra}


def without(status: str, label: str, display: str) -> dict:
    return {"value": None, "display": display, "status": status, "status_label": label, "note": ""}


SECRET = without("secret", "Secret statistique", "secret statistique")
MISSING = without("missing", "Non disponible", "non disponible")
INCOMPLETE = without("incomplete", "Agrégat incomplet", "non disponible")


def data_for(code: str, cells: list[dict], epci: dict) -> dict:
    definition = catalogue.BY_CODE[code]
    communes = [{"code": f"76{i:03d}", "name": f"Commune {i}", "geometry": square(i)} for i in range(len(cells))]
    indicator = {
        "code": code,
        "label": definition.label,
        "unit": definition.unit,
        "kind": definition.kind,
        "decimals": definition.decimals,
        "available": True,
        "period": "2022",
        "producer_source": definition.source,
        "source": definition.source,
        "has_commune_values": True,
        "territory_cells": [epci],
        "commune_cells": {c["code"]: cell for c, cell in zip(communes, cells, strict=True)},
    }
    return {
        "indicator": indicator,
        "territories": TERRITORIES,
        "communes": [{**c, "cell": cell} for c, cell in zip(communes, cells, strict=True)],
    }


def legend_texts(spec: dict) -> list[str]:
    return [item["texte"] for item in spec["vconcat"][1]["data"]["values"] if item["type"].startswith("texte")]


def test_counts_are_the_catalogues_indicators_of_people_households_births_and_recipients():
    counts = {i.code for i in catalogue.CATALOGUE if is_count({"code": i.code, "kind": i.kind, "unit": i.unit})}
    assert {"population", "households", "births_2024", "caf_allocataires", "caf_aah"} <= counts
    # Rates, shares, densities and published medians are not counts.
    assert not counts & {"share_0_14", "density", "median_income_2021", "poverty_rate_2021", "caf_aah_share"}


def test_a_count_is_drawn_as_circles_not_as_a_fill_by_value():
    cells = [ok(1000.0 * (i + 1), f"{1000 * (i + 1)}") for i in range(8)] + [SECRET, MISSING]
    data = data_for("population", cells, ok(36000.0, "36\u00a0000"))
    summary, spec = indicator_map(epci=EPCI, data=data)
    assert spec is not None and summary.is_count and summary.drawn
    layers = spec["vconcat"][0]["layer"]
    circles = [layer for layer in layers if layer["mark"]["type"] == "circle"]
    assert len(circles) == 1 and len(circles[0]["data"]["values"]) == 8
    assert circles[0]["encoding"]["size"] == {"field": "aire", "scale": None, "type": "quantitative"}
    # Commune 8 has 8 000 inhabitants, commune 4 4 000: half the area.
    areas = {p["nom"]: p["aire"] for p in circles[0]["data"]["values"]}
    assert areas["Commune 3"] == pytest.approx(areas["Commune 7"] / 2)
    assert not any("fill" in layer.get("encoding", {}) or "color" in layer.get("encoding", {}) for layer in layers)
    texts = legend_texts(spec)
    assert "Habitants : cercles de surface proportionnelle" in texts
    assert "EPCI : 36\u00a0000 habitants" in texts
    assert {"Secret statistique : 1 commune", "Non disponible : 1 commune"} <= set(texts)
    assert summary.caption == (
        "Cercles de surface proportionnelle à la valeur de chaque commune. EPCI : 36\u00a0000 habitants. "
        "Sans valeur : secret statistique pour 1 commune (hachures obliques) ; non disponible pour 1 commune (gris)."
    )


def test_a_rate_states_its_classes_and_marks_the_epci_value():
    # Ten shares 10,0 % to 19,0 %: quantile breaks at ranks 2, 4, 6, 8 → 12,0 ; 14,0 ; 16,0 ; 18,0.
    cells = [ok(10.0 + i, f"{10 + i},0\u00a0%") for i in range(10)] + [INCOMPLETE]
    data = data_for("share_0_14", cells, ok(15.2, "15,2\u00a0%"))
    summary, spec = indicator_map(epci=EPCI, data=data)
    assert spec is not None and not summary.is_count
    texts = legend_texts(spec)
    assert texts[0] == "En % : classes par quantiles (effectifs égaux)"
    assert texts[1:6] == [
        "de 10,0\u00a0% à moins de 12,0\u00a0%",
        "de 12,0\u00a0% à moins de 14,0\u00a0%",
        "de 14,0\u00a0% à moins de 16,0\u00a0%   ◀ EPCI : 15,2\u00a0%",
        "de 16,0\u00a0% à moins de 18,0\u00a0%",
        "de 18,0\u00a0% à 19,0\u00a0%",
    ]
    assert "Incomplet (parties manquantes) : 1 commune" in texts
    assert summary.caption.startswith(
        "5 classes par quantiles (chacune regroupe à peu près autant de communes), de 10,0\u00a0% à 19,0\u00a0%. "
        "EPCI : 15,2\u00a0%, classe marquée dans la légende. Sans valeur : incomplet (parties manquantes) pour "
        "1 commune (hachures obliques inversées)."
    )
    layers = spec["vconcat"][0]["layer"]
    assert not any(layer["mark"]["type"] == "circle" for layer in layers)


def test_fewer_than_half_of_the_communes_with_a_value_gives_no_map_but_a_table_and_a_sentence():
    cells = [ok(12.5, "12,5\u00a0%"), ok(14.0, "14,0\u00a0%")] + [SECRET] * 3
    data = data_for("share_0_14", cells, MISSING)
    summary, spec = indicator_map(epci=EPCI, data=data)
    assert spec is None and indicator_map_spec(epci=EPCI, data=data) is None
    assert not summary.drawn
    assert summary.not_drawn == "Carte non dessinée : valeurs pour 2 communes sur 5."
    assert summary.caption == "EPCI : non disponible. Sans valeur : secret statistique pour 3 communes."
    assert summary.rows == [
        {"name": "Commune 0", "display": "12,5\u00a0%", "note": ""},
        {"name": "Commune 1", "display": "14,0\u00a0%", "note": ""},
        {"name": "3 communes sans valeur", "display": "secret statistique", "note": ""},
    ]
    # Half of them is enough.
    drawn, spec = indicator_map(epci=EPCI, data=data_for("share_0_14", cells[:4], MISSING))
    assert drawn.drawn and spec is not None


def test_a_status_added_later_is_named_by_its_own_label():
    absent = without("absent", "Absente du fichier", "absente du fichier")
    odd = without("unpublished_perimeter", "Non publié pour ce périmètre", "non publié pour ce périmètre")
    cells = [ok(10.0 + i, f"{10 + i}") for i in range(6)] + [absent, odd]
    summary, spec = indicator_map(epci=EPCI, data=data_for("share_0_14", cells, MISSING))
    assert spec is not None
    assert [(r[1], r[2]) for r in summary.reasons] == [
        ("Absente du fichier", 1),
        ("Non publié pour ce périmètre", 1),
    ]
    assert {"Absente du fichier : 1 commune", "Non publié pour ce périmètre : 1 commune"} <= set(legend_texts(spec))


def test_a_missing_figure_absent_from_the_file_reads_absent():
    absent = without("missing", "Non disponible", "absente du fichier (commune non découpée en IRIS)")
    cells = [ok(10.0 + i, f"{10 + i}") for i in range(6)] + [absent, MISSING]
    summary, spec = indicator_map(epci=EPCI, data=data_for("share_0_14", cells, MISSING))
    assert spec is not None
    assert [(r[0], r[1], r[2]) for r in summary.reasons] == [
        ("absent", "Absente du fichier", 1),
        ("missing", "Non disponible", 1),
    ]
    assert "absente du fichier pour 1 commune (hachures horizontales)" in summary.caption


def test_small_numbers_are_outlined_and_named():
    cells = [ok(10.0 + i, f"{10 + i}", small_number=i == 0) for i in range(6)]
    summary, spec = indicator_map(epci=EPCI, data=data_for("share_0_14", cells, MISSING))
    assert spec is not None and summary.small_numbers == 1
    assert "Effectif faible (contour en tirets) : 1 commune" in legend_texts(spec)
    # Without a commune lacking a value, the column starts at the top of the legend with its own title.
    items = spec["vconcat"][1]["data"]["values"]
    title = next(i for i in items if i.get("texte") == "À lire avec prudence")
    assert title["y"] == min(i["y"] for i in items)
    assert any(layer["mark"].get("strokeDash") for layer in spec["vconcat"][0]["layer"])
    assert "Effectif faible (contour en tirets) : 1 commune." in summary.caption


@pytest.mark.django_db
def test_maps_of_caux_seine(caux_seine_figures):
    epci = caux_seine_figures["convention"].epci
    population = indicator_map_data(epci=epci, indicator=catalogue.BY_CODE["population"])
    summary, spec = indicator_map(epci=epci, data=population)
    assert spec is not None and summary.is_count and summary.valued == 50
    assert "EPCI : 77\u00a0968 habitants" in legend_texts(spec)
    share = indicator_map_data(epci=epci, indicator=catalogue.BY_CODE["share_0_14"])
    summary, spec = indicator_map(epci=epci, data=share)
    # 15,087 / 77,968 = 19,4 % for the EPCI, inside one of the five classes of its communes.
    assert spec is not None and any("◀ EPCI : 19,4\u00a0%" in t for t in legend_texts(spec))
    poverty = indicator_map_data(epci=epci, indicator=catalogue.BY_CODE["poverty_rate_2021"])
    summary, spec = indicator_map(epci=epci, data=poverty)
    # Filosofi publishes the poverty rate of 7 of the 50 communes; the 43 others are secret.
    assert spec is None
    assert summary.not_drawn == "Carte non dessinée : valeurs pour 7 communes sur 50."
    assert "secret statistique pour 43 communes" in summary.caption


def test_summaries_of_a_page_need_no_geometry():
    data = data_for("share_0_14", [ok(10.0 + i, f"{10 + i}") for i in range(4)], ok(11.0, "11,0\u00a0%"))
    communes = [{"code": c["code"], "name": c["name"]} for c in data["communes"]]
    without_values = {**data["indicator"], "code": "households", "has_commune_values": False}
    summaries = map_summaries(
        indicators=[data["indicator"], without_values], territories=TERRITORIES, communes=communes
    )
    assert [type(s) for s in summaries] == [MapSummary]
    assert summaries[0].drawn and summaries[0].reference is not None and summaries[0].reference.value == 11.0
