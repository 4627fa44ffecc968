from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ctg.diagnostic.models import Enjeu
from ctg.diagnostic.perms import can_edit_enjeu, can_validate_enjeu
from ctg.diagnostic.selectors import enjeu_history, enjeux_by_theme, themes_for
from ctg.diagnostic.services import enjeu_create, enjeu_update, enjeu_validate
from ctg.www.diagnostic_views.forms import EnjeuForm, EnjeuValidateForm
from ctg.www.utils import add_service_errors, get_convention_for

FIELDS = ["theme", "title", "text", "priority", "indicator_codes"]


def get_enjeu_for(convention, pk) -> Enjeu:
    return get_object_or_404(
        Enjeu.objects.filter(convention=convention).select_related("theme", "validated_by"), pk=pk
    )


def index(request, convention_pk):
    convention = get_convention_for(request, convention_pk)
    context = {
        "convention": convention,
        "can_edit": can_edit_enjeu(request.user, convention),
        **enjeux_by_theme(convention=convention),
    }
    return render(request, "diagnostic_views/index.html", context)


def create(request, convention_pk):
    convention = get_convention_for(request, convention_pk)
    if not can_edit_enjeu(request.user, convention):
        raise PermissionDenied("Seuls les administrateurs et contributeurs proposent des enjeux.")
    initial = {"theme": request.GET.get("theme")} if request.GET.get("theme", "").isdigit() else {}
    form = EnjeuForm(request.POST or None, initial=initial, themes=themes_for(convention))
    if request.method == "POST" and form.is_valid():
        try:
            enjeu = enjeu_create(
                convention=convention, by=request.user, **{name: form.cleaned_data[name] for name in FIELDS}
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"L'enjeu « {enjeu.title} » est proposé.")
            return redirect("diagnostic_views:detail", convention_pk=convention.pk, pk=enjeu.pk)
    return render(request, "diagnostic_views/form.html", {"convention": convention, "form": form, "enjeu": None})


def detail(request, convention_pk, pk):
    convention = get_convention_for(request, convention_pk)
    enjeu = get_enjeu_for(convention, pk)
    return _detail_page(request, convention, enjeu, EnjeuValidateForm())


def _detail_page(request, convention, enjeu, validate_form: EnjeuValidateForm):
    context = {
        "convention": convention,
        "enjeu": enjeu,
        "history": enjeu_history(enjeu),
        "can_edit": can_edit_enjeu(request.user, convention),
        "can_validate": can_validate_enjeu(request.user, convention) and not enjeu.is_validated,
        "validate_form": validate_form,
    }
    return render(request, "diagnostic_views/detail.html", context)


def edit(request, convention_pk, pk):
    convention = get_convention_for(request, convention_pk)
    enjeu = get_enjeu_for(convention, pk)
    if not can_edit_enjeu(request.user, convention):
        raise PermissionDenied("Seuls les administrateurs et contributeurs modifient les enjeux.")
    initial = {
        "theme": enjeu.theme_id,
        "title": enjeu.title,
        "text": enjeu.text,
        "priority": enjeu.priority,
        "indicator_codes": list(enjeu.indicator_codes),
    }
    form = EnjeuForm(
        request.POST or None,
        initial=initial,
        themes=themes_for(convention) + [enjeu.theme],
        version=enjeu.version,
        kept_codes=enjeu.indicator_codes,
    )
    if request.method == "POST" and form.is_valid():
        was_validated = enjeu.is_validated
        try:
            enjeu = enjeu_update(
                enjeu=enjeu,
                expected_version=form.cleaned_data["version"],
                by=request.user,
                **{name: form.cleaned_data[name] for name in FIELDS},
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if was_validated and not enjeu.is_validated:
                messages.warning(
                    request, "L'enjeu a changé : il repasse à l'état « proposé » et devra être validé par le COPIL."
                )
            else:
                messages.success(request, "L'enjeu a été enregistré.")
            return redirect("diagnostic_views:detail", convention_pk=convention.pk, pk=enjeu.pk)
    return render(request, "diagnostic_views/form.html", {"convention": convention, "form": form, "enjeu": enjeu})


@require_POST
def validate(request, convention_pk, pk):
    convention = get_convention_for(request, convention_pk)
    enjeu = get_enjeu_for(convention, pk)
    if not can_validate_enjeu(request.user, convention):
        raise PermissionDenied("Seuls les administrateurs enregistrent la validation d'un enjeu par le COPIL.")
    form = EnjeuValidateForm(request.POST)
    if form.is_valid():
        validated_on = form.cleaned_data["validated_on"]
        try:
            enjeu_validate(enjeu=enjeu, validated_on=validated_on, by=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Enjeu validé par le COPIL du {validated_on:%d/%m/%Y}.")
            return redirect("diagnostic_views:detail", convention_pk=convention.pk, pk=enjeu.pk)
    # The page again, its errors summed up at the top of the form and written next to the date.
    return _detail_page(request, convention, enjeu, form)
