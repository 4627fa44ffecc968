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


def csv_number(value) -> str:
    """Comma decimals, as French spreadsheet software reads them in a `;`-separated file."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace(".", ",")
