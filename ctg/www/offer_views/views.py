from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ctg.accounts.client_ip import client_ip
from ctg.charts.render import render_svg_markup
from ctg.core.formatting import format_count
from ctg.offer.imports import COLUMNS_HELP, MAX_CELL_CHARS, MAX_ROWS, OfferImportError, offer_import_csv
from ctg.offer.maps import relais_coverage_map_spec
from ctg.offer.models import OfferItem
from ctg.offer.perms import (
    can_add_offer_item,
    can_add_offer_item_in,
    can_change_relais_coverage,
    can_delete_offer_item,
    can_edit_offer_item,
    can_import_offer,
    restricted_commune,
)
from ctg.offer.selectors import offer_index, relais_coverage
from ctg.offer.services import (
    ITEM_FIELDS,
    offer_item_create,
    offer_item_delete,
    offer_item_update,
    offer_total_record,
)
from ctg.www.downloads import chart_response
from ctg.www.offer_views.forms import OfferImportForm, OfferItemEditForm, OfferItemForm, OfferTotalForm
from ctg.www.utils import add_service_errors, get_convention_for


def get_item_for(convention, pk) -> OfferItem:
    return get_object_or_404(
        OfferItem.objects.filter(convention=convention).select_related("commune", "convention__epci"), pk=pk
    )


def index(request, convention_pk):
    convention = get_convention_for(request, convention_pk)
    coverage = relais_coverage(convention=convention)
    spec = relais_coverage_map_spec(convention=convention, coverage=coverage)
    data = offer_index(convention=convention)
    editable_ids = set()
    for group in data["kinds"]:
        for item in group["items"]:
            item.convention = convention  # already scoped and loaded: no query per row
            if can_edit_offer_item(request.user, item):
                editable_ids.add(item.pk)
    context = {
        "convention": convention,
        "coverage": coverage,
        "map_svg": render_svg_markup(spec),
        "map_description": spec["description"] if spec else "",
        "can_add": can_add_offer_item(request.user, convention),
        "can_import": can_import_offer(request.user, convention),
        "editable_ids": editable_ids,
        **data,
    }
    return render(request, "offer_views/index.html", context)


def coverage_map(request, convention_pk, fmt):
    convention = get_convention_for(request, convention_pk)
    spec = relais_coverage_map_spec(convention=convention, coverage=relais_coverage(convention=convention))
    return chart_response(
        spec,
        fmt=fmt,
        filename=f"couverture-relais-{convention.pk}",
        missing="Aucun contour communal n'est disponible pour ce territoire.",
    )


def _posted_fields(request, convention, form, *, covered_before: set[str]) -> dict:
    """The item fields of a valid form; PermissionDenied when they reach beyond what the user may change."""
    fields = {name: form.cleaned_data[name] for name in ITEM_FIELDS}
    fields["covered_communes"] = list(fields["covered_communes"])
    if not can_add_offer_item_in(request.user, convention, fields["commune"].code):
        raise PermissionDenied("Vous ne pouvez saisir que l'offre de votre commune.")
    after = {c.code for c in fields["covered_communes"]}
    if not can_change_relais_coverage(request.user, convention, before=covered_before, after=after):
        raise PermissionDenied("Vous ne pouvez ajouter ou retirer que votre commune de la couverture d'un relais.")
    return fields


def create(request, convention_pk):
    convention = get_convention_for(request, convention_pk)
    if not can_add_offer_item(request.user, convention):
        raise PermissionDenied("Votre rôle ne permet pas de modifier l'offre de services.")
    commune_code = restricted_commune(request.user, convention)
    form = OfferItemForm(request.POST or None, convention=convention, commune_code=commune_code)
    if request.method == "POST" and form.is_valid():
        fields = _posted_fields(request, convention, form, covered_before=set())
        try:
            item = offer_item_create(convention=convention, by=request.user, **fields)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"« {item.name} » a été ajouté à l'offre de services.")
            return redirect("offer_views:index", convention_pk=convention.pk)
    return render(request, "offer_views/form.html", {"convention": convention, "form": form, "item": None})


