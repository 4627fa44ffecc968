"""Render Vega-Lite specs to SVG or PNG offline with vl-convert, with a cache keyed by the spec's content.

Every text a chart draws (axis labels and titles, legends, text marks) is at least 12 px: a spec may ask for larger
text, never for smaller. Marks, axes and legends carry no ARIA roles of their own: a page shows a chart inside an
element with role="img" named by its description, next to its data table.
"""

import hashlib
import json
from collections.abc import Callable
from typing import Any

import vl_convert as vlc
from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe

from ctg.core.text import printable

# v2: texts of at least 12 px and marks without ARIA roles; a cached drawing from before is drawn again.
CACHE_PREFIX = "chart:v2:"
# d3-format locale so that figures print 1 234,5 rather than 1,234.5; no external data is ever fetched.
FRENCH_NUMBER_LOCALE = {"decimal": ",", "thousands": "\u202f", "grouping": [3], "currency": ["", "\u00a0€"]}
OPTIONS: dict[str, Any] = {
    "format_locale": FRENCH_NUMBER_LOCALE,
    "time_format_locale": "fr-FR",
    "allowed_base_urls": [],
}


MIN_FONT_SIZE = 12
# The config groups and the font-size properties vl-convert would otherwise draw at 10 or 11 px.
FONT_SIZE_PROPERTIES = {
    "axis": ("labelFontSize", "titleFontSize"),
    "legend": ("labelFontSize", "titleFontSize"),
    "header": ("labelFontSize", "titleFontSize"),
    "text": ("fontSize",),
}


def legible(spec: dict) -> dict:
    """The spec with every text size below MIN_FONT_SIZE raised to it: those it sets and the defaults of its config."""
    spec = _raised(spec)
    config = dict(spec.get("config") or {})
    for group, properties in FONT_SIZE_PROPERTIES.items():
        sizes = dict(config.get(group) or {})
        for name in properties:
            sizes[name] = max(sizes.get(name) or 0, MIN_FONT_SIZE)
        config[group] = sizes
    config["aria"] = False
    config["mark"] = {**(config.get("mark") or {}), "aria": False}
    return {**spec, "config": config}


def _raised(value):
    if isinstance(value, dict):
        return {
            key: max(item, MIN_FONT_SIZE) if _is_font_size(key, item) else _raised(item) for key, item in value.items()
        }
    if isinstance(value, list):
        return [_raised(item) for item in value]
    return value


def _is_font_size(key: str, value: Any) -> bool:
    return key.endswith(("fontSize", "FontSize")) and isinstance(value, int | float) and not isinstance(value, bool)


def spec_key(spec: dict, fmt: str) -> str:
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return f"{CACHE_PREFIX}{fmt}:{digest}"


def _printable(value):
    """The spec with control characters removed from its texts: an SVG cannot hold one (a stored name may)."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, dict):
        return {key: _printable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_printable(item) for item in value]
    return value


def warm_up() -> None:
    """Start vl-convert's JavaScript engine, which the first drawing of a process otherwise waits for (about 0.3 s,
    then 10 ms a chart): a web process calls this when it starts (config/wsgi.py)."""
    vlc.vegalite_to_svg({"mark": "point", "data": {"values": []}}, **OPTIONS)


def render_svg(spec: dict) -> str:
    key = spec_key(spec, "svg")
    svg = cache.get(key)
    if svg is None:
        svg = vlc.vegalite_to_svg(_printable(legible(spec)), **OPTIONS)
        cache.set(key, svg)
    return svg


def render_svg_markup(spec: dict | None) -> SafeString | None:
    """The SVG of a spec, to embed in a page (None without a spec).

    Safe: vl-convert writes the SVG from our own spec and escapes every text it draws (titles, names, labels) as
    XML text, so no stored text reaches the page unescaped."""
    return mark_safe(render_svg(spec)) if spec else None  # noqa: S308


def render_png(spec: dict, scale: float = 2.0) -> bytes:
    key = spec_key(spec, f"png{scale}")
    png = cache.get(key)
    if png is None:
        png = vlc.vegalite_to_png(_printable(legible(spec)), scale=scale, **OPTIONS)
        cache.set(key, png)
    return png


def cached_map_markup(inputs: Any, build: Callable[[], dict | None]) -> dict[str, Any]:
    """The SVG markup and description of the map `build()` makes, cached by `inputs` (everything the spec is made
    of, JSON-serialisable): a page shown again does not build the spec again, which costs a few hundred
    milliseconds in Altair. `svg` is None when there is nothing to draw."""
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()
    key = f"{CACHE_PREFIX}map-inputs:{digest}"
    found = cache.get(key)
    if found is None:
        spec = build()
        found = {"svg": render_svg(spec) if spec else None, "description": spec["description"] if spec else ""}
        cache.set(key, found)
    # Safe: the SVG was written by vl-convert from our own spec (see render_svg_markup).
    svg = mark_safe(found["svg"]) if found["svg"] else None  # noqa: S308
    return {"svg": svg, "description": found["description"]}
