"""Every label of the catalogue says what its formula counts: the age band and the universe it claims are those of
its variables, and a ratio does not mix the census's two exploitations.

The table below gives, for each variable the catalogue reads, what it counts (its universe) and the age band of
the people it counts (or of the children that qualify a family), from the producers' documented meaning:
INSEE's census (P22_POP0014 = inhabitants aged 0 to 14, C22_COUPAENF = couples with children of any age in the
complementary exploitation...), the CAF's IRIS files (ENF = children of the bands ENF_2 to ENF_18_24, that is
0 to 24 years), civil registration (births) and the offer register's hook variables.
"""

import dataclasses
import re

import pytest

from ctg.indicators import catalogue
from ctg.indicators.enums import Kind

ALL_AGES = None
# A claim "de tout âge" / "tous âges" is the claim of no age band.
AGELESS = "ageless"
# Variables of bands that do not join into one (0-14 with 60-74, or a band with all ages).
MIXED = "mixed"


def band(low: int, high: int | None = None) -> tuple[int, int | None]:
    return (low, high)


# variable -> (universe, qualifier, age band). A qualifier narrows the universe (families with or without children).
VARIABLES: dict[str, tuple[str, str, tuple[int, int | None] | None]] = {
    # INSEE census, main exploitation (P): inhabitants, actives, unemployed, households, dwellings.
    "P22_POP": ("habitants", "", ALL_AGES),
    "P16_POP": ("habitants", "", ALL_AGES),
    "P22_POP0014": ("habitants", "", band(0, 14)),
    "P22_POP1529": ("habitants", "", band(15, 29)),
    "P22_POP1564": ("habitants", "", band(15, 64)),
    "P22_POP6074": ("habitants", "", band(60, 74)),
    "P22_POP7589": ("habitants", "", band(75, 89)),
    "P22_POP90P": ("habitants", "", band(90)),
    "P22_ACT1564": ("actifs", "", band(15, 64)),
    "P22_ACT1524": ("actifs", "", band(15, 24)),
    "P22_CHOM1564": ("chômeurs", "", band(15, 64)),
    "P22_CHOM1524": ("chômeurs", "", band(15, 24)),
    "P22_MEN": ("ménages", "", ALL_AGES),
    "P22_RP": ("résidences principales", "", ALL_AGES),
    "P22_RP_PROP": ("résidences principales", "propriétaires", ALL_AGES),
    "P22_LOG": ("logements", "", ALL_AGES),
    "P22_LOGVAC": ("logements", "vacants", ALL_AGES),
    "SUPERF": ("km²", "", ALL_AGES),
    # INSEE census, complementary exploitation (C): families by their children (of any age), households.
    "C22_COUPAENF": ("familles", "avec enfant(s)", ALL_AGES),
    "C22_FAMMONO": ("familles", "avec enfant(s)", ALL_AGES),
    "C22_COUPSENF": ("familles", "sans enfant", ALL_AGES),
    "C22_MEN": ("ménages", "", ALL_AGES),
    "C22_MENPSEUL": ("ménages", "d'une personne", ALL_AGES),
    # Civil registration: births of a year or of a period.
    "NAIS1621": ("naissances", "", band(0, 0)),
    "NAISD24": ("naissances", "", band(0, 0)),
    # Filosofi: statistics over the persons of fiscal households.
    "MED21": ("personnes", "", ALL_AGES),
    "Q221": ("personnes", "", ALL_AGES),
    "TP6021": ("personnes", "", ALL_AGES),
    "Q219": ("personnes", "", ALL_AGES),
    "Q218": ("personnes", "", ALL_AGES),
    "Q216": ("personnes", "", ALL_AGES),
    "Q215": ("personnes", "", ALL_AGES),
    "Q214": ("personnes", "", ALL_AGES),
    # CAF data per IRIS: allocataires (households receiving a benefit), persons covered, children by age band.
    "A": ("allocataires", "", ALL_AGES),
    "ARSAS": ("allocataires", "RSA", ALL_AGES),
    "APPA": ("allocataires", "prime d'activité", ALL_AGES),
    "A_ETUD": ("allocataires", "étudiants", ALL_AGES),
    "AM": ("allocataires", "parents isolés", ALL_AGES),
    "AC3ENF": ("allocataires", "couples avec 3 enfants ou plus", ALL_AGES),
    "AI": ("allocataires", "isolés sans enfant", ALL_AGES),
    "AAL": ("allocataires", "aide au logement", ALL_AGES),
    "AAPL": ("allocataires", "APL", ALL_AGES),
    "AAAH": ("allocataires", "AAH", ALL_AGES),
    "APRES50": ("allocataires", "revenu dépendant pour au moins 50 % des prestations", ALL_AGES),
    "APRES100": ("allocataires", "revenu dépendant à 100 % des prestations", ALL_AGES),
    "PERCOU": ("personnes couvertes", "", ALL_AGES),
    "ENF": ("enfants", "", band(0, 24)),  # ENF_2 + ENF_3_5 + ENF_6_10 + ENF_11_14 + ENF_15_17 + ENF_18_24
    "ENF_2": ("enfants", "", band(0, 2)),
    # CAF data per commune or EPCI (data.caf.fr): allocataires by benefit.
    "NB_allocataire_RSA": ("allocataires", "RSA", ALL_AGES),
    "ALL_PAJE": ("allocataires", "PAJE", ALL_AGES),
    "ALL_CMG_ASMA": ("allocataires", "CMG assistant maternel", ALL_AGES),
    # CNAF's published childcare coverage (places per 100 children under 3) and places for children under 3.
    "txcouv": ("places pour 100 enfants", "", band(0, 2)),
    "txcouv_eaje": ("places pour 100 enfants", "EAJE", band(0, 2)),
    "txcouv_am_ind": ("places pour 100 enfants", "assistants maternels", band(0, 2)),
    "txcouv_gad_ind": ("places pour 100 enfants", "garde à domicile", band(0, 2)),
    "txcouv_prescol": ("places pour 100 enfants", "préscolarisation", band(0, 2)),
    "tot_offre": ("places", "", band(0, 2)),
    # Hook variables of the offer register (ctg.offer.indicators).
    "places_accueil_jeune_enfant": ("places", "", band(0, 2)),
    "enfants_moins_3_ans": ("enfants", "", band(0, 2)),
    "enfants_moins_3_ans_couverts_rpe": ("enfants", "couverts par un RPE", band(0, 2)),
    "communes_couvertes_rpe": ("communes", "couvertes par un RPE", ALL_AGES),
    "communes": ("communes", "", ALL_AGES),
}
# An estimate counts people through another variable: its method says which band it stands for.
ESTIMATED_BANDS = {"children_under_3_estimate": band(0, 2)}  # 3 years of births stand for the children aged 0-2

