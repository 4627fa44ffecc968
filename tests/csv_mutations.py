"""Hypothesis strategy shared by the fuzz tests of every CSV importer: damaged copies of a valid file.

The edits are those a person, a spreadsheet or an attacker makes: a flipped byte, an inserted separator, quote,
BOM, control character or huge number, a dropped or duplicated column, a duplicated line, a truncated line.
Each test passes the insertions that matter to its format.
"""

from hypothesis import strategies as st

EDITS = ["flip", "insert", "drop_column", "duplicate_column", "duplicate_line", "cut"]


@st.composite
def damaged_csv(draw, original: bytes, *, insertions: list[bytes], max_column: int, keep_prefix: bool = False):
    """A copy of `original` (`;`-separated) with one to four edits; `keep_prefix` first keeps only its first lines."""
    lines = original.splitlines(keepends=True)
    if keep_prefix:
        lines = lines[: draw(st.integers(min_value=1, max_value=len(lines)))]
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        edit = draw(st.sampled_from(EDITS))
        index = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        line = lines[index]
        if edit == "flip" and line:
            position = draw(st.integers(min_value=0, max_value=len(line) - 1))
            line = line[:position] + bytes([line[position] ^ draw(st.integers(1, 255))]) + line[position + 1 :]
        elif edit == "insert":
            position = draw(st.integers(min_value=0, max_value=len(line)))
            line = line[:position] + draw(st.sampled_from(insertions)) + line[position:]
        elif edit in ("drop_column", "duplicate_column"):
            column = draw(st.integers(min_value=0, max_value=max_column))
            lines = [_edit_column(each, column, edit) for each in lines]
            continue
        elif edit == "duplicate_line":
            lines.insert(index, line)
        elif edit == "cut":
            line = line[: draw(st.integers(min_value=0, max_value=len(line)))]
        lines[index] = line
    return b"".join(lines)


def _edit_column(line: bytes, column: int, edit: str) -> bytes:
    ending = line[len(line.rstrip(b"\r\n")) :]
    fields = line.rstrip(b"\r\n").split(b";")
    if column < len(fields):
        if edit == "drop_column":
            del fields[column]
        else:
            fields.insert(column, fields[column])
    return b";".join(fields) + ending
