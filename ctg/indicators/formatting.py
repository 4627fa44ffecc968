"""French display of indicator figures: 1 234,5 ; 19,4 % ; explicit words for secret, missing and incomplete values.

An incomplete aggregate (some communes of the territory without a value) is not the territory's figure: it reads
"non disponible", and its partial sum only appears in the note, named as such. A share on a small denominator
keeps its figure with the note "effectif faible". Rounding is half up (ctg.core.formatting).
"""

from ctg.core.formatting import MINUS_SIGN, rounded
from ctg.core.formatting import format_number as french_number
from ctg.indicators.enums import ValueStatus

NBSP = "\u00a0"
STATUS_WORDS: dict[str, str] = {
    ValueStatus.SECRET: "secret statistique",
    ValueStatus.MISSING: "non disponible",
}


def format_number(value: float, decimals: int = 1) -> str:
    return french_number(value, decimals, minus=MINUS_SIGN)


def format_value(value: float | None, *, unit: str, decimals: int, status: str = ValueStatus.OK) -> str:
    if value is None or status in STATUS_WORDS:
        return STATUS_WORDS.get(status, STATUS_WORDS[ValueStatus.MISSING])
    number = format_number(value, decimals)
    if unit in {"%", "€"}:
        return f"{number}{NBSP}{unit}"
    return number


def rounded_value(value: float | None, decimals: int) -> float | None:
    """The number a display writes (half up), for code that draws it: a map's tooltip agrees with the table."""
    return None if value is None else float(rounded(value, decimals))


def small_number_note(denominator: float, threshold: int) -> str:
    """E.g. "effectif faible : 6 au dénominateur (moins de 30)" (a weighted census count is written to the unit)."""
    return f"effectif faible : {format_number(denominator, 0)} au dénominateur (moins de {threshold})"


def unimported_note(file: str) -> str:
    """E.g. "publié par le producteur dans : INSEE, Filosofi 2021, EPCI (FILO2021_DISP_EPCI.csv) ; ce fichier
    n'est pas importé"."""
    return f"publié par le producteur dans : {file} ; ce fichier n'est pas importé"


def parts_note(present: int | None, expected: int | None) -> str:
    """How complete an aggregate is, e.g. "50 communes sur 708"."""
    if present is None or expected is None:
        return ""
    noun = "commune" if present <= 1 else "communes"
    return f"{format_number(present, 0)} {noun} sur {format_number(expected, 0)}"


def iris_gap_display(status: str, present: int | None, expected: int) -> tuple[str, str]:
    """(display, note) of a commune split into IRIS without a CAF figure: "secret statistique (3 IRIS sur 4)"
    when some of its IRIS are secret; otherwise the file leaves it out, or leaves out part of its IRIS."""
    if status == ValueStatus.SECRET:
        secret = expected - (present or 0)
        return (
            f"{STATUS_WORDS[ValueStatus.SECRET]} ({format_number(secret, 0)} IRIS sur {format_number(expected, 0)})",
            "",
        )
    return "non disponible", f"commune de {format_number(expected, 0)} IRIS absente du fichier ou publiée en partie"


def incomplete_note(present: int | None, expected: int | None, *, partial: str, is_ratio: bool) -> str:
    """E.g. "agrégat incomplet : 50 communes sur 707 (somme partielle : 77 968)"."""
    note = f"agrégat incomplet : {parts_note(present, expected)}"
    if not partial:
        return note
    noun = "communes renseignées" if (present or 0) > 1 else "commune renseignée"
    detail = f"valeur sur les seules {noun}" if is_ratio else "somme partielle"
    return f"{note} ({detail} : {partial})"


def joined_names(names: list[str]) -> str:
    """E.g. "Seine-Maritime, Normandie et France"."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} et {names[-1]}"
