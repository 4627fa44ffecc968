"""French display of numbers, amounts and dates, on Django's French formats (`django.utils.formats`).

One formatter for every page, export and message: a decimal comma, thousands grouped by a no-break space (the
plan's amounts and the counts of limits use the narrow one, U+202F), a number rounded half up (a half goes away
from zero: 2 584,5 → "2 585", 0,125 → "0,13", −0,25 → "−0,3", as a French reader and a spreadsheet round), and
dates as DD/MM/YYYY or "1er septembre 2021".

A float is rounded as the decimal it stands for, not as its binary approximation: it is first read to 15
significant digits (the precision a double carries, DBL_DIG), so that a share computed as 100 × 23 / 80, stored
as 28.749999999999996, reads "28,8" like the exact 28,75 it is, and the float 1.005 reads "1,01". A Decimal is
rounded as it is. `rounded` gives the same number for the code that draws it (maps, charts), so that a tooltip
and a table agree.
"""

import datetime
import math
from decimal import ROUND_HALF_UP, Decimal

from django.utils import dateformat, formats, numberformat, timezone, translation

LANGUAGE = "fr"
NARROW_NBSP = "\u202f"
MINUS_SIGN = "\u2212"
MISSING_AMOUNT = "non renseigné"
# Significant decimal digits a double always holds (C's DBL_DIG): the digits beyond are binary noise.
FLOAT_DIGITS = 15


def _decimal(value) -> Decimal:
    """`value` as a Decimal; a float as the decimal it stands for (15 significant digits, see the module)."""
    if isinstance(value, float):
        return Decimal(format(value, f".{FLOAT_DIGITS}g"))
    return Decimal(value)


def rounded(value, decimals: int) -> Decimal:
    """`value` rounded half up (away from zero) to `decimals` places: the number `format_number` writes."""
    return _decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def format_number(value, decimals: int | None = None, *, thousands: str | None = None, minus: str = "-") -> str:
    """`value` with a decimal comma, rounded to `decimals` places (all of its own when None).

    Rounding is half up, away from zero (see the module). `thousands` groups the digits by three: Django's French
    separator (a no-break space) when None, no grouping when empty. `minus` is the sign written before a negative
    number (−0,0 stays negative, like Python's own)."""
    if isinstance(value, float) and not math.isfinite(value):
        return format(value, "f" if decimals is None else f".{decimals}f").replace("-", minus)
    if decimals is None:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        number = rounded(value, decimals)
    if thousands is None:
        thousands = formats.get_format("THOUSAND_SEPARATOR", lang=LANGUAGE)
    text = numberformat.format(
        abs(number),
        formats.get_format("DECIMAL_SEPARATOR", lang=LANGUAGE),
        decimal_pos=decimals,
        grouping=formats.get_format("NUMBER_GROUPING", lang=LANGUAGE) if thousands else 0,
        thousand_sep=thousands,
        force_grouping=bool(thousands),
    )
    return f"{minus}{text}" if number.is_signed() else str(text)


def format_count(value: int) -> str:
    """A whole number grouped by narrow no-break spaces, e.g. 5 000 (the limits stated to users)."""
    return format_number(value, 0, thousands=NARROW_NBSP)


def format_euros(value, *, cents: str = "when_any", missing: str = MISSING_AMOUNT) -> str:
    """An amount in euros to the cent, grouped by narrow no-break spaces: "1 234,50 €"; `missing` when unknown.

    `cents="when_any"` leaves out ",00" (the pages: "18 400 €"); `cents="always"` writes them (the documents,
    where amounts stand in columns: "18 400,00 €")."""
    if value is None:
        return missing
    text = format_number(value, 2, thousands=NARROW_NBSP)
    if cents == "when_any" and text.endswith(",00"):
        text = text[:-3]
    return f"{text} €"


def format_date(value: datetime.date | None, *, missing: str = "—") -> str:
    """DD/MM/YYYY (Django's short French date), `missing` when there is no date."""
    if not value:
        return missing
    return dateformat.format(value, formats.get_format("SHORT_DATE_FORMAT", lang=LANGUAGE))


def format_datetime(value: datetime.datetime | None, *, missing: str = "—") -> str:
    """DD/MM/YYYY à HH:MM in the local time zone (Europe/Paris), whatever the zone of the value: a time stored
    in UTC is never shown as such."""
    if not value:
        return missing
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{format_date(value)} à {value:%H:%M}"


def format_long_date(value: datetime.date) -> str:
    """The date in words, e.g. "1er septembre 2021" or "6 septembre 2021"."""
    day = "1er" if value.day == 1 else str(value.day)
    with translation.override(LANGUAGE):
        return f"{day} {dateformat.format(value, 'F Y')}"


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """A count and the words it governs, agreed in number the French way: 0 and 1 take the singular ("0 valeur
    créée", "1 fiche action", "2 fiches actions"). `plural` defaults to `singular` with an s on each word."""
    if abs(count) < 2:
        words = singular
    else:
        words = plural if plural is not None else " ".join(f"{word}s" for word in singular.split(" "))
    return f"{format_count(count)} {words}"