def edit(request, convention_pk, pk):
    convention = get_convention_for(request, convention_pk)
    item = get_item_for(convention, pk)
    if not can_edit_offer_item(request.user, item):
        raise PermissionDenied("Votre rôle ne permet pas de modifier cet équipement.")
    commune_code = restricted_commune(request.user, convention)
    covered_before = set(item.covered_communes.values_list("code", flat=True))
    initial = {name: getattr(item, name) for name in ITEM_FIELDS if name != "covered_communes"}
    initial["covered_communes"] = sorted(covered_before)
    initial["version"] = item.version
    form = OfferItemEditForm(
        request.POST or None,
        initial=initial,
        convention=convention,
        commune_code=commune_code,
        covered_before=covered_before,
    )
    if request.method == "POST" and form.is_valid():
        fields = _posted_fields(request, convention, form, covered_before=covered_before)
        try:
            item = offer_item_update(
                item=item, expected_version=form.cleaned_data["version"], by=request.user, **fields
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"« {item.name} » a été modifié.")
            return redirect("offer_views:index", convention_pk=convention.pk)
    context = {
        "convention": convention,
        "form": form,
        "item": item,
        "can_delete": can_delete_offer_item(request.user, item, covered=covered_before),
    }
    return render(request, "offer_views/form.html", context)


@require_POST
def delete(request, convention_pk, pk):
    convention = get_convention_for(request, convention_pk)
    item = get_item_for(convention, pk)
    covered = set(item.covered_communes.values_list("code", flat=True))
    if not can_delete_offer_item(request.user, item, covered=covered):
        raise PermissionDenied(
            "Votre rôle ne permet pas de supprimer cet équipement (un relais qui couvre d'autres communes que la "
            "vôtre se supprime par la coordination de la convention)."
        )
    name = item.name
    offer_item_delete(item=item, by=request.user)
    messages.success(request, f"« {name} » a été retiré de l'offre de services.")
    return redirect("offer_views:index", convention_pk=convention.pk)


def import_csv(request, convention_pk):
    convention = get_convention_for(request, convention_pk)
    if not can_import_offer(request.user, convention):
        raise PermissionDenied("Seuls les administrateurs et contributeurs importent un fichier d'offre.")
    form = OfferImportForm(request.POST or None, request.FILES or None)
    report = errors = file_name = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = offer_import_csv(
                convention=convention,
                content=upload.read(),
                file_name=upload.name,
                dry_run=form.cleaned_data["dry_run"],
                by=request.user,
                ip_address=client_ip(request),
            )
        except OfferImportError as exc:
            errors = exc.errors
            file_name = upload.name
        finally:
            upload.close()
    context = {
        "convention": convention,
        "form": form,
        "report": report,
        "errors": errors,
        "file_name": file_name,
        "columns": COLUMNS_HELP,
        "limits": {
            "rows": format_count(MAX_ROWS),
            "cell": format_count(MAX_CELL_CHARS),
        },
    }
    return render(request, "offer_views/import.html", context, status=422 if errors else 200)


def total_record(request, convention_pk):
    convention = get_convention_for(request, convention_pk)
    if not can_import_offer(request.user, convention):
        raise PermissionDenied("Seuls les administrateurs et contributeurs enregistrent un total publié pour l'EPCI.")
    form = OfferTotalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            total, changed = offer_total_record(convention=convention, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if changed:
                messages.success(request, f"Total enregistré : {total.get_indicator_display()} {total.year}.")
            else:
                messages.info(request, "Ce total était déjà enregistré avec le même nombre et la même source.")
            return redirect("offer_views:index", convention_pk=convention.pk)
    return render(request, "offer_views/total_form.html", {"convention": convention, "form": form})