AGE_PATTERNS = [
    (re.compile(r"\bmoins de (\d+) ans\b"), lambda m: band(0, int(m[1]) - 1)),
    (re.compile(r"\b(\d+) ans ou plus\b"), lambda m: band(int(m[1]))),
    (re.compile(r"\bde (\d+) à (\d+) ans\b"), lambda m: band(int(m[1]), int(m[2]))),
    (re.compile(r"\b(\d+)-(\d+) ans\b"), lambda m: band(int(m[1]), int(m[2]))),
]
AGELESS_PATTERN = re.compile(r"\b(?:de tout âge|tous âges|quel que soit l'âge)\b")
# "Part des <universe>…": the denominator's universe, unless "parmi <universe>" names it.
SHARE_UNIVERSES = [
    ("allocataires", "allocataires"),
    ("familles", "familles"),
    ("ménages", "ménages"),
    ("résidences principales", "résidences principales"),
    ("logements", "logements"),
    ("communes", "communes"),
    ("enfants", "enfants"),
]
AMONG = {
    "parmi les familles avec enfant(s)": ("familles", {"avec enfant(s)"}),
    "parmi l'ensemble des familles": ("familles", {"avec enfant(s)", "sans enfant"}),
    "parmi les allocataires": ("allocataires", {""}),
}
RATE_UNIVERSES = {
    "Taux de chômage": "actifs",
    "Taux d'activité": "habitants",
    "Évolution de la population": "habitants",
}


def merged_band(variables: list[str]) -> object:
    """The one age band of several variables (adjacent bands join: 75-89 and 90+ is 75+), None for all ages,
    MIXED when they do not join."""
    bands = [VARIABLES[v][2] for v in variables]
    if any(b is None for b in bands):
        return None if all(b is None for b in bands) else MIXED
    ordered = sorted(b for b in bands if b is not None)
    low, high = ordered[0]
    for next_low, next_high in ordered[1:]:
        if high is None or next_low > high + 1:
            return MIXED
        high = None if next_high is None else max(high, next_high)
    return (low, high)


def claimed_bands(label: str) -> list:
    claims = [to_band(match) for pattern, to_band in AGE_PATTERNS for match in pattern.finditer(label)]
    if AGELESS_PATTERN.search(label):
        claims.append(AGELESS)
    return claims


def formula_band(indicator: catalogue.Indicator):
    if indicator.code in ESTIMATED_BANDS:
        return ESTIMATED_BANDS[indicator.code]
    return merged_band([t.variable for t in indicator.numerator])


