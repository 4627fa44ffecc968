"""The COPIL pack as a slide deck (python-pptx): title, agenda, what changed, one slide per theme, funding,
indicators, decisions to take and the previous meeting's follow-up.

A table longer than a slide holds goes on as many « (suite) » slides as it needs. Every text goes through
`printable` (XML refuses control characters); cells typed by users are already neutralised by the content.
"""

import io

from pptx import Presentation
from pptx.util import Cm, Pt

from ctg.core.text import printable
from ctg.steering.pack.document import PackDocument, Paragraph, Section, Table

ROWS_PER_SLIDE = 10
WIDTH, HEIGHT = Cm(33.867), Cm(19.05)  # 16:9
MARGIN = Cm(1.2)
TITLE_ONLY = 5
TITLE_SLIDE = 0


def _text_frame_lines(frame, lines: list[str], *, size: int = 16) -> None:
    frame.word_wrap = True
    for index, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
        run = paragraph.add_run()
        run.text = printable(line)
        run.font.size = Pt(size)


def _title_slide(deck, pack: PackDocument) -> None:
    slide = deck.slides.add_slide(deck.slide_layouts[TITLE_SLIDE])
    slide.shapes.title.text = printable(pack.title)
    subtitle = slide.placeholders[1]
    subtitle.text_frame.text = ""
    _text_frame_lines(subtitle.text_frame, [pack.subtitle, *pack.facts], size=14)


def _slide(deck, title: str):
    slide = deck.slides.add_slide(deck.slide_layouts[TITLE_ONLY])
    slide.shapes.title.text = printable(title)
    slide.shapes.title.text_frame.paragraphs[0].runs[0].font.size = Pt(26)
    return slide


def _table(slide, table: Table, rows: list[list[str]], top) -> None:
    width = WIDTH - 2 * MARGIN
    shape = slide.shapes.add_table(len(rows) + 1, len(table.header), MARGIN, top, width, Cm(1) * (len(rows) + 1))
    grid = shape.table
    for column, name in enumerate(table.header):
        grid.cell(0, column).text = printable(name)
    for r, values in enumerate(rows, start=1):
        for column, value in enumerate(values):
            grid.cell(r, column).text = printable(value)
    for r in range(len(rows) + 1):
        for column in range(len(table.header)):
            for paragraph in grid.cell(r, column).text_frame.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(11)


def _notes(section: Section) -> list[str]:
    return [b.text for b in section.blocks if isinstance(b, Paragraph) and not b.muted]


def _section_slides(deck, section: Section) -> None:
    """The section's first table (its main one) over as many slides as needed, its lead paragraphs above."""
    lines = _notes(section)[:2]
    tables = [t for t in section.tables if t.rows] or section.tables[:1]
    if not tables:
        slide = _slide(deck, section.slide)
        box = slide.shapes.add_textbox(MARGIN, Cm(4), WIDTH - 2 * MARGIN, Cm(12))
        _text_frame_lines(box.text_frame, lines or ["—"])
        return
    table = tables[-1] if section.level == 2 else tables[0]
    chunks = [table.rows[i : i + ROWS_PER_SLIDE] for i in range(0, len(table.rows), ROWS_PER_SLIDE)] or [[]]
    for index, chunk in enumerate(chunks):
        title = section.slide if index == 0 else f"{section.slide} (suite)"
        slide = _slide(deck, title)
        top = Cm(3.6)
        if index == 0 and lines:
            box = slide.shapes.add_textbox(MARGIN, top, WIDTH - 2 * MARGIN, Cm(2))
            _text_frame_lines(box.text_frame, lines, size=14)
            top = Cm(6)
        if chunk:
            _table(slide, table, chunk, top)
        else:
            box = slide.shapes.add_textbox(MARGIN, top, WIDTH - 2 * MARGIN, Cm(2))
            _text_frame_lines(box.text_frame, [table.empty], size=14)


def build_pptx(pack: PackDocument) -> bytes:
    deck = Presentation()
    deck.slide_width, deck.slide_height = WIDTH, HEIGHT
    deck.core_properties.title = printable(pack.title)
    _title_slide(deck, pack)
    for section in pack.sections:
        if section.slide:
            _section_slides(deck, section)
    output = io.BytesIO()
    deck.save(output)
    return output.getvalue()
