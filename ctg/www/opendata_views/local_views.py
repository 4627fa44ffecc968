"""Local data of a convention: figures its partners bring (tidy CSV), seen only in that convention."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from ctg.accounts.client_ip import client_ip
from ctg.core.formatting import counted
from ctg.opendata.models import Dataset
from ctg.opendata.perms import can_manage_local_data
from ctg.opendata.readers import DatasetError
from ctg.opendata.selectors import local_datasets_of, local_values_of
from ctg.opendata.services import local_data_import, local_dataset_withdraw
from ctg.www.opendata_views.forms import LocalDataUploadForm
from ctg.www.opendata_views.uploads import run_upload
from ctg.www.utils import get_convention_for

PAGE_SIZE = 100
REFUSED = "Seuls les administrateurs et contributeurs de la convention importent ou retirent ses données locales."


@require_safe
def index(request, convention_pk):
    convention = get_convention_for(request, convention_pk)
    page = Paginator(local_values_of(convention), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "convention": convention,
        "datasets": local_datasets_of(convention),
        "page": page,
        "values": page.object_list,
        "can_manage": can_manage_local_data(request.user, convention),
    }
    return render(request, "opendata_views/local_index.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def upload(request, convention_pk):
    convention = get_convention_for(request, convention_pk)
    if not can_manage_local_data(request.user, convention):
        raise PermissionDenied(REFUSED)
    report, errors = None, []
    if request.method == "POST":
        form = LocalDataUploadForm(request.POST, request.FILES)
        if form.is_valid():
            report, errors = run_upload(
                form.cleaned_data,
                lambda path, file_name: local_data_import(
                    convention=convention,
                    path=path,
                    dry_run=form.cleaned_data["dry_run"],
                    by=request.user,
                    file_name=file_name,
                    ip_address=client_ip(request),
                ),
            )
    else:
        form = LocalDataUploadForm()
    context = {"convention": convention, "form": form, "report": report, "errors": errors}
    return render(request, "opendata_views/local_upload.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def withdraw(request, convention_pk, pk):
    convention = get_convention_for(request, convention_pk)
    if not can_manage_local_data(request.user, convention):
        raise PermissionDenied(REFUSED)
    dataset = get_object_or_404(Dataset.objects.local_to(convention), pk=pk)
    errors = []
    if request.method == "POST":
        try:
            removed = local_dataset_withdraw(dataset=dataset, by=request.user, ip_address=client_ip(request))
        except DatasetError as exc:
            errors = exc.errors
        else:
            messages.success(
                request, f"{dataset.file_name} est retiré : {counted(removed, 'donnée locale supprimée')}."
            )
            return redirect("local_data_views:index", convention_pk=convention.pk)
    context = {"convention": convention, "dataset": dataset, "errors": errors}
    return render(request, "opendata_views/local_withdraw.html", context)
