from collections.abc import Iterable
from typing import Any

from django import forms
from django.conf import settings

from ctg.conventions.models import Convention
from ctg.offer.enums import OfferKind, OfferTotalIndicator
from ctg.territories.models import Commune
from ctg.www.forms import ControlCharactersForm, form_field
from ctg.www.pick_lists import Checklist, ChecklistField

VERSION_MISSING = (
    "La version de l'équipement manque au formulaire : rechargez la page, reprenez votre saisie puis "
    "enregistrez à nouveau."
)


class OfferItemForm(ControlCharactersForm):
    kind = forms.ChoiceField(label="Type", choices=[("", "—")] + OfferKind.choices)
    name = forms.CharField(label="Nom", max_length=200)
    commune = forms.ModelChoiceField(label="Commune d'implantation", queryset=Commune.objects.none())
    capacity = forms.IntegerField(
        label="Capacité (places)",
        required=False,
        min_value=0,
        help_text="Laisser vide si elle n'est pas connue : une capacité inconnue n'est jamais comptée 0.",
    )
    manager_name = forms.CharField(label="Organisation gestionnaire", max_length=200, required=False)
    opening_year = forms.IntegerField(label="Année d'ouverture", required=False, min_value=1850, max_value=2100)
    reference_year = forms.IntegerField(label="Année de référence des informations", min_value=1990, max_value=2100)
    source = forms.CharField(
        label="Source",
        max_length=300,
        help_text="Par exemple : « fichier des EAJE de la CAF, 2024 » ou « saisie de la commune, mars 2025 ».",
    )
    covered_communes = ChecklistField(
        label="Communes couvertes par le relais",
        queryset=Commune.objects.none(),
        required=False,
        widget=Checklist(all_label="Toutes les communes de l'EPCI", noun="communes"),
        template_name="offer_views/includes/communes_field.html",
    )

    def __init__(
        self,
        *args: Any,
        convention: Convention,
        commune_code: str | None = None,
        covered_before: Iterable[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        communes = Commune.objects.filter(epci_id=convention.epci_id).only("code", "name").order_by("name")
        self.communes = communes
        self.commune_code = commune_code
        self.covered_before = set(covered_before)
        covered = form_field(self, "covered_communes", forms.ModelMultipleChoiceField)
        # Every commune of the EPCI validates, so that a forged list reaches the permission check (403).
        covered.queryset = communes
        # A commune member may only place equipment in its own commune.
        form_field(self, "commune", forms.ModelChoiceField).queryset = (
            communes.filter(code=commune_code) if commune_code else communes
        )
        if commune_code:
            # A commune member ticks its own commune only; the others covered keep their coverage.
            listed = list(communes.filter(code__in=self.covered_before | {commune_code}))
            covered.widget.choices = [(c.code, c.name) for c in listed if c.code == commune_code]
            covered.widget.all_label = ""  # a commune member answers for its own commune only
            others = [c.name for c in listed if c.code != commune_code]
            covered.help_text = (
                f"Couvre aussi : {', '.join(others)} (seule la coordination de la convention modifie ces communes)."
                if others
                else "Vous ne pouvez indiquer que votre commune."
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.commune_code and "covered_communes" in data:
            # What a commune member's form means: its own box, plus the communes it cannot see as boxes.
            kept = self.covered_before - {self.commune_code}
            codes = kept | {c.code for c in data["covered_communes"]}
            data["covered_communes"] = list(self.communes.filter(code__in=codes))
        if data.get("covered_communes") and data.get("kind") != OfferKind.RPE:
            self.add_error("covered_communes", "Seul un relais petite enfance couvre une liste de communes.")
        return data


class OfferItemEditForm(OfferItemForm):
    """The version read with the page is required: a form posted without it never overwrites a newer save."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={"required": VERSION_MISSING, "invalid": VERSION_MISSING, "min_value": VERSION_MISSING},
    )


class OfferImportForm(ControlCharactersForm):
    file = forms.FileField(label="Fichier CSV", help_text="Séparateur « ; » ou « , », encodage UTF-8.")
    dry_run = forms.BooleanField(label="Simulation : vérifier le fichier sans rien enregistrer", required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("Le fichier doit être au format CSV (extension .csv).")
        if upload.size > settings.UPLOAD_MAX_SIZE:
            limit = settings.UPLOAD_MAX_SIZE // (1024 * 1024)
            raise forms.ValidationError(f"Le fichier dépasse la taille autorisée ({limit} Mo).")
        return upload


class OfferTotalForm(ControlCharactersForm):
    indicator = forms.ChoiceField(label="Indicateur", choices=[("", "—")] + OfferTotalIndicator.choices)
    year = forms.IntegerField(label="Année", min_value=1990, max_value=2100)
    quantity = forms.IntegerField(label="Nombre pour l'ensemble de l'EPCI", min_value=0)
    source = forms.CharField(
        label="Source",
        max_length=300,
        help_text="Publication d'où vient le chiffre, par exemple le site de l'EPCI ou un rapport de la CAF.",
    )
