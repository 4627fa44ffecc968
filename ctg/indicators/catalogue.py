"""The declarative catalogue of indicators: what each one measures, from which published variables, where.

An additive indicator is (Σ numerator terms) / (Σ denominator terms) × scale, computed per commune and, at every
higher level, from the summed parts of its communes. A published indicator (median, poverty rate) is a
statistic the producer computes itself: it is only shown at the levels where the producer publishes it.
An estimate names its method. A hook indicator is computed by a function over another register (the offer of
services) that the owning app registers under the indicator's `hook` name (`ctg.indicators.hooks`); until that
register holds data, it answers "non disponible".

A share whose denominator counts fewer than `SMALL_NUMBER_THRESHOLD` people (households, families…) is flagged
"effectif faible" wherever it is shown. A published statistic names, per level, the producer's file that carries
it (`published_files`): where that file was not imported, the figure says so and names it, rather than
"non publié à ce niveau", which only stands where the producer does not publish the figure.

Variables are the producers' names as published (INSEE P22_POP, Filosofi Q219, CAF ENF_2...). The series year
is the year of the first numerator variable; a term marked `latest` takes that variable's latest vintage
whatever the series year (the area of the commune, the 2016 population of a 2016-2022 change).
"""

import dataclasses

from ctg.indicators.enums import Direction, Kind
from ctg.territories.enums import Level

ALL_LEVELS = (Level.COMMUNE, Level.EPCI, Level.DEPARTEMENT, Level.REGION, Level.FRANCE)

# Tabs of the diagnostic: the territory first, then the CAF's seven reference themes (codes of conventions.Theme).
THEMES = [
    ("territoire", "Territoire et population"),
    ("acces-aux-droits", "Accès aux droits"),
    ("petite-enfance", "Petite enfance"),
    ("enfance-jeunesse", "Enfance et jeunesse"),
    ("parentalite", "Parentalité"),
    ("animation-vie-sociale", "Animation de la vie sociale"),
    ("logement", "Logement et gens du voyage"),
    ("handicap", "Handicap à visée inclusive"),
]
THEME_LABELS = dict(THEMES)

RP22 = "INSEE, recensement de la population 2022 (exploitation principale)"
RP22_COMPL = "INSEE, recensement de la population 2022 (exploitation complémentaire)"
RP16 = "INSEE, recensement de la population 2016"
ETAT_CIVIL = "INSEE, état civil"
FILOSOFI21 = "INSEE, Filosofi 2021"
FILOSOFI19 = "INSEE, Filosofi 2019"
CAF_IRIS = "Cnaf et INSEE, données CAF à l'IRIS agrégées à la commune"
OFFER = "Registre de l'offre de services de la convention"
CNAF_COVERAGE = "Cnaf, taux de couverture en accueil du jeune enfant (data.caf.fr)"
CNAF_PLACES = "Cnaf, places d'accueil du jeune enfant (data.caf.fr)"
CAF_TERRITORIES = "CAF, allocataires et prestations par commune ou par EPCI (data.caf.fr)"
# The CNAF publishes its coverage rate and places per commune (over 10,000 inhabitants), EPCI, département and France
# (TAUXCOUV: every commune, with its EPCI, département and France); never recomputed at another level.
CNAF_LEVELS = (Level.COMMUNE, Level.EPCI, Level.DEPARTEMENT, Level.FRANCE)

# Below this denominator a share is flagged "effectif faible" (pages, maps, exports): one person more or less
# moves it by more than 3 points (1 / 30 = 3,3 %), and the census counts are themselves estimates, so a 0,0 %
# unemployment rate of 6 young actives says nothing about the commune. 30 is the usual floor of a proportion's
# normal approximation; it flags small communes' age bands without flagging whole communes.
SMALL_NUMBER_THRESHOLD = 30


@dataclasses.dataclass(frozen=True)
class Term:
    variable: str
    coefficient: float = 1.0
    latest: bool = False


