import os
import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_safe

from ctg.indicators.services import indicators_compute
from ctg.opendata.perms import can_import_datasets
from ctg.opendata.readers import DatasetError
from ctg.opendata.selectors import datasets_for_index, iris_reference_summary
from ctg.opendata.services import dataset_import
from ctg.www.opendata_views.forms import DatasetUploadForm

PAGE_SIZE = 50


@require_safe
def index(request):
    page = Paginator(datasets_for_index(), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "datasets": page.object_list,
        "iris_reference": iris_reference_summary(),
        "can_import": can_import_datasets(request.user),
    }
    return render(request, "opendata_views/index.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def upload(request):
    if not can_import_datasets(request.user):
        raise PermissionDenied("Seuls les administrateurs et contributeurs d'une convention importent des données.")
    report, errors = None, []
    if request.method == "POST":
        form = DatasetUploadForm(request.POST, request.FILES)
        if form.is_valid():
            report, errors = _import_upload(request, form.cleaned_data)
            if report is not None and not report.dry_run and not report.already_imported:
                _recompute_indicators(request)
    else:
        form = DatasetUploadForm()
    context = {"form": form, "report": report, "errors": errors}
    return render(request, "opendata_views/upload.html", context)


def _recompute_indicators(request):
    """New observations change the diagnostic: every indicator is recomputed at once, and the page says so."""
    counts = indicators_compute(by=request.user)
    messages.success(
        request,
        f"Les indicateurs du diagnostic ont été recalculés avec ces données : {counts['indicators']} indicateurs, "
        f"{counts['values']} valeurs.",
    )


def _import_upload(request, data):
    """Process the upload from a temporary file outside the web root, deleted whatever happens."""
    upload = data["file"]
    handle, temp_name = tempfile.mkstemp(prefix="pilote-ctg-import-", suffix=".csv")
    try:
        with os.fdopen(handle, "wb") as temp:
            for chunk in upload.chunks():
                temp.write(chunk)
        report = dataset_import(
            path=Path(temp_name),
            format=data["format"] or None,
            dry_run=data["dry_run"],
            by=request.user,
            file_name=Path(upload.name).name,
        )
    except DatasetError as exc:
        return None, exc.errors
    finally:
        upload.close()
        Path(temp_name).unlink(missing_ok=True)
    return report, []
