"""Cell values safe to write into CSV and spreadsheet exports."""

from ctg.core.text import printable

# A cell starting with one of these is run as a formula by spreadsheet software (CSV/formula injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text cell without control characters (office formats refuse them), with a leading apostrophe when it
    would start a formula; numbers are untouched."""
    if not isinstance(value, str):
        return value
    value = printable(value)
    if value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