@dataclasses.dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    definition: str
    theme: str
    unit: str
    numerator: tuple[Term, ...]
    source: str
    denominator: tuple[Term, ...] = ()
    scale: float = 1.0
    direction: str = Direction.NEUTRAL
    kind: str = Kind.ADDITIVE
    levels: tuple[str, ...] = ALL_LEVELS
    decimals: int = 1
    method: str = ""
    period: str = ""
    hook: str = ""
    # Published variables a hook reads besides the offer register (e.g. births for the children estimate).
    inputs: tuple[str, ...] = ()
    # Why a territory has no value, shown beside "non disponible" in the key figures.
    missing_note: str = ""
    # A share whose denominator is under this count is flagged "effectif faible" (0: never; see the module).
    small_number_threshold: int = 0
    # A published statistic: (level, the producer's file that carries it at that level), for each level.
    published_files: tuple[tuple[str, str], ...] = ()
    # The indicator that measured the same thing on an earlier vintage under another code (the 2016 population for
    # the 2022 one): what changed since a snapshot compares the two when the snapshot holds only the earlier one.
    follows: str = ""
    # The territorial referential holds this figure for the communes (the census population municipale of
    # ctg.territories.selectors.REFERENTIAL_POPULATION_YEAR): where the imported files do not give a territory's
    # figure for that year, it is summed from the referential, complete only if every commune has it.
    from_referential: bool = False

    @property
    def variables(self) -> set[str]:
        return {t.variable for t in self.numerator + self.denominator}

    def published_file(self, level: str) -> str:
        """The producer's file that carries this published statistic at `level` ("" when none is named)."""
        return dict(self.published_files).get(level, "")

    @property
    def anchor(self) -> str:
        return self.numerator[0].variable if self.numerator else ""

    @property
    def is_ratio(self) -> bool:
        return bool(self.denominator)


def _t(*variables: str) -> tuple[Term, ...]:
    return tuple(Term(v) for v in variables)


def _indicator(code, label, definition, theme, unit, numerator, source, **fields) -> Indicator:
    return Indicator(
        code=code,
        label=label,
        definition=definition,
        theme=theme,
        unit=unit,
        numerator=numerator,
        source=source,
        **fields,
    )


def _share(code, label, definition, theme, numerator, denominator, source, **fields) -> Indicator:
    """A percentage: the numerator's part of the denominator, flagged under `SMALL_NUMBER_THRESHOLD`."""
    fields.setdefault("small_number_threshold", SMALL_NUMBER_THRESHOLD)
    return _indicator(
        code, label, definition, theme, "%", numerator, source, denominator=denominator, scale=100.0, **fields
    )


def _count(*args, **fields) -> Indicator:
    """A number of people, households or events, shown as a whole number (arguments of `_indicator`)."""
    return _indicator(*args, decimals=0, **fields)


def _filosofi_files(year: int, commune_file: str = "") -> tuple[tuple[str, str], ...]:
    """Where INSEE publishes a Filosofi statistic of `year`: its DISP file of each level."""
    files = {
        Level.COMMUNE: f"FILO{year}_DISP_COM.csv",
        Level.EPCI: f"FILO{year}_DISP_EPCI.csv",
        Level.DEPARTEMENT: f"FILO{year}_DISP_DEP.csv",
        Level.REGION: f"FILO{year}_DISP_REG.csv",
        Level.FRANCE: f"FILO{year}_DISP_METROPOLE.csv",
    }
    names = {
        level: f"INSEE, Filosofi {year}, {scale} ({name})"
        for (level, name), scale in zip(
            files.items(),
            ["communes", "EPCI", "départements", "régions", "France métropolitaine"],
            strict=True,
        )
    }
    if commune_file:
        names[Level.COMMUNE] = commune_file
    return tuple((level.value, name) for level, name in names.items())


COMPARATEUR = "INSEE, base comparateur de territoires (base_cc_comparateur.csv)"


