"""Downloads and upload of the plan: XLSX, CSV, DOCX exports, each journaled here, and the XLSX import, which
journals itself."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from ctg.accounts.client_ip import client_ip
from ctg.core.formatting import counted, format_count
from ctg.plans import workbook_guard
from ctg.plans.exports import build_csv, build_docx, build_xlsx
from ctg.plans.imports import plan_import_xlsx
from ctg.reports.content_types import CSV, DOCX, XLSX
from ctg.www.downloads import download_response, export_record
from ctg.www.plans_views.forms import ImportForm
from ctg.www.plans_views.views import get_action, get_convention, require_plan_editor, today


@require_safe
def export_xlsx(request, convention_pk):
    convention = get_convention(request, convention_pk)
    export_record(request, convention=convention, detail="Plan d'actions (XLSX)")
    return download_response(
        build_xlsx(convention, today()), content_type=XLSX, filename=f"plan-actions-{convention.pk}.xlsx"
    )


@require_safe
def export_csv(request, convention_pk):
    convention = get_convention(request, convention_pk)
    export_record(request, convention=convention, detail="Plan d'actions (CSV)")
    return download_response(
        build_csv(convention, today()),
        content_type=CSV,
        filename=f"plan-actions-{convention.pk}.csv",
    )


@require_safe
def export_docx(request, convention_pk):
    convention = get_convention(request, convention_pk)
    export_record(request, convention=convention, detail="Plan d'actions (DOCX)")
    return download_response(
        build_docx(convention, today()), content_type=DOCX, filename=f"plan-actions-{convention.pk}.docx"
    )


@require_safe
def action_docx(request, convention_pk, pk):
    convention = get_convention(request, convention_pk)
    action = get_action(convention, pk)
    export_record(request, convention=convention, detail=f"Fiche action {action.code} (DOCX)")
    return download_response(
        build_docx(convention, today(), action=action),
        content_type=DOCX,
        filename=f"fiche-{slugify(action.code)}-{convention.pk}.docx",
    )


def import_xlsx(request, convention_pk):
    convention = get_convention(request, convention_pk)
    require_plan_editor(request, convention)
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = plan_import_xlsx(
            convention=convention,
            content=upload.read(),
            by=request.user,
            file_name=upload.name,
            ip_address=client_ip(request),
        )
        if report.ok:
            messages.success(
                request,
                "Import accepté : "
                + counted(report.changed, "ligne créée ou modifiée", "lignes créées ou modifiées")
                + ".",
            )
            if not report.changed:
                return redirect("plans_views:index", convention_pk=convention.pk)
    status = 400 if report is not None and not report.ok else 200
    context = {
        "convention": convention,
        "form": form,
        "report": report,
        "max_rows": format_count(workbook_guard.MAX_ROWS),
        "max_columns": workbook_guard.MAX_COLUMNS,
        "max_megabytes": workbook_guard.MAX_UNCOMPRESSED_BYTES // (1024 * 1024),
    }
    return render(request, "plans_views/import.html", context, status=status)
