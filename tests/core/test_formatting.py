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
    rounded,
)

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (1234.567, 1, f"1{NBSP}234,6"),
        (22790, 0, f"22{NBSP}790"),
        (Decimal("1234567.125"), 2, f"1{NBSP}234{NBSP}567,13"),  # half up
        (0.05, 1, "0,1"),
        (Decimal("0.05"), 1, "0,1"),
        (999, 0, "999"),
    ],
)
def test_numbers_with_django_french_separators(value, decimals, expected):
    assert format_number(value, decimals) == expected


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        # A half goes up, never to the even neighbour (format() would write 2584, 0,12, 12,2 and 6,2).
        (2584.5, 0, f"2{NBSP}585"),
        (2583.5, 0, f"2{NBSP}584"),
        (Decimal("2584.5"), 0, f"2{NBSP}585"),
        (0.5, 0, "1"),
        (0.125, 2, "0,13"),
        (12.25, 1, "12,3"),  # 100 × 49 / 400
        (100 * 1 / 16, 1, "6,3"),
        # 100 × 23 / 80 is 28,75 exactly but the float is 28.749999999999996: rounded as the decimal it stands for.
        (100 * 23 / 80, 1, "28,8"),
        (100 * 11 / 80, 1, "13,8"),  # 13.750000000000002
        (1.005, 2, "1,01"),  # the float is 1.00499999999999989…, the user's decimal is 1,005
        (2.675, 2, "2,68"),
        (12.24, 1, "12,2"),  # not a half: down
        (12.2499, 1, "12,2"),
        # Away from zero for a negative half, as a spreadsheet's ROUND does.
        (-2584.5, 0, f"-2{NBSP}585"),
        (-0.25, 1, "-0,3"),
    ],
)
def test_halves_are_rounded_up(value, decimals, expected):
    assert format_number(value, decimals) == expected


def test_rounded_is_the_number_written():
    assert rounded(2584.5, 0) == Decimal("2585")
    assert rounded(100 * 23 / 80, 1) == Decimal("28.8")
    assert float(rounded(0.125, 2)) == 0.13


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


def test_counted_agrees_the_words_with_the_count_the_french_way():
    from ctg.core.formatting import counted

    assert counted(0, "valeur créée") == "0 valeur créée"
    assert counted(1, "fiche action") == "1 fiche action"
    assert counted(2, "fiche action") == "2 fiches actions"
    assert counted(1550, "valeur créée") == "1\u202f550 valeurs créées"
    assert counted(3, "mise à jour", "mises à jour") == "3 mises à jour"
