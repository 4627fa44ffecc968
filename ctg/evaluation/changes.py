"""How one figure moved between a snapshot and the newest vintage: the rules, in one place, without the database.

- A change is computed only between two known figures (status "ok"); a secret, missing or incomplete figure is
  named as such on its side and the change reads "non comparable", never 0.
- Absolute change = now − then, in the indicator's unit (points for a percentage); relative change =
  (now − then) ÷ |then| × 100, not computed when then is 0.
- The reading follows the catalogue's direction: a rise of a "higher is better" indicator is an improvement, of a
  "higher is worse" one a deterioration; a descriptive indicator only rises or falls. A change that rounds to 0
  at the indicator's precision is "stable".
- The same vintage on both sides says so: no newer data has been published since the snapshot.
- A share whose denominator is under the indicator's threshold, on either side, carries "effectif faible".
- Datasets on different communes' geographies (COG years) on each side say so: the territory may not be the
  same (merged communes, EPCI perimeters).
Numbers are written by the project's French formatter (half-up rounding).
"""

import dataclasses

from ctg.evaluation.enums import Trend
from ctg.indicators.catalogue import Indicator
from ctg.indicators.enums import Direction, ValueStatus
from ctg.indicators.formatting import (
    NBSP,
    STATUS_WORDS,
    format_number,
    format_value,
    parts_note,
    small_number_note,
)

PLUS = "+"


@dataclasses.dataclass(frozen=True)
class Figure:
    """One side of a comparison: a figure of one indicator, territory and vintage, with its provenance."""

    indicator: Indicator
    value: float | None
    status: str
    year: int | None
    denominator: float | None = None
    parts_present: int | None = None
    parts_expected: int | None = None
    source: str = ""
    datasets: tuple[dict, ...] = ()
    # The source cell's note (a commune merged since the file, an EPCI of another perimeter).
    note: str = ""

    @classmethod
    def from_row(cls, row: dict | None, *, indicator: Indicator, source: str = "", datasets=()) -> "Figure":
        """A figure from a stored value (IndicatorValue or SnapshotValue as a dict); an absent row is missing."""
        if row is None:
            return cls(indicator=indicator, value=None, status=ValueStatus.MISSING.value, year=None)
        return cls(
            indicator=indicator,
            value=row["value"],
            status=row["status"],
            year=row["year"],
            denominator=row.get("denominator"),
            parts_present=row.get("parts_present"),
            parts_expected=row.get("parts_expected"),
            source=source,
            datasets=tuple(datasets),
            note=row.get("note") or "",
        )

    @property
    def known(self) -> bool:
        return self.status == ValueStatus.OK and self.value is not None

    @property
    def vintage(self) -> str:
        """The vintage as read: the indicator's period for a multi-year figure (2016-2021), else the year."""
        if self.year is None:
            return ""
        if self.indicator.period and str(self.year) in self.indicator.period:
            return self.indicator.period
        return str(self.year)

    @property
    def display(self) -> str:
        if self.status == ValueStatus.INCOMPLETE:
            return f"non disponible (agrégat incomplet : {parts_note(self.parts_present, self.parts_expected)})"
        if not self.known:
            return STATUS_WORDS.get(self.status, STATUS_WORDS[ValueStatus.MISSING])
        return format_value(self.value, unit=self.indicator.unit, decimals=self.indicator.decimals)

    @property
    def small_number(self) -> bool:
        threshold = self.indicator.small_number_threshold
        return bool(
            self.known
            and self.indicator.is_ratio
            and threshold
            and self.denominator is not None
            and self.denominator < threshold
        )

    @property
    def geography_years(self) -> list[int]:
        return sorted({d["geography_year"] for d in self.datasets if d.get("geography_year")})


def _signed(number: float, decimals: int) -> str:
    text = format_number(number, decimals)
    return text if text.startswith("\u2212") or text.strip("0,") == "" else f"{PLUS}{text}"


def _absolute_display(change: float, indicator: Indicator) -> str:
    text = _signed(change, indicator.decimals)
    if indicator.unit == "%":
        return f"{text}{NBSP}pt" if abs(change) < 2 else f"{text}{NBSP}pts"
    if indicator.unit == "€":
        return f"{text}{NBSP}€"
    return text


def _trend(indicator: Indicator, then: float, now: float, change: float) -> Trend:
    # Read at the precision shown: two figures that display the same are stable.
    if format_number(then, indicator.decimals) == format_number(now, indicator.decimals):
        return Trend.STABLE
    if indicator.direction == Direction.HIGHER_IS_BETTER:
        return Trend.BETTER if change > 0 else Trend.WORSE
    if indicator.direction == Direction.HIGHER_IS_WORSE:
        return Trend.WORSE if change > 0 else Trend.BETTER
    return Trend.UP if change > 0 else Trend.DOWN


def compare(*, indicator: Indicator, then: Figure, now: Figure, level: str = "") -> dict:
    """The comparison of one territory's figure: both sides, the change, its reading and the warnings."""
    notes = []
    absolute = relative = None
    absolute_display = relative_display = ""
    same_vintage = then.year is not None and then.year == now.year and then.indicator.code == now.indicator.code
    if then.year is None:
        trend = Trend.UNKNOWN
        notes.append("absent de la photographie")
    elif now.year is None:
        trend = Trend.UNKNOWN
        notes.append("aucune valeur actuelle")
    elif same_vintage:
        trend = Trend.SAME_VINTAGE
        notes.append(f"même millésime ({now.vintage}) : aucune donnée plus récente depuis la photographie")
    elif then.value is not None and now.value is not None and then.known and now.known:
        absolute = now.value - then.value
        absolute_display = _absolute_display(absolute, indicator)
        if then.value != 0:
            relative = absolute / abs(then.value) * 100
            relative_display = f"{_signed(relative, 1)}{NBSP}%"
        trend = _trend(indicator, then.value, now.value, absolute)
    else:
        trend = Trend.UNKNOWN
        notes.append("non comparable : une des deux valeurs n'est pas connue")
    if then.indicator.code != now.indicator.code and then.year is not None:
        notes.append(f"valeur de référence : « {then.indicator.label} »")
    for side, figure in (("photographie", then), ("actuel", now)):
        if figure.note:
            notes.append(f"{side} : {figure.note}")
        if figure.small_number and figure.denominator is not None:
            notes.append(f"{side} : {small_number_note(figure.denominator, figure.indicator.small_number_threshold)}")
    then_geo, now_geo = then.geography_years, now.geography_years
    if then_geo and now_geo and then_geo != now_geo and not same_vintage:
        notes.append(
            "géographie des fichiers différente entre les millésimes : COG "
            f"{', '.join(map(str, then_geo))} → COG {', '.join(map(str, now_geo))} ; si des communes ont fusionné "
            "ou si le périmètre de l'EPCI a changé entre-temps, la comparaison est à lire avec prudence"
        )
    return {
        "then": then,
        "now": now,
        "absolute": absolute,
        "absolute_display": absolute_display,
        "relative": relative,
        "relative_display": relative_display,
        "trend": trend,
        "trend_label": trend.label,
        "same_vintage": same_vintage,
        "geography_changed": bool(then_geo and now_geo and then_geo != now_geo and not same_vintage),
        "small_number": then.small_number or now.small_number,
        "notes": notes,
        "level": level,
    }
