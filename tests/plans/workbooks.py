"""Helpers to build and tamper with plan workbooks in tests, and to compare the plan before and after an import."""

import io
import zipfile

from openpyxl import load_workbook

from ctg.plans.models import Action, FollowUpIndicator, FundingLine, IndicatorMeasure, IndicatorTarget, Objective

SHEET_MEMBERS = {"Actions": "xl/worksheets/sheet1.xml", "Financements": "xl/worksheets/sheet2.xml"}


def edit_cells(content: bytes, sheet: str, cells: dict) -> bytes:
    """The workbook with these cells ({"B2": value}) of one sheet replaced, saved by openpyxl."""
    book = load_workbook(io.BytesIO(content))
    for coordinate, value in cells.items():
        book[sheet][coordinate] = value
    buffer = io.BytesIO()
    book.save(buffer)
    book.close()
    return buffer.getvalue()


def rewrite_member(content: bytes, member: str, change) -> bytes:
    """The archive with one member's bytes replaced by change(old bytes); other members copied as they are."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info.filename, change(data) if info.filename == member else data)
    return buffer.getvalue()


def replace_in_member(content: bytes, member: str, old: bytes, new: bytes) -> bytes:
    def change(data):
        assert old in data, (member, old)
        return data.replace(old, new, 1)

    return rewrite_member(content, member, change)


def plan_state(convention) -> dict:
    """Every stored value of the plan of a convention, and the size of its history, to compare before and after."""
    models = {
        "objectives": Objective.objects.filter(convention=convention),
        "actions": Action.objects.filter(convention=convention),
        "funding": FundingLine.objects.filter(action__convention=convention),
        "indicators": FollowUpIndicator.objects.filter(convention=convention),
        "targets": IndicatorTarget.objects.filter(indicator__convention=convention),
        "measures": IndicatorMeasure.objects.filter(indicator__convention=convention),
    }
    state = {name: list(queryset.order_by("pk").values()) for name, queryset in models.items()}
    for name in ("themes", "objectives", "communes", "partners"):
        through = getattr(Action, name).through
        state[f"action_{name}"] = sorted(
            through.objects.filter(action__convention=convention).values_list(
                *[f.attname for f in through._meta.fields]
            )
        )
    state["history"] = (
        sum(model.history.count() for model in (Objective, Action, FundingLine, FollowUpIndicator, IndicatorTarget))
        + IndicatorMeasure.history.count()
    )
    return state
