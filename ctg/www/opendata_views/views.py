"""Official open data: the provenance page for everyone, imports and withdrawals for data administrators."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from ctg.accounts.client_ip import client_ip
from ctg.indicators.jobs import official_import_request, official_withdrawal_request
from ctg.jobs.models import Job
from ctg.opendata.models import Dataset
from ctg.opendata.perms import can_manage_official_data, can_see_official_importers
from ctg.opendata.selectors import datasets_for_index, iris_reference_summary
from ctg.opendata.services import dataset_import, dataset_withdrawal_refusal
from ctg.www.opendata_views.forms import DatasetUploadForm
from ctg.www.opendata_views.uploads import run_upload

PAGE_SIZE = 50
REFUSED = "Seule l'administration des données de la plateforme importe ou retire des données officielles (INSEE, CAF)."


@require_safe
def index(request):
    page = Paginator(datasets_for_index(), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "datasets": page.object_list,
        "iris_reference": iris_reference_summary(),
        "can_manage": can_manage_official_data(request.user),
        "show_importers": can_see_official_importers(request.user),
    }
    return render(request, "opendata_views/index.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def upload(request):
    """The file is checked here (a dry run, its report shown at once); a real import then runs in the worker, and
    the administrator follows it on the job's page."""
    if not can_manage_official_data(request.user):
        raise PermissionDenied(REFUSED)
    report, errors = None, []
    if request.method == "POST":
        form = DatasetUploadForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            result, errors = run_upload(
                data, lambda path, file_name: _check_then_queue(request, data, path, file_name)
            )
            if isinstance(result, Job):
                return redirect("jobs_views:detail", pk=result.pk)
            report = result
    else:
        form = DatasetUploadForm()
    context = {"form": form, "report": report, "errors": errors}
    return render(request, "opendata_views/upload.html", context)


def _check_then_queue(request, data: dict, path, file_name: str):
    checked = dataset_import(
        path=path,
        format=data["format"] or None,
        dry_run=True,
        by=request.user,
        file_name=file_name,
        max_bytes=settings.UPLOAD_MAX_SIZE,
    )
    if data["dry_run"] or checked.already_imported:
        return checked
    return official_import_request(
        path=path,
        file_name=file_name,
        sha256=checked.dataset.sha256,
        format=data["format"] or None,
        by=request.user,
        ip_address=client_ip(request),
        max_bytes=settings.UPLOAD_MAX_SIZE,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def withdraw(request, pk):
    if not can_manage_official_data(request.user):
        raise PermissionDenied(REFUSED)
    dataset = get_object_or_404(Dataset.objects.official(), pk=pk)
    refusal = dataset_withdrawal_refusal(dataset)
    if request.method == "POST" and refusal is None:
        job = official_withdrawal_request(dataset=dataset, by=request.user, ip_address=client_ip(request))
        return redirect("jobs_views:detail", pk=job.pk)
    errors = refusal.messages if refusal is not None and request.method == "POST" else []
    return render(request, "opendata_views/withdraw.html", {"dataset": dataset, "errors": errors})
