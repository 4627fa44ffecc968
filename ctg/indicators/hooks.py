"""Computation hooks for indicators built on the offer of services register.

A hook returns a polars DataFrame of commune parts (code, year, numerator, denominator, status) that the engine
sums like any additive indicator, or None while the register holds no data: the indicator then reads
"non disponible" everywhere, never 0.
"""

import polars as pl


def childcare_coverage() -> pl.DataFrame | None:
    """Places (EAJE, preschool at 2, assistants maternels, home care) over children under 3, per commune."""
    return None


def rpe_communes() -> pl.DataFrame | None:
    """Communes covered by a relais petite enfance (1 per covered commune) over communes (1 each)."""
    return None


def rpe_children() -> pl.DataFrame | None:
    """Estimated children under 3 of communes covered by a relais over children under 3 of the territory."""
    return None
