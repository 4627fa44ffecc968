"""Render Vega-Lite specs to SVG or PNG offline with vl-convert, with a cache keyed by the spec's content."""

import hashlib
import json
from typing import Any

import vl_convert as vlc
from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe

from ctg.core.text import printable

CACHE_PREFIX = "chart:v1:"
# d3-format locale so that figures print 1 234,5 rather than 1,234.5; no external data is ever fetched.
FRENCH_NUMBER_LOCALE = {"decimal": ",", "thousands": "\u202f", "grouping": [3], "currency": ["", "\u00a0€"]}
OPTIONS: dict[str, Any] = {
    "format_locale": FRENCH_NUMBER_LOCALE,
    "time_format_locale": "fr-FR",
    "allowed_base_urls": [],
}


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


def render_svg(spec: dict) -> str:
    key = spec_key(spec, "svg")
    svg = cache.get(key)
    if svg is None:
        svg = vlc.vegalite_to_svg(_printable(spec), **OPTIONS)
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
        png = vlc.vegalite_to_png(_printable(spec), scale=scale, **OPTIONS)
        cache.set(key, png)
    return png
