"""Every text a rendered chart draws is at least 12 px, whatever size its spec asked for."""

import re

import altair as alt

from ctg.charts.classes import make_classes
from ctg.charts.maps import Reference, choropleth_map
from ctg.charts.render import MIN_FONT_SIZE, legible, render_svg
from tests.charts.test_maps import REASONS, areas_with_reasons


def font_sizes(svg: str) -> list[float]:
    return [float(size) for size in re.findall(r'font-size="([\d.]+)px"', svg)]


def test_a_bar_chart_draws_axes_legend_and_labels_at_12_px_at_least():
    data = alt.Data(
        values=[{"année": "2021", "part": 12.5, "thème": "A"}, {"année": "2022", "part": 14.0, "thème": "B"}]
    )
    bars = alt.Chart(data).mark_bar().encode(x="année:N", y="part:Q", color="thème:N")
    # Asked for 9 px; vl-convert's defaults are 10 px for axis labels and 11 px for titles and legends.
    labels = alt.Chart(data).mark_text(dy=-6, fontSize=9).encode(x="année:N", y="part:Q", text="part:Q")
    spec = alt.layer(bars, labels).properties(title="Part", width=200, height=120).to_dict()
    sizes = font_sizes(render_svg(spec))
    # Axis labels and title, legend labels and title, the two text labels, the chart's title.
    assert len(sizes) >= 8
    assert min(sizes) == MIN_FONT_SIZE


def test_a_map_legend_is_drawn_at_12_px_at_least():
    areas = areas_with_reasons()
    classes = make_classes([a.value for a in areas if a.value is not None], decimals=0, count=4)
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
    sizes = font_sizes(render_svg(spec))
    assert len(sizes) > 10
    assert min(sizes) >= MIN_FONT_SIZE


def test_a_spec_may_ask_for_larger_text_never_smaller():
    config = legible({"config": {"axis": {"labelFontSize": 9, "titleFontSize": 16}, "font": "DejaVu Sans"}})["config"]
    assert config["axis"] == {"labelFontSize": MIN_FONT_SIZE, "titleFontSize": 16}
    assert config["legend"]["labelFontSize"] == MIN_FONT_SIZE
    assert config["font"] == "DejaVu Sans"
    assert config["aria"] is False


def test_marks_carry_no_aria_role_of_their_own():
    data = alt.Data(values=[{"année": "2021", "part": 12.5}, {"année": "2022", "part": 14.0}])
    spec = alt.Chart(data).mark_circle().encode(x="année:N", y="part:Q", tooltip=["part:Q"]).to_dict()
    svg = render_svg(spec)
    assert "<circle" in svg or "<path" in svg
    assert 'role="graphics-symbol"' not in svg


def test_the_production_application_loads_its_views_and_starts_the_renderer(monkeypatch):
    import importlib
    import sys

    from ctg.charts import render

    started = []
    monkeypatch.setattr(render, "warm_up", lambda: started.append(True))
    monkeypatch.delitem(sys.modules, "config.wsgi", raising=False)
    wsgi = importlib.import_module("config.wsgi")
    assert callable(wsgi.application)
    assert started == [True]
    monkeypatch.undo()
    render.warm_up()  # the real one draws an empty chart without error
