"""What changed, on hand-computed cases (no database): the change, its reading by direction, the warnings."""

import pytest

from ctg.evaluation.changes import Figure, compare
from ctg.evaluation.enums import Trend
from ctg.indicators import catalogue
from ctg.indicators.enums import Direction, ValueStatus

NBSP = "\u00a0"
MINUS = "\u2212"


def figure(code, value, year, *, status=ValueStatus.OK, denominator=None, geography=None, source="src"):
    datasets = ({"id": 1, "sha256": "a" * 64, "geography_year": geography},) if geography else ()
    return Figure(
        indicator=catalogue.BY_CODE[code],
        value=value,
        status=status,
        year=year,
        denominator=denominator,
        source=source,
        datasets=datasets,
    )


def test_a_falling_rate_that_should_fall_is_an_improvement():
    # Unemployment (higher is worse): 12,0 % in 2016 → 10,5 % in 2022: −1,5 point; −1,5 / 12 = −12,5 %.
    indicator = catalogue.BY_CODE["unemployment_15_64"]
    assert indicator.direction == Direction.HIGHER_IS_WORSE
    result = compare(
        indicator=indicator,
        then=figure("unemployment_15_64", 12.0, 2016, denominator=500),
        now=figure("unemployment_15_64", 10.5, 2022, denominator=480),
    )
    assert result["absolute"] == pytest.approx(-1.5)
    assert result["absolute_display"] == f"{MINUS}1,5{NBSP}pt"
    assert result["relative"] == pytest.approx(-12.5)
    assert result["relative_display"] == f"{MINUS}12,5{NBSP}%"
    assert result["trend"] == Trend.BETTER
    assert result["trend_label"] == "amélioration"
    assert not result["same_vintage"] and not result["small_number"] and not result["geography_changed"]


def test_a_rising_rate_that_should_fall_is_a_deterioration_rounded_half_up():
    # 10,0 % → 12,25 %: +2,25 points, written +2,3 (half up); +2,25 / 10 = +22,5 %.
    result = compare(
        indicator=catalogue.BY_CODE["unemployment_15_64"],
        then=figure("unemployment_15_64", 10.0, 2016, denominator=500),
        now=figure("unemployment_15_64", 12.25, 2022, denominator=500),
    )
    assert result["absolute_display"] == f"+2,3{NBSP}pts"
    assert result["relative_display"] == f"+22,5{NBSP}%"
    assert result["trend"] == Trend.WORSE


def test_a_rising_income_is_an_improvement_across_successive_indicators():
    # The median of Filosofi 2019 (20 000 €) is the baseline of the 2021 one (21 500 €): +1 500 €, +7,5 %.
    indicator = catalogue.BY_CODE["median_income_2021"]
    assert indicator.follows == "median_income_2019"
    result = compare(
        indicator=indicator,
        then=figure("median_income_2019", 20000.0, 2019),
        now=figure("median_income_2021", 21500.0, 2021),
    )
    assert result["absolute_display"] == f"+1{NBSP}500{NBSP}€"
    assert result["relative_display"] == f"+7,5{NBSP}%"
    assert result["trend"] == Trend.BETTER
    assert not result["same_vintage"]
    assert any("valeur de référence" in note for note in result["notes"])


def test_a_descriptive_indicator_only_rises_or_falls_and_a_change_below_its_precision_is_stable():
    indicator = catalogue.BY_CODE["population"]
    assert indicator.direction == Direction.NEUTRAL
    # 1 000 → 990: −10 people, −1,0 %: a fall, neither better nor worse.
    fall = compare(
        indicator=indicator, then=figure("population_2016", 1000.0, 2016), now=figure("population", 990.0, 2022)
    )
    assert (fall["trend"], fall["absolute_display"], fall["relative_display"]) == (
        Trend.DOWN,
        f"{MINUS}10",
        f"{MINUS}1,0{NBSP}%",
    )
    # 1 000 → 1 000,4: both read "1 000" (whole people): stable.
    stable = compare(
        indicator=indicator, then=figure("population_2016", 1000.0, 2016), now=figure("population", 1000.4, 2022)
    )
    assert stable["trend"] == Trend.STABLE


def test_the_same_vintage_on_both_sides_says_so_and_computes_no_change():
    result = compare(
        indicator=catalogue.BY_CODE["caf_rsa_share"],
        then=figure("caf_rsa_share", 8.0, 2020, denominator=400),
        now=figure("caf_rsa_share", 8.0, 2020, denominator=400),
    )
    assert result["same_vintage"] is True
    assert result["trend"] == Trend.SAME_VINTAGE
    assert result["absolute"] is None and result["absolute_display"] == ""
    assert result["notes"] == ["même millésime (2020) : aucune donnée plus récente depuis la photographie"]


def test_a_geography_change_between_vintages_is_said():
    result = compare(
        indicator=catalogue.BY_CODE["median_income_2019"],
        then=figure("median_income_2019", 19000.0, 2014, geography=2014),
        now=figure("median_income_2019", 21000.0, 2019, geography=2021),
    )
    assert result["geography_changed"] is True
    assert any("COG 2014 → COG 2021" in note for note in result["notes"])
    # Still computed, to be read with care: +2 000 €.
    assert result["absolute"] == pytest.approx(2000.0)


def test_a_small_denominator_on_either_side_carries_the_warning():
    # 3 RSA households of 20 allocataires in the snapshot: a share on fewer than 30.
    result = compare(
        indicator=catalogue.BY_CODE["caf_rsa_share"],
        then=figure("caf_rsa_share", 15.0, 2018, denominator=20),
        now=figure("caf_rsa_share", 12.0, 2020, denominator=45),
    )
    assert result["small_number"] is True
    assert "photographie : effectif faible : 20 au dénominateur (moins de 30)" in result["notes"]


def test_an_unknown_figure_is_never_a_zero_change():
    secret = compare(
        indicator=catalogue.BY_CODE["caf_rsa_share"],
        then=figure("caf_rsa_share", 15.0, 2018, denominator=200),
        now=figure("caf_rsa_share", None, 2020, status=ValueStatus.SECRET),
    )
    assert secret["now"].display == "secret statistique"
    assert secret["absolute"] is None and secret["trend"] == Trend.UNKNOWN
    absent = compare(
        indicator=catalogue.BY_CODE["caf_rsa_share"],
        then=Figure.from_row(None, indicator=catalogue.BY_CODE["caf_rsa_share"]),
        now=figure("caf_rsa_share", 12.0, 2020, denominator=200),
    )
    assert absent["then"].display == "non disponible"
    assert absent["notes"] == ["absent de la photographie"]


def test_no_relative_change_from_zero():
    result = compare(
        indicator=catalogue.BY_CODE["caf_rsa_households"],
        then=figure("caf_rsa_households", 0.0, 2018),
        now=figure("caf_rsa_households", 4.0, 2020),
    )
    assert result["absolute_display"] == "+4"
    assert result["relative"] is None and result["relative_display"] == ""
    assert result["trend"] == Trend.UP