def universe(terms) -> tuple[str, set[str]]:
    universes = {VARIABLES[t.variable][0] for t in terms}
    assert len(universes) == 1, f"une somme de termes d'univers différents : {universes}"
    return universes.pop(), {VARIABLES[t.variable][1] for t in terms}


def label_problems(indicator: catalogue.Indicator) -> list[str]:
    """What the label claims that the formula does not have (empty when they agree)."""
    problems = []
    label = indicator.label
    band_of_formula = formula_band(indicator)
    for claim in claimed_bands(label):
        if claim == AGELESS:
            if band_of_formula is not None:
                problems.append(f"« tout âge » alors que la formule porte sur la tranche {band_of_formula}")
        elif claim != band_of_formula:
            problems.append(f"tranche d'âge {claim} annoncée, la formule porte sur {band_of_formula}")
    if indicator.is_ratio and indicator.kind != Kind.PUBLISHED:
        noun, qualifiers = universe(indicator.denominator)
        for phrase, (expected_noun, expected_qualifiers) in AMONG.items():
            if phrase in label and (noun, qualifiers) != (expected_noun, expected_qualifiers):
                problems.append(f"« {phrase} » annoncé, le dénominateur compte : {noun} {sorted(qualifiers)}")
        if label.startswith("Part des ") and "parmi " not in label:
            subject = label.removeprefix("Part des ")
            expected = next((u for prefix, u in SHARE_UNIVERSES if subject.startswith(prefix)), "habitants")
            if noun != expected:
                problems.append(f"part des {expected} annoncée, le dénominateur compte : {noun}")
        for prefix, expected in RATE_UNIVERSES.items():
            if label.startswith(prefix) and noun != expected:
                problems.append(f"{prefix} : le dénominateur compte {noun}, pas des {expected}")
    return problems


@pytest.mark.parametrize("indicator", catalogue.CATALOGUE, ids=lambda i: i.code)
def test_every_variable_is_described(indicator):
    # A new variable in the catalogue is added to VARIABLES with its documented universe and age band.
    terms = indicator.numerator + indicator.denominator
    assert {t.variable for t in terms} <= VARIABLES.keys()
    assert set(indicator.inputs) <= VARIABLES.keys()


@pytest.mark.parametrize("indicator", catalogue.CATALOGUE, ids=lambda i: i.code)
def test_label_claims_only_what_its_formula_has(indicator):
    assert label_problems(indicator) == []


def census_exploitations(indicator: catalogue.Indicator) -> set[str]:
    """P (main exploitation) and/or C (complementary) of the census variables of a formula."""
    terms = indicator.numerator + indicator.denominator
    return {t.variable[0] for t in terms if re.match(r"^[PC]\d\d_", t.variable)}


@pytest.mark.parametrize("indicator", [i for i in catalogue.CATALOGUE if i.is_ratio], ids=lambda i: i.code)
def test_a_census_ratio_reads_one_exploitation(indicator):
    # P22_* (main exploitation) and C22_* (complementary, a quarter sample) are two estimates of the same
    # population: a ratio of one over the other is not a share.
    assert len(census_exploitations(indicator)) <= 1


def labelled(code: str, label: str) -> catalogue.Indicator:
    return dataclasses.replace(catalogue.get(code), label=label)


@pytest.mark.parametrize(
    ("code", "wrong_label"),
    [
        # The labels this check was written against: each claims a band or a universe the formula has not.
        ("families_with_children", "Familles avec enfants de moins de 25 ans"),
        ("caf_children", "Enfants couverts par la CAF, tous âges"),
        ("single_parent_share", "Part des familles monoparentales parmi l'ensemble des familles"),
        ("families_with_children_share", "Part des familles avec enfant(s) parmi les familles avec enfant(s)"),
        ("share_0_14", "Part des moins de 3 ans"),
        ("share_15_29", "Part des 15-24 ans"),
        ("unemployment_15_24", "Taux de chômage de 15 à 29 ans"),
        ("share_75_plus", "Part des 90 ans ou plus"),
        ("caf_children_under_3", "Enfants de moins de 6 ans couverts par la CAF"),
        ("caf_rsa_share", "Part des ménages percevant le RSA"),
        ("vacant_share", "Part des résidences principales vacantes"),
        ("unemployment_15_64", "Taux d'activité des 15-64 ans"),
    ],
)
def test_a_label_claiming_what_its_formula_has_not_fails(code, wrong_label):
    assert label_problems(labelled(code, wrong_label))


def test_the_exploitation_check_fails_on_a_mixed_ratio():
    # The formula this check was written against: C22_MENPSEUL / P22_MEN.
    mixed = dataclasses.replace(catalogue.get("one_person_households_share"), denominator=(catalogue.Term("P22_MEN"),))
    assert census_exploitations(mixed) == {"C", "P"}
