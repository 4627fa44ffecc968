import datetime
from decimal import Decimal

import pytest

from ctg.core.formatting import (
    MINUS_SIGN,
    NARROW_NBSP,
    format_count,
    format_date,
    format_euros,
    format_long_date,
    format_number,
)

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (1234.567, 1, f"1{NBSP}234,6"),
        (22790, 0, f"22{NBSP}790"),
        (Decimal("1234567.125"), 2, f"1{NBSP}234{NBSP}567,12"),  # half to even, like format()
        (0.05, 1, "0,1"),  # the float 0.05 is slightly above 0.05
        (Decimal("0.05"), 1, "0,0"),
        (999, 0, "999"),
    ],
)
def test_numbers_with_django_french_separators(value, decimals, expected):
    assert format_number(value, decimals) == expected


def test_negative_numbers_and_the_minus_sign():
    assert format_number(-1234.5, 1) == f"-1{NBSP}234,5"
    assert format_number(-1234.5, 1, minus=MINUS_SIGN) == f"{MINUS_SIGN}1{NBSP}234,5"
    # As Python's format: a negative number rounded to zero keeps its sign.
    assert format_number(-0.04, 1, minus=MINUS_SIGN) == f"{MINUS_SIGN}0,0"


@pytest.mark.parametrize(
    ("value", "thousands", "expected"),
    [
        (Decimal("1500.000").normalize(), "", "1500"),
        (Decimal("12.50").normalize(), "", "12,5"),
        (Decimal("1234.5"), NARROW_NBSP, f"1{NARROW_NBSP}234,5"),
    ],
)
def test_numbers_with_their_own_digits(value, thousands, expected):
    assert format_number(value, thousands=thousands) == expected


@pytest.mark.parametrize(
    ("value", "cents", "expected"),
    [
        (Decimal("18400"), "when_any", f"18{NARROW_NBSP}400 €"),
        (Decimal("18400"), "always", f"18{NARROW_NBSP}400,00 €"),
        (Decimal("3500.5"), "when_any", f"3{NARROW_NBSP}500,50 €"),
        (Decimal("0.004"), "when_any", "0 €"),
        (Decimal("1234567.995"), "always", f"1{NARROW_NBSP}234{NARROW_NBSP}568,00 €"),
    ],
)
def test_euros(value, cents, expected):
    assert format_euros(value, cents=cents) == expected


def test_unknown_amount_is_said_not_zero():
    assert format_euros(None) == "non renseigné"
    assert format_euros(None, missing="—") == "—"


def test_counts_and_dates():
    assert format_count(5000) == f"5{NARROW_NBSP}000"
    assert format_date(datetime.date(2021, 9, 6)) == "06/09/2021"
    assert format_date(None) == "—"
    assert format_long_date(datetime.date(2021, 9, 1)) == "1er septembre 2021"
    assert format_long_date(datetime.date(2022, 2, 28)) == "28 février 2022"


def test_infinite_and_undefined_floats_as_python_writes_them():
    assert format_number(float("inf"), 1) == "inf"
    assert format_number(float("-inf"), 1, minus=MINUS_SIGN) == f"{MINUS_SIGN}inf"
    assert format_number(float("nan"), 0) == "nan"
