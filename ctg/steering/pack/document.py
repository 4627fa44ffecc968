"""A steering document as plain blocks (headings, paragraphs, tables, sources) that every format renders the same.

The content modules (ctg.steering.pack.content) fill a `PackDocument`; ctg.steering.pack.docx_pack,
pdf_pack and pptx_pack print it. Every text typed by a user goes through `text()`: control characters removed and
a leading formula character neutralised (ctg.reports.cells), so a cell never runs as a formula once the document
is pasted into a spreadsheet.
"""

import dataclasses

from ctg.reports.cells import neutralise


def text(value) -> str:
    """A text typed by a user, safe in a table cell of any office format."""
    if value is None:
        return ""
    return neutralise(str(value))


@dataclasses.dataclass
class Table:
    caption: str
    header: list[str]
    rows: list[list[str]]
    empty: str = "Aucune ligne."
    # Columns (by index) holding figures, aligned right.
    figures: tuple[int, ...] = ()


@dataclasses.dataclass
class Paragraph:
    text: str
    muted: bool = False


@dataclasses.dataclass
class Source:
    text: str


Block = Table | Paragraph | Source


@dataclasses.dataclass
class Section:
    title: str
    blocks: list[Block] = dataclasses.field(default_factory=list)
    # A section of level 2 sits under the level-1 section before it.
    level: int = 1
    # The short title of its slide (PPTX), when the deck has one for it.
    slide: str = ""

    def paragraph(self, value: str, *, muted: bool = False) -> None:
        self.blocks.append(Paragraph(value, muted=muted))

    def table(self, table: Table) -> None:
        self.blocks.append(table)

    def source(self, value: str) -> None:
        self.blocks.append(Source(value))

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]


@dataclasses.dataclass
class PackDocument:
    title: str
    subtitle: str
    facts: list[str]
    generated: str
    sections: list[Section]
    file_stem: str
