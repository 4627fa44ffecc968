"""Classes of a choropleth: breaks by quantiles (classes of about equal counts) or fixed by the caller.

A value belongs to a class by its rounded value (the number the tables print), so that a commune shown "18,6" in
the table is never drawn in the class "de 17,0 à moins de 18,6". Lower bounds are inclusive, upper bounds
exclusive except the last class's, which holds the maximum.
"""

import dataclasses
from collections.abc import Callable, Sequence
from decimal import Decimal

from ctg.core.formatting import rounded

QUANTILES = "quantiles"
FIXED = "fixed"
METHOD_LABELS = {QUANTILES: "classes par quantiles (effectifs égaux)", FIXED: "classes à seuils fixes"}


@dataclasses.dataclass(frozen=True)
class ValueClass:
    lower: Decimal
    upper: Decimal
    last: bool

    def contains(self, value: Decimal) -> bool:
        return self.lower <= value and (value < self.upper or (self.last and value <= self.upper))

    def label(self, format_value: Callable[[Decimal], str]) -> str:
        if self.lower == self.upper:
            return format_value(self.lower)
        if self.last:
            return f"de {format_value(self.lower)} à {format_value(self.upper)}"
        return f"de {format_value(self.lower)} à moins de {format_value(self.upper)}"


@dataclasses.dataclass(frozen=True)
class Classes:
    method: str
    classes: tuple[ValueClass, ...]
    decimals: int

    @property
    def method_label(self) -> str:
        return METHOD_LABELS[self.method]

    def index_of(self, value: float) -> int | None:
        """The class of `value` (compared rounded, as printed), None when it lies outside every class."""
        number = rounded(value, self.decimals)
        return next((i for i, c in enumerate(self.classes) if c.contains(number)), None)


def quantile_breaks(values: Sequence[Decimal], count: int) -> list[Decimal]:
    """The inner breaks of `count` classes of about equal counts: the values at ranks n·k/count, without repeats.

    E.g. ten values 1..10 in 5 classes: breaks 3, 5, 7, 9 (classes 1–2, 3–4, 5–6, 7–8, 9–10)."""
    ordered = sorted(values)
    breaks: list[Decimal] = []
    for k in range(1, count):
        candidate = ordered[round(len(ordered) * k / count)]
        if candidate > ordered[0] and (not breaks or candidate > breaks[-1]):
            breaks.append(candidate)
    return breaks


def make_classes(
    values: Sequence[float], *, decimals: int, count: int = 5, fixed: Sequence[float] | None = None
) -> Classes | None:
    """Classes over `values` rounded to `decimals`: quantiles, or the `fixed` inner breaks; None without values."""
    numbers = [rounded(v, decimals) for v in values]
    if not numbers:
        return None
    low, high = min(numbers), max(numbers)
    if fixed is not None:
        method = FIXED
        breaks = sorted({rounded(b, decimals) for b in fixed if low < rounded(b, decimals) <= high})
    else:
        method = QUANTILES
        breaks = quantile_breaks(numbers, min(count, len(set(numbers))))
    bounds = [low, *breaks, high]
    classes = tuple(
        ValueClass(lower=bounds[i], upper=bounds[i + 1], last=i == len(bounds) - 2) for i in range(len(bounds) - 1)
    )
    return Classes(method=method, classes=classes, decimals=decimals)
