"""What every import shares: where a problem is, the refusal of a file, the report of an import, and the one
encoding policy for text files.

Contract of an import (open data, offer CSV, plan XLSX): the whole file is read and checked first; any problem
refuses it whole with `ImportRefused`, whose `errors` list `ImportProblem`s in French naming the file or the
sheet, the line and the column; nothing is written. An accepted file gives an `ImportReport` counting what was
read, created, updated, left unchanged and rejected; a dry run (simulation) counts the same without writing, and
its summary says so first.

Encoding of text files (`decode_text`), the same for every CSV importer:
- UTF-8, with or without BOM, is read as is;
- UTF-16 (« Texte Unicode » of spreadsheets, with or without BOM) is refused, named as such;
- a file that is not UTF-8 and holds no UTF-8 at all is read as Windows-1252 (Latin-1 with the spreadsheet
  extras: €, œ, curly quotes): spreadsheet software saves « CSV » that way, and producers (INSEE, CAF) published
  some editions in Latin-1. Every printable Latin-1 character is read the same in Windows-1252;
- a file mixing UTF-8 and another encoding (a UTF-8 BOM or UTF-8 accents, then a byte that is not UTF-8), or
  holding a byte Windows-1252 does not define, is refused with the line of the first bad byte: guessing would
  silently garble its text.
Every refusal says what to do: save the file in UTF-8 and import it again.
"""

import dataclasses
import re
from collections.abc import Iterable, Iterator, Mapping

from ctg.core.formatting import counted

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# A well-formed UTF-8 sequence of two to four bytes (no overlong forms, no surrogates, nothing above U+10FFFF).
UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]"
    rb"|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]"
    rb"|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
SAVE_AS_UTF8 = "Enregistrez le fichier en UTF-8 (« CSV UTF-8 » dans un tableur) puis importez-le à nouveau."
UTF16_MESSAGE = (
    "le fichier est encodé en UTF-16 (« Texte Unicode » des tableurs). Enregistrez-le en UTF-8 (CSV UTF-8) puis "
    "importez-le à nouveau."
)
SIMULATION = "Simulation : "
# A cell quoted in a message is cut after this many characters: a message quotes a value, it does not reproduce it.
QUOTED_CHARS = 40


def quoted(value: str) -> str:
    """A cell as shown in a message: cut after QUOTED_CHARS characters."""
    return value if len(value) <= QUOTED_CHARS else value[:QUOTED_CHARS] + "…"


@dataclasses.dataclass(frozen=True)
class ImportProblem:
    """One reason to refuse a file, located as precisely as known; `message` is French, starting in lower case.

    `file` is the file's name (or what stands for it, e.g. « classeur », when the name is not known), `sheet` the
    sheet of a workbook, `line` the line of the file or sheet (1 is the header; 0 when the whole file or sheet is
    at fault), `column` the column's name or the field, `column_number` its position when the file has no fixed
    layout."""

    message: str
    file: str = ""
    sheet: str = ""
    line: int = 0
    column: str = ""
    column_number: int = 0

    @property
    def where(self) -> str:
        """« file, feuille « S », ligne N, colonne 2 « C » », each part only when known."""
        parts = [self.file] if self.file else []
        if self.sheet:
            parts.append(f"feuille « {self.sheet} »")
        if self.line:
            parts.append(f"ligne {self.line}")
        if self.column or self.column_number:
            column = "colonne" + (f" {self.column_number}" if self.column_number else "")
            parts.append(column + (f" « {self.column} »" if self.column else ""))
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where
        return f"{where} : {self.message}" if where else self.message


class ImportRefused(Exception):
    """A file is refused whole and nothing was written. `errors` lists its problems, in the file's order.

    A plain string is taken as a problem without location (its text may name one itself)."""

    def __init__(self, errors: ImportProblem | str | Iterable[ImportProblem | str]):
        if isinstance(errors, ImportProblem | str):
            errors = [errors]
        self.errors: list[ImportProblem] = [
            error if isinstance(error, ImportProblem) else ImportProblem(error) for error in errors
        ]
        super().__init__(str(self))

    @property
    def messages(self) -> list[str]:
        """Each problem as one French sentence, location first."""
        return [str(error) for error in self.errors]

    def __str__(self) -> str:
        messages = self.messages
        return messages[0] if len(messages) == 1 else " ; ".join(messages[:3])


