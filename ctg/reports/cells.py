"""Cell values safe to write into CSV and spreadsheet exports."""

# A cell starting with one of these is run as a formula by spreadsheet software (CSV/formula injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Return the value with a leading apostrophe when a text cell would start a formula; numbers are untouched."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
