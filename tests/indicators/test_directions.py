"""The catalogue's direction (which way is favourable) and succession (the same measure under a new code), read by
the evaluation's "what changed since the signature"."""

import pytest

from ctg.indicators import catalogue
from ctg.indicators.enums import Direction


@pytest.mark.parametrize(
    ("code", "direction"),
    [
        ("childcare_coverage_cnaf", Direction.HIGHER_IS_BETTER),
        # More places of formal childcare is what the CTG's early-childhood theme aims at.
        ("childcare_places_cnaf", Direction.HIGHER_IS_BETTER),
        ("unemployment_15_64", Direction.HIGHER_IS_WORSE),
        ("poverty_rate_2021", Direction.HIGHER_IS_WORSE),
        ("median_income_2021", Direction.HIGHER_IS_BETTER),
        # A population or a count of births is described, not judged.
        ("population", Direction.NEUTRAL),
        ("births_2024", Direction.NEUTRAL),
    ],
)
def test_direction_of_the_indicators_an_evaluation_reads(code, direction):
    assert catalogue.BY_CODE[code].direction == direction


def test_every_successor_follows_an_indicator_of_the_same_measure():
    successors = [i for i in catalogue.CATALOGUE if i.follows]
    assert {i.code: i.follows for i in successors} == {
        "population": "population_2016",
        "median_income_2021": "median_income_2019",
        "births_2024": "births_per_year",
    }
    for indicator in successors:
        earlier = catalogue.BY_CODE[indicator.follows]
        assert earlier.theme == indicator.theme
        assert earlier.direction == indicator.direction
        assert earlier.is_ratio == indicator.is_ratio
        assert not earlier.follows, "a chain of successions is not read by the evaluation"