class KindCounts(int):
    """A count that also knows its split by kind of row (« actions », « financements »…).

    It is the total wherever a number is expected, and a mapping of kinds to counts otherwise: it compares equal
    to a dict of the same split, and lists `items()` for a page. Immutable like any int: `plus` returns a new one.
    """

    _kinds: dict[str, int]

    def __new__(cls, kinds: Mapping[str, int] | None = None) -> "KindCounts":
        kinds = dict(kinds or {})
        counts = super().__new__(cls, sum(kinds.values()))
        counts._kinds = kinds
        return counts

    def plus(self, kind: str, number: int = 1) -> "KindCounts":
        return KindCounts({**self._kinds, kind: self._kinds.get(kind, 0) + number})

    def items(self) -> Iterator[tuple[str, int]]:
        return iter(self._kinds.items())

    def __getitem__(self, kind: str) -> int:
        return self._kinds[kind]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._kinds == dict(other)
        return int(self) == other

    def __hash__(self) -> int:
        return int.__hash__(self)

    def __str__(self) -> str:
        return str(int(self))

    def __repr__(self) -> str:
        return f"KindCounts({self._kinds!r})"


@dataclasses.dataclass(kw_only=True)
class ImportReport:
    """What an import read and did. Counts are of lines (or rows), or of values where an importer says so.

    `errors` stays empty for the importers that raise ImportRefused; an importer that returns its refusals in
    the report (the plan workbook) lists them there and writes nothing."""

    dry_run: bool = False
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[ImportProblem] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> int:
        return self.created + self.updated

    def summary(self) -> str:
        """One French sentence; a simulation says so first."""
        return (SIMULATION if self.dry_run else "") + self.details()

    def details(self) -> str:
        return (
            f"{counted(self.read, 'ligne lue')}, {counted(self.created, 'créée')}, "
            f"{counted(self.updated, 'mise à jour', 'mises à jour')}, {counted(self.unchanged, 'inchangée')}, "
            f"{counted(self.rejected, 'rejetée')}."
        )


def looks_like_utf16(raw: bytes) -> bool:
    """A UTF-16 BOM, or a start where one byte in two is NUL (UTF-16 saved without BOM)."""
    if raw.startswith(UTF16_BOMS):
        return True
    sample = raw[:4096]
    if len(sample) < 4:
        return False
    # Latin text in UTF-16 has a NUL in (nearly) every other byte, on the odd side (LE) or the even side (BE).
    half = len(sample) // 2
    return max(sample[0::2].count(0), sample[1::2].count(0)) >= half * 0.4


def _line_of(raw: bytes, position: int) -> int:
    return raw.count(b"\n", 0, position) + 1


def decode_text(raw: bytes, file_name: str = "") -> str:
    """The text of a CSV file under the policy of the module docstring; ImportRefused (line 1 or the line of the
    first bad byte) otherwise. A UTF-8 BOM is removed."""
    if looks_like_utf16(raw):
        raise ImportRefused(ImportProblem(UTF16_MESSAGE, file=file_name, line=1))
    has_bom = raw.startswith(UTF8_BOM)
    body = raw[len(UTF8_BOM) :] if has_bom else raw
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = exc.start
    if has_bom or UTF8_SEQUENCE.search(body) is not None:
        raise ImportRefused(
            ImportProblem(
                f"caractère illisible (octet {body[bad]:#04x}) : le fichier n'est pas encodé en UTF-8 de bout en "
                f"bout (il mélange UTF-8 et un autre encodage, Latin-1 ou Windows-1252 par exemple). {SAVE_AS_UTF8}",
                file=file_name,
                line=_line_of(body, bad),
            )
        )
    try:
        return body.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ImportRefused(
            ImportProblem(
                f"caractère illisible (octet {body[exc.start]:#04x}) : le fichier n'est pas encodé en UTF-8, ni en "
                f"Latin-1 / Windows-1252. {SAVE_AS_UTF8}",
                file=file_name,
                line=_line_of(body, exc.start),
            )
        ) from None
