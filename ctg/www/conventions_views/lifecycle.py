"""The convention's own life in the app: opened by its CAF, its parties, its signed copy and amendments, its phase."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_safe

from ctg.conventions.enums import DocumentKind, previous_phase
from ctg.conventions.models import Convention, ConventionDocument, Signatory
from ctg.conventions.perms import (
    can_create_convention,
    can_download_documents,
    can_edit_convention,
    creation_departements,
)
from ctg.conventions.services import (
    convention_change_phase,
    convention_open,
    convention_update,
    document_attach,
    document_remove,
    signatory_add,
    signatory_remove,
    signatory_update,
)
from ctg.www.accounts_views.invitations import send_invitation
from ctg.www.conventions_views.forms import (
    ConventionCreateForm,
    ConventionEditForm,
    DocumentForm,
    EpciChoiceForm,
    PhaseBackForm,
    SignatoryForm,
)
from ctg.www.downloads import export_record
from ctg.www.utils import add_service_errors, get_convention_for


def _editable_convention(request, pk) -> Convention:
    """The convention if the user administers it: 404 when they may not read it, 403 when they may not edit it."""
    convention = get_convention_for(request, pk)
    if not can_edit_convention(request.user, convention):
        raise PermissionDenied("Seuls les administrateurs de la convention modifient ses parties et ses documents.")
    return convention


def _detail_url(convention, anchor="") -> str:
    url = reverse("conventions_views:detail", kwargs={"pk": convention.pk})
    return f"{url}#{anchor}" if anchor else url


# Creation


@require_http_methods(["GET", "HEAD", "POST"])
def create(request):
    """Two steps that work without JavaScript: the EPCI (GET ?epci=), then the convention with its communes."""
    if not can_create_convention(request.user):
        raise PermissionDenied("Seul un agent de la CAF ayant accès à un département ouvre une convention.")
    departements = creation_departements(request.user)
    epci_form = EpciChoiceForm(request.GET if "epci" in request.GET else None, departements=departements)
    if not epci_form.is_bound or not epci_form.is_valid():
        return render(request, "conventions_views/create.html", {"epci_form": epci_form})
    epci = epci_form.cleaned_data["epci"]
    form = ConventionCreateForm(request.POST or None, epci=epci, departements=departements, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            convention, invitation, token = convention_open(
                epci=epci,
                caf=data["caf"],
                title=data["title"] or form.default_title(),
                start_date=data["start_date"],
                end_date=data["end_date"],
                themes=list(data["themes"]),
                communes=list(data["communes"]),
                coordinator_email=data["coordinator_email"],
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            send_invitation(request, invitation, token)
            messages.success(
                request,
                f"La convention « {convention.title} » est créée ; {invitation.email} est invité·e à l'administrer.",
            )
            return redirect("conventions_views:detail", pk=convention.pk)
    return render(
        request,
        "conventions_views/create.html",
        {"epci_form": epci_form, "epci": epci, "form": form},
        status=400 if form.is_bound else 200,
    )


# The convention's own fields


@require_http_methods(["GET", "HEAD", "POST"])
def edit(request, pk):
    convention = _editable_convention(request, pk)
    initial = {
        "title": convention.title,
        "start_date": convention.start_date,
        "end_date": convention.end_date,
        "signed_on": convention.signed_on,
        "themes": list(convention.themes.values_list("pk", flat=True)),
        "communes": list(convention.communes.values_list("pk", flat=True)),
    }
    form = ConventionEditForm(request.POST or None, initial=initial, convention=convention)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            convention_update(
                convention=convention,
                title=data["title"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                signed_on=data["signed_on"],
                themes=list(data["themes"]),
                communes=list(data["communes"]),
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "La convention est enregistrée.")
            return redirect(_detail_url(convention))
    context = {"convention": convention, "form": form, "cancel_url": _detail_url(convention)}
    return render(request, "conventions_views/edit.html", context, status=400 if form.is_bound else 200)


# Phase going backwards


@require_http_methods(["GET", "HEAD", "POST"])
def phase_back(request, pk):
    """Going back one phase: a confirmation page asking for the reason, kept in the phase history."""
    convention = _editable_convention(request, pk)
    target = previous_phase(convention.phase)
    if target is None:
        messages.error(request, "Cette convention ne peut pas revenir à une phase précédente.")
        return redirect(_detail_url(convention, "titre-phase"))
    form = PhaseBackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            convention_change_phase(
                convention=convention, phase=target, reason=form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"La convention est revenue en phase « {target.label} ».")
            return redirect(_detail_url(convention, "titre-phase"))
    context = {"convention": convention, "form": form, "target": target, "cancel_url": _detail_url(convention)}
    return render(request, "conventions_views/phase_back.html", context, status=400 if form.is_bound else 200)


# Signatories


def _signatory_page(request, convention, form, *, write, saved, title, signatory=None):
    if request.method == "POST" and form.is_valid():
        try:
            obj = write(dict(form.cleaned_data))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, saved(obj))
            return redirect(_detail_url(convention, "titre-signataires"))
    context = {
        "convention": convention,
        "form": form,
        "title": title,
        "signatory": signatory,
        "cancel_url": _detail_url(convention, "titre-signataires"),
    }
    return render(request, "conventions_views/signatory_form.html", context, status=400 if form.is_bound else 200)


@require_http_methods(["GET", "HEAD", "POST"])
def signatory_create(request, pk):
    convention = _editable_convention(request, pk)
    return _signatory_page(
        request,
        convention,
        SignatoryForm(request.POST or None, convention=convention),
        write=lambda data: signatory_add(convention=convention, by=request.user, **data),
        saved=lambda s: f"{s.organisation.name} est ajoutée aux signataires.",
        title="Ajouter un signataire",
    )


def _signatory(convention, signatory_pk) -> Signatory:
    return get_object_or_404(
        Signatory.objects.filter(convention=convention).select_related("organisation"), pk=signatory_pk
    )


@require_http_methods(["GET", "HEAD", "POST"])
def signatory_edit(request, pk, signatory_pk):
    convention = _editable_convention(request, pk)
    signatory = _signatory(convention, signatory_pk)
    initial = {
        "organisation": signatory.organisation_id,
        "role": signatory.role,
        "represented_by": signatory.represented_by,
        "signed_on": signatory.signed_on,
    }
    return _signatory_page(
        request,
        convention,
        SignatoryForm(request.POST or None, initial=initial, convention=convention),
        write=lambda data: signatory_update(signatory=signatory, by=request.user, **data),
        saved=lambda s: f"Le signataire {s.organisation.name} est enregistré.",
        title=f"Modifier le signataire {signatory.organisation.name}",
        signatory=signatory,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def signatory_delete(request, pk, signatory_pk):
    """A confirmation page naming the party, then its removal."""
    convention = _editable_convention(request, pk)
    signatory = _signatory(convention, signatory_pk)
    if request.method == "POST":
        name = signatory.organisation.name
        signatory_remove(signatory=signatory, by=request.user)
        messages.success(request, f"{name} est retirée des signataires.")
        return redirect(_detail_url(convention, "titre-signataires"))
    context = {"convention": convention, "signatory": signatory, "cancel_url": _detail_url(convention)}
    return render(request, "conventions_views/signatory_delete.html", context)


# Signed copy and amendments


@require_http_methods(["GET", "HEAD", "POST"])
def document_create(request, pk):
    convention = _editable_convention(request, pk)
    initial = {"kind": request.GET.get("type") if request.GET.get("type") in DocumentKind.values else None}
    form = DocumentForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            document = document_attach(
                convention=convention,
                kind=data["kind"],
                dated=data["dated"],
                summary=data["summary"],
                file=data["file"],
                by=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{document} est déposé.")
            return redirect(_detail_url(convention, "titre-documents"))
    context = {"convention": convention, "form": form, "cancel_url": _detail_url(convention, "titre-documents")}
    return render(request, "conventions_views/document_form.html", context, status=400 if form.is_bound else 200)


@require_http_methods(["GET", "HEAD", "POST"])
def document_delete(request, pk, document_pk):
    """A confirmation page naming the document, then its removal."""
    convention = _editable_convention(request, pk)
    document = get_object_or_404(ConventionDocument.objects.filter(convention=convention), pk=document_pk)
    if request.method == "POST":
        label = str(document)
        document_remove(document=document, by=request.user)
        messages.success(request, f"{label} est retiré de la convention.")
        return redirect(_detail_url(convention, "titre-documents"))
    context = {
        "convention": convention,
        "document": document,
        "cancel_url": _detail_url(convention, "titre-documents"),
    }
    return render(request, "conventions_views/document_delete.html", context)


@require_safe
def document_download(request, pk, document_pk):
    """The PDF as an attachment, once the reader's right is checked; each download is journaled."""
    convention = get_convention_for(request, pk)
    if not can_download_documents(request.user, convention):
        raise PermissionDenied("Vous n'avez pas accès aux documents de cette convention.")
    document = get_object_or_404(ConventionDocument.objects.filter(convention=convention), pk=document_pk)
    if not document.file.name or not default_storage.exists(document.file.name):
        raise Http404("Ce fichier n'est plus stocké : déposez-le à nouveau.")
    export_record(request, convention=convention, detail=f"{document} ({document.original_name})")
    response = FileResponse(document.file.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, document.download_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
