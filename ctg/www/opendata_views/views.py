"""Official open data: the provenance page for everyone, imports and withdrawals for data administrators."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from ctg.accounts.client_ip import client_ip
from ctg.indicators.services import indicators_compute
from ctg.opendata.models import Dataset
from ctg.opendata.perms import can_manage_official_data, can_see_official_importers
from ctg.opendata.readers import DatasetError
from ctg.opendata.selectors import datasets_for_index, iris_reference_summary
from ctg.opendata.services import dataset_import, dataset_withdraw
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
    if not can_manage_official_data(request.user):
        raise PermissionDenied(REFUSED)
    report, errors = None, []
    if request.method == "POST":
        form = DatasetUploadForm(request.POST, request.FILES)
        if form.is_valid():
            report, errors = run_upload(
                form.cleaned_data,
                lambda path, file_name: dataset_import(
                    path=path,
                    format=form.cleaned_data["format"] or None,
                    dry_run=form.cleaned_data["dry_run"],
                    by=request.user,
                    file_name=file_name,
                    ip_address=client_ip(request),
                    max_bytes=settings.UPLOAD_MAX_SIZE,
                ),
            )
            if report is not None and not report.dry_run and not report.already_imported:
                _recompute_indicators(request)
    else:
        form = DatasetUploadForm()
    context = {"form": form, "report": report, "errors": errors}
    return render(request, "opendata_views/upload.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def withdraw(request, pk):
    if not can_manage_official_data(request.user):
        raise PermissionDenied(REFUSED)
    dataset = get_object_or_404(Dataset.objects.official(), pk=pk)
    errors = []
    if request.method == "POST":
        try:
            removed = dataset_withdraw(dataset=dataset, by=request.user, ip_address=client_ip(request))
        except DatasetError as exc:
            errors = exc.errors
        else:
            messages.success(request, f"{dataset.file_name} est retiré : {removed} valeur(s) supprimée(s).")
            _recompute_indicators(request)
            return redirect("opendata_views:index")
    return render(request, "opendata_views/withdraw.html", {"dataset": dataset, "errors": errors})


def _recompute_indicators(request):
    """Official observations changed: every indicator is recomputed at once, and the page says so."""
    counts = indicators_compute(by=request.user)
    messages.success(
        request,
        f"Les indicateurs du diagnostic ont été recalculés avec ces données : {counts['indicators']} indicateurs, "
        f"{counts['values']} valeurs.",
    )
