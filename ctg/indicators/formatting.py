"""French display of indicator figures: 1 234,5 ; 19,4 % ; explicit words for secret and missing values."""

from ctg.indicators.enums import ValueStatus

NBSP = "\u00a0"
STATUS_WORDS = {
    ValueStatus.SECRET: "secret statistique",
    ValueStatus.MISSING: "non disponible",
}


def format_number(value: float, decimals: int = 1) -> str:
    text = f"{value:,.{decimals}f}"
    return text.replace(",", NBSP).replace(".", ",").replace("-", "−")


def format_value(value: float | None, *, unit: str, decimals: int, status: str = ValueStatus.OK) -> str:
    if value is None or status in STATUS_WORDS:
        return STATUS_WORDS.get(status, STATUS_WORDS[ValueStatus.MISSING])
    number = format_number(value, decimals)
    if unit in {"%", "€"}:
        return f"{number}{NBSP}{unit}"
    return number


def parts_note(present: int | None, expected: int | None) -> str:
    """How complete an aggregate is, e.g. "50 communes sur 708"."""
    if present is None or expected is None:
        return ""
    noun = "commune" if present <= 1 else "communes"
    return f"{format_number(present, 0)} {noun} sur {format_number(expected, 0)}"