def _cnaf_files(dataset: str, *, all_communes_file: str = "") -> tuple[tuple[str, str], ...]:
    """Where the Cnaf publishes a childcare statistic: its data.caf.fr dataset `<dataset>_<scale>` at each level."""
    scales = {
        Level.COMMUNE: ("com", "communes de plus de 10 000 habitants"),
        Level.EPCI: ("epci", "EPCI"),
        Level.DEPARTEMENT: ("dep", "départements"),
        Level.FRANCE: ("nat", "France"),
    }
    files = {}
    for level, (suffix, scale) in scales.items():
        if dataset.startswith("nbpla") and suffix == "nat":
            continue  # the places are not published for France
        name = f"Cnaf, data.caf.fr, {scale} ({dataset}_{suffix}"
        if suffix == "com" and all_communes_file:
            name += f" ou {all_communes_file}"
        files[level] = name + ")"
    return tuple(files.items())


def _published(*args, **fields) -> Indicator:
    """A statistic the producer computes itself (a median, a rate), shown where the producer publishes it
    (arguments of `_indicator`)."""
    return _indicator(*args, kind=Kind.PUBLISHED, **fields)


CATALOGUE: list[Indicator] = [
    # Territoire et population
    _count(
        "population",
        "Population municipale",
        "Nombre d'habitants résidant dans le territoire (population municipale).",
        "territoire",
        "habitants",
        _t("P22_POP"),
        RP22,
        follows="population_2016",
        from_referential=True,
    ),
    _count(
        "population_2016",
        "Population municipale en 2016",
        "Population municipale au recensement de 2016, base de l'évolution.",
        "territoire",
        "habitants",
        _t("P16_POP"),
        RP16,
    ),
    _share(
        "population_change",
        "Évolution de la population 2016-2022",
        "Variation de la population municipale entre 2016 et 2022, rapportée à la population de 2016.",
        "territoire",
        (Term("P22_POP"), Term("P16_POP", -1.0, latest=True)),
        (Term("P16_POP", latest=True),),
        f"{RP22} ; {RP16}",
        period="2016-2022",
    ),
    Indicator(
        code="density",
        label="Densité de population",
        definition="Population municipale 2022 divisée par la superficie en km².",
        theme="territoire",
        unit="hab./km²",
        numerator=_t("P22_POP"),
        denominator=(Term("SUPERF", latest=True),),
        source=f"{RP22} ; INSEE, superficie des communes",
    ),
    _share(
        "share_60_74",
        "Part des 60-74 ans",
        "Habitants de 60 à 74 ans rapportés à la population municipale.",
        "territoire",
        _t("P22_POP6074"),
        _t("P22_POP"),
        RP22,
    ),
    _share(
        "activity_rate",
        "Taux d'activité des 15-64 ans",
        "Actifs de 15 à 64 ans (en emploi ou au chômage) rapportés à la population de 15 à 64 ans.",
        "territoire",
        _t("P22_ACT1564"),
        _t("P22_POP1564"),
        RP22,
        direction=Direction.HIGHER_IS_BETTER,
    ),
    # Accès aux droits
    _share(
        "unemployment_15_64",
        "Taux de chômage des 15-64 ans (recensement)",
        "Chômeurs de 15 à 64 ans au sens du recensement rapportés aux actifs de 15 à 64 ans.",
        "acces-aux-droits",
        _t("P22_CHOM1564"),
        _t("P22_ACT1564"),
        RP22,
        direction=Direction.HIGHER_IS_WORSE,
    ),
    _published(
        "median_income_2021",
        "Revenu disponible médian par unité de consommation",
        "Médiane du revenu disponible par unité de consommation ; statistique non additive, "
        "affichée aux seuls niveaux où l'INSEE la publie.",
        "acces-aux-droits",
        "€",
        # MED21 in the comparateur (communes), Q221 in INSEE's Filosofi 2021 files by level (FILO2021_DISP_EPCI…,
        # like Q219 in the 2019 ones): the same median of the same edition, the comparateur's first at a commune.
        _t("MED21", "Q221"),
        FILOSOFI21,
        direction=Direction.HIGHER_IS_BETTER,
        decimals=0,
        published_files=_filosofi_files(2021, commune_file=COMPARATEUR),
        follows="median_income_2019",
    ),
    _published(
        "poverty_rate_2021",
        "Taux de pauvreté (seuil à 60 % du revenu médian)",
        "Part des personnes vivant sous le seuil de pauvreté ; statistique non additive, publiée "
        "par l'INSEE pour les communes de plus de 1 000 ménages fiscaux hors secret.",
        "acces-aux-droits",
        "%",
        _t("TP6021"),
        FILOSOFI21,
        direction=Direction.HIGHER_IS_WORSE,
        published_files=_filosofi_files(2021, commune_file=COMPARATEUR),
    ),
    _published(
        "median_income_2019",
        "Revenu disponible médian par unité de consommation, Filosofi 2014 à 2019",
        "Médiane du revenu disponible par unité de consommation, publiée par l'INSEE pour les communes, EPCI, "
        "départements, régions et la France métropolitaine, éditions 2014, 2015, 2016, 2018 et 2019 (chacune "
        "sur la géographie de son année : un EPCI ou une commune dont le périmètre a changé depuis ne se compare "
        "pas d'une édition à l'autre).",
        "acces-aux-droits",
        "€",
        # The latest vintage first (the series' anchor), then the earlier editions of the same statistic.
        _t("Q219", "Q218", "Q216", "Q215", "Q214"),
        FILOSOFI19,
        direction=Direction.HIGHER_IS_BETTER,
        decimals=0,
        published_files=_filosofi_files(2019),
    ),
    _count(
        "caf_allocataires",
        "Allocataires CAF",
        "Nombre de foyers allocataires de la CAF.",
        "acces-aux-droits",
        "allocataires",
        _t("A"),
        CAF_IRIS,
    ),
    _count(
        "caf_persons_covered",
        "Personnes couvertes par la CAF",
        "Allocataires, conjoints, enfants et autres personnes à charge.",
        "acces-aux-droits",
        "personnes",
        _t("PERCOU"),
        CAF_IRIS,
    ),
    _share(
        "caf_rsa_share",
        "Part des allocataires percevant le RSA",
        "Allocataires percevant le revenu de solidarité active (socle) rapportés aux allocataires.",
        "acces-aux-droits",
        _t("ARSAS"),
        _t("A"),
        CAF_IRIS,
        direction=Direction.HIGHER_IS_WORSE,
    ),
    _share(
        "caf_prime_activite_share",
        "Part des allocataires percevant la prime d'activité",
        "Allocataires percevant la prime d'activité rapportés aux allocataires.",
        "acces-aux-droits",
        _t("APPA"),
        _t("A"),
        CAF_IRIS,
    ),
    _share(
        "caf_income_dependent_50_share",
        "Part des allocataires dont le revenu dépend pour au moins 50 % des prestations CAF",
        "Allocataires dont les prestations versées par la CAF font au moins la moitié des ressources, rapportés "
        "aux allocataires (données CAF à l'IRIS, éditions 2016 et 2017).",
        "acces-aux-droits",
        _t("APRES50"),
        _t("A"),
        CAF_IRIS,
        direction=Direction.HIGHER_IS_WORSE,
    ),
    _share(
        "caf_income_dependent_100_share",
        "Part des allocataires dont le revenu dépend à 100 % des prestations CAF",
        "Allocataires dont les ressources sont entièrement constituées des prestations versées par la CAF, "
        "rapportés aux allocataires (données CAF à l'IRIS, éditions 2016 et 2017).",
        "acces-aux-droits",
        _t("APRES100"),
        _t("A"),
        CAF_IRIS,
        direction=Direction.HIGHER_IS_WORSE,
    ),
    _count(
        "caf_rsa_households",
        "Foyers allocataires du RSA",
        "Foyers allocataires percevant le revenu de solidarité active, toutes composantes (socle, majoré ou non).",
        "acces-aux-droits",
        "allocataires",
        _t("NB_allocataire_RSA"),
        CAF_TERRITORIES,
    ),
    _share(
        "caf_rsa_households_share",
        "Part des allocataires percevant le RSA (toutes composantes)",
        "Foyers allocataires percevant le revenu de solidarité active, toutes composantes, rapportés aux foyers "
        "allocataires (fichiers CAF par commune).",
        "acces-aux-droits",
        _t("NB_allocataire_RSA"),
        _t("A"),
        CAF_TERRITORIES,
        direction=Direction.HIGHER_IS_WORSE,
    ),
    # Petite enfance
    Indicator(
        code="births_per_year",
        label="Naissances par an (moyenne 2016-2021)",
        definition="Naissances domiciliées cumulées de 2016 à 2021, divisées par six années.",
        theme="petite-enfance",
        unit="naissances par an",
        numerator=(Term("NAIS1621", 1 / 6),),
        source=ETAT_CIVIL,
        period="2016-2021",
    ),
    _count(
        "births_2024",
        "Naissances en 2024",
        "Naissances domiciliées de l'année 2024.",
        "petite-enfance",
        "naissances",
        _t("NAISD24"),
        ETAT_CIVIL,
        follows="births_per_year",
    ),
    Indicator(
        code="children_under_3_estimate",
        label="Enfants de moins de 3 ans (estimation)",
        definition="Estimation du nombre d'enfants de moins de 3 ans : le recensement ne publie pas la tranche "
        "0-2 ans à la commune.",
        theme="petite-enfance",
        unit="enfants",
        numerator=(Term("NAIS1621", 3 / 6),),
        source=ETAT_CIVIL,
        kind=Kind.ESTIMATE,
        method="Estimation : 3 × la moyenne annuelle des naissances domiciliées 2016-2021 (NAIS1621 ÷ 6 × 3), "
        "sans correction de la mortalité infantile ni des migrations.",
        decimals=0,
        period="2016-2021",
    ),
    _count(
        "caf_children_under_3",
        "Enfants de moins de 3 ans couverts par la CAF",
        "Enfants de moins de 3 ans à charge d'un allocataire CAF.",
        "petite-enfance",
        "enfants",
        _t("ENF_2"),
        CAF_IRIS,
    ),
    _published(
        "childcare_coverage_cnaf",
        "Taux de couverture en accueil du jeune enfant (publié par la Cnaf)",
        "Capacité théorique d'accueil formel des enfants de moins de 3 ans pour 100 enfants de moins de 3 ans "
        "(accueil collectif, assistants maternels, garde à domicile, préscolarisation), tel que la Cnaf le publie "
        "(taux global, jamais recalculé de ses composantes arrondies ; il peut dépasser 100). Publié pour les "
        "communes de plus de 10 000 habitants, les EPCI, les départements et la France ; il prévaut sur le taux "
        "calculé d'après le registre de l'offre.",
        "petite-enfance",
        "places pour 100 enfants",
        _t("txcouv"),
        CNAF_COVERAGE,
        levels=CNAF_LEVELS,
        published_files=_cnaf_files("txcouv_pe", all_communes_file="TAUXCOUV<année>.csv"),
        direction=Direction.HIGHER_IS_BETTER,
    ),
    _published(
        "childcare_coverage_cnaf_eaje",
        "dont accueil collectif (EAJE)",
        "Composante « établissements d'accueil du jeune enfant » du taux de couverture publié par la Cnaf, pour "
        "100 enfants de moins de 3 ans.",
        "petite-enfance",
        "places pour 100 enfants",
        _t("txcouv_eaje"),
        CNAF_COVERAGE,
        levels=CNAF_LEVELS,
        published_files=_cnaf_files("txcouv_pe", all_communes_file="TAUXCOUV<année>.csv"),
    ),
    _published(
        "childcare_coverage_cnaf_am",
        "dont assistants maternels",
        "Composante « assistants maternels employés par des particuliers » du taux de couverture publié par la "
        "Cnaf, pour 100 enfants de moins de 3 ans.",
        "petite-enfance",
        "places pour 100 enfants",
        _t("txcouv_am_ind"),
        CNAF_COVERAGE,
        levels=CNAF_LEVELS,
        published_files=_cnaf_files("txcouv_pe", all_communes_file="TAUXCOUV<année>.csv"),
    ),
    _published(
        "childcare_coverage_cnaf_home",
        "dont garde à domicile",
        "Composante « salariés à domicile » du taux de couverture publié par la Cnaf, pour 100 enfants de moins de "
        "3 ans.",
        "petite-enfance",
        "places pour 100 enfants",
        _t("txcouv_gad_ind"),
        CNAF_COVERAGE,
        levels=CNAF_LEVELS,
        published_files=_cnaf_files("txcouv_pe", all_communes_file="TAUXCOUV<année>.csv"),
    ),
    _published(
        "childcare_coverage_cnaf_preschool",
        "dont préscolarisation des enfants de 2 ans",
        "Composante « école préélémentaire » du taux de couverture publié par la Cnaf, pour 100 enfants de moins "
        "de 3 ans.",
        "petite-enfance",
        "places pour 100 enfants",
        _t("txcouv_prescol"),
        CNAF_COVERAGE,
        levels=CNAF_LEVELS,
        published_files=_cnaf_files("txcouv_pe", all_communes_file="TAUXCOUV<année>.csv"),
    ),
    _published(
        "childcare_places_cnaf",
        "Places d'accueil du jeune enfant (publiées par la Cnaf)",
        "Offre d'accueil formel des enfants de moins de 3 ans (places en EAJE, chez les assistants maternels, en "
        "garde à domicile et en préscolarisation) telle que la Cnaf la publie, au niveau où elle la publie.",
        "petite-enfance",
        "places",
        _t("tot_offre"),
        CNAF_PLACES,
        levels=(Level.COMMUNE, Level.EPCI, Level.DEPARTEMENT),
        published_files=_cnaf_files("nbpla_pe"),
        decimals=0,
        # More places of formal childcare is what the CTG's early-childhood theme aims at (DESIGN.md).
        direction=Direction.HIGHER_IS_BETTER,
    ),
    _count(
        "caf_paje",
        "Foyers allocataires percevant la PAJE",
        "Foyers allocataires percevant la prestation d'accueil du jeune enfant (au moins une de ses composantes).",
        "petite-enfance",
        "allocataires",
        _t("ALL_PAJE"),
        CAF_TERRITORIES,
    ),
    _share(
        "caf_paje_share",
        "Part des allocataires percevant la PAJE",
        "Foyers allocataires percevant la prestation d'accueil du jeune enfant rapportés aux foyers allocataires.",
        "petite-enfance",
        _t("ALL_PAJE"),
        _t("A"),
        CAF_TERRITORIES,
    ),
    _count(
        "caf_cmg_assistant_maternel",
        "Foyers allocataires percevant le CMG « assistant maternel »",
        "Foyers allocataires percevant le complément de libre choix du mode de garde pour l'emploi d'un assistant "
        "maternel (relevé en novembre par la CAF).",
        "petite-enfance",
        "allocataires",
        _t("ALL_CMG_ASMA"),
        CAF_TERRITORIES,
    ),
    _share(
        "childcare_coverage",
        "Taux de couverture en accueil du jeune enfant",
        "Places d'accueil collectif (EAJE), préscolarisation des enfants de 2 ans, assistants maternels et "
        "garde à domicile, rapportées aux enfants de moins de 3 ans (définition de l'Observatoire national "
        "de la petite enfance). Calculé d'après le registre de l'offre, seulement là où le registre a toutes ces "
        "composantes ; le taux publié par la Cnaf, quand il est importé, est celui qui fait référence.",
        "petite-enfance",
        _t("places_accueil_jeune_enfant"),
        _t("enfants_moins_3_ans"),
        OFFER,
        kind=Kind.HOOK,
        hook="childcare_coverage",
        direction=Direction.HIGHER_IS_BETTER,
        missing_note="taux non calculable : aucune donnée sur la préscolarisation des enfants de 2 ans, la garde "
        "à domicile ni les places offertes par les assistants maternels (un nombre d'assistants maternels "
        "n'est pas un nombre de places)",
    ),
    _share(
        "rpe_communes_share",
        "Part des communes couvertes par un relais petite enfance",
        "Communes couvertes par un relais petite enfance (RPE) rapportées aux communes du territoire.",
        "petite-enfance",
        _t("communes_couvertes_rpe"),
        _t("communes"),
        OFFER,
        kind=Kind.HOOK,
        hook="rpe_communes",
        direction=Direction.HIGHER_IS_BETTER,
        # Its denominator counts communes, not people: one commune is the whole of itself.
        small_number_threshold=0,
    ),
    _share(
        "rpe_children_share",
        "Part des enfants de moins de 3 ans couverts par un relais petite enfance",
        "Enfants de moins de 3 ans (estimation par les naissances) des communes couvertes par un RPE, "
        "rapportés aux enfants de moins de 3 ans du territoire.",
        "petite-enfance",
        _t("enfants_moins_3_ans_couverts_rpe"),
        _t("enfants_moins_3_ans"),
        f"{OFFER} ; {ETAT_CIVIL}",
        kind=Kind.HOOK,
        hook="rpe_children",
        inputs=("NAIS1621",),
        method="Estimation : enfants de moins de 3 ans de chaque commune = 3 × la moyenne annuelle des naissances "
        "domiciliées 2016-2021 (NAIS1621 ÷ 6 × 3) ; millésime de la couverture = année de référence du registre.",
        direction=Direction.HIGHER_IS_BETTER,
    ),
    # Enfance et jeunesse
    _share(
        "share_0_14",
        "Part des moins de 15 ans",
        "Habitants de 0 à 14 ans rapportés à la population municipale.",
        "enfance-jeunesse",
        _t("P22_POP0014"),
        _t("P22_POP"),
        RP22,
    ),
    _share(
        "share_15_29",
        "Part des 15-29 ans",
        "Habitants de 15 à 29 ans rapportés à la population municipale.",
        "enfance-jeunesse",
        _t("P22_POP1529"),
        _t("P22_POP"),
        RP22,
    ),
    _share(
        "unemployment_15_24",
        "Taux de chômage des 15-24 ans (recensement)",
        "Chômeurs de 15 à 24 ans au sens du recensement rapportés aux actifs de 15 à 24 ans.",
        "enfance-jeunesse",
        _t("P22_CHOM1524"),
        _t("P22_ACT1524"),
        RP22,
        direction=Direction.HIGHER_IS_WORSE,
    ),
    _count(
        "caf_children",
        "Enfants de moins de 25 ans couverts par la CAF",
        "Enfants de moins de 25 ans à charge des allocataires CAF (somme des tranches d'âge de 0 à 24 ans).",
        "enfance-jeunesse",
        "enfants",
        _t("ENF"),
        CAF_IRIS,
    ),
    _share(
        "caf_young_students_share",
        "Part des allocataires étudiants",
        "Allocataires étudiants rapportés aux allocataires.",
        "enfance-jeunesse",
        _t("A_ETUD"),
        _t("A"),
        CAF_IRIS,
    ),
    # Parentalité
    _count(
        "families_with_children",
        "Familles avec enfant(s), de tout âge",
        "Couples avec enfant(s) et familles monoparentales, quel que soit l'âge des enfants (exploitation "
        "complémentaire du recensement).",
        "parentalite",
        "familles",
        _t("C22_COUPAENF", "C22_FAMMONO"),
        RP22_COMPL,
    ),
    _share(
        "families_with_children_share",
        "Part des familles avec enfant(s) parmi l'ensemble des familles",
        "Couples avec enfant(s) et familles monoparentales, quel que soit l'âge des enfants, rapportés à "
        "l'ensemble des familles (couples avec ou sans enfant, familles monoparentales).",
        "parentalite",
        _t("C22_COUPAENF", "C22_FAMMONO"),
        _t("C22_COUPAENF", "C22_FAMMONO", "C22_COUPSENF"),
        RP22_COMPL,
    ),
    _share(
        "single_parent_share",
        "Part des familles monoparentales parmi les familles avec enfant(s)",
        "Familles monoparentales rapportées aux familles avec enfant(s) (couples avec enfant(s) et familles "
        "monoparentales), quel que soit l'âge des enfants.",
        "parentalite",
        _t("C22_FAMMONO"),
        _t("C22_FAMMONO", "C22_COUPAENF"),
        RP22_COMPL,
        direction=Direction.HIGHER_IS_WORSE,
    ),
    _share(
        "caf_single_parents_share",
        "Part des allocataires parents isolés",
        "Allocataires isolés avec enfants rapportés aux allocataires.",
        "parentalite",
        _t("AM"),
        _t("A"),
        CAF_IRIS,
    ),
    _share(
        "caf_large_families_share",
        "Part des allocataires couples avec 3 enfants ou plus",
        "Allocataires en couple avec au moins trois enfants rapportés aux allocataires.",
        "parentalite",
        _t("AC3ENF"),
        _t("A"),
        CAF_IRIS,
    ),
    # Animation de la vie sociale
    _share(
        "one_person_households_share",
        "Part des ménages d'une personne",
        "Ménages d'une seule personne rapportés à l'ensemble des ménages, les deux de l'exploitation "
        "complémentaire du recensement (un rapport entre deux exploitations mêlerait deux estimations).",
        "animation-vie-sociale",
        _t("C22_MENPSEUL"),
        _t("C22_MEN"),
        RP22_COMPL,
        missing_note="le total des ménages de l'exploitation complémentaire (C22_MEN, dossier complet de l'INSEE) "
        "n'est pas dans l'extrait importé",
    ),
    _share(
        "share_75_plus",
        "Part des 75 ans ou plus",
        "Habitants de 75 ans ou plus (75-89 ans et 90 ans ou plus) rapportés à la population municipale.",
        "animation-vie-sociale",
        _t("P22_POP7589", "P22_POP90P"),
        _t("P22_POP"),
        RP22,
    ),
    _share(
        "caf_single_no_children_share",
        "Part des allocataires isolés sans enfant",
        "Allocataires seuls sans enfant rapportés aux allocataires.",
        "animation-vie-sociale",
        _t("AI"),
        _t("A"),
        CAF_IRIS,
    ),
    # Logement
    _count(
        "households",
        "Ménages",
        "Nombre de ménages (résidences principales occupées).",
        "logement",
        "ménages",
        _t("P22_MEN"),
        RP22,
    ),
    _share(
        "owners_share",
        "Part des résidences principales occupées par leur propriétaire",
        "Résidences principales occupées par leur propriétaire rapportées aux résidences principales.",
        "logement",
        _t("P22_RP_PROP"),
        _t("P22_RP"),
        RP22,
    ),
    _share(
        "vacant_share",
        "Part des logements vacants",
        "Logements vacants rapportés à l'ensemble des logements.",
        "logement",
        _t("P22_LOGVAC"),
        _t("P22_LOG"),
        RP22,
        direction=Direction.HIGHER_IS_WORSE,
    ),
    _share(
        "caf_housing_aid_share",
        "Part des allocataires percevant une aide au logement",
        "Allocataires percevant une aide au logement (APL, ALF ou ALS) rapportés aux allocataires.",
        "logement",
        _t("AAL"),
        _t("A"),
        CAF_IRIS,
    ),
    _share(
        "caf_apl_share",
        "Part des allocataires percevant l'APL",
        "Allocataires percevant l'aide personnalisée au logement rapportés aux allocataires.",
        "logement",
        _t("AAPL"),
        _t("A"),
        CAF_IRIS,
    ),
    # Handicap
    _count(
        "caf_aah",
        "Allocataires de l'AAH",
        "Allocataires percevant l'allocation aux adultes handicapés.",
        "handicap",
        "allocataires",
        _t("AAAH"),
        CAF_IRIS,
    ),
    _share(
        "caf_aah_share",
        "Part des allocataires percevant l'AAH",
        "Allocataires percevant l'allocation aux adultes handicapés rapportés aux allocataires.",
        "handicap",
        _t("AAAH"),
        _t("A"),
        CAF_IRIS,
    ),
]

BY_CODE: dict[str, Indicator] = {indicator.code: indicator for indicator in CATALOGUE}

# (published, computed) indicators shown as one line (ctg.indicators.selectors): the producer's figure wherever it
# is imported, the computed one only where the published one is missing and the computation has every component.
# One coverage rate, not two competing ones.
MERGED_LINES: tuple[tuple[str, str], ...] = (("childcare_coverage_cnaf", "childcare_coverage"),)
# Lines of the diagnostic and of its exports when every indicator is shown.
LINE_COUNT = len(CATALOGUE) - len(MERGED_LINES)


def get(code: str) -> Indicator:
    return BY_CODE[code]


def for_theme(theme: str) -> list[Indicator]:
    return [indicator for indicator in CATALOGUE if indicator.theme == theme]
