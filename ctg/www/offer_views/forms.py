from django import forms

from ctg.offer.enums import OfferKind, OfferTotalIndicator
from ctg.territories.models import Commune


class OfferItemForm(forms.Form):
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
    covered_communes = forms.ModelMultipleChoiceField(
        label="Communes couvertes (relais petite enfance uniquement)",
        queryset=Commune.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, convention, commune_code=None, **kwargs):
        super().__init__(*args, **kwargs)
        communes = Commune.objects.filter(epci_id=convention.epci_id).only("code", "name").order_by("name")
        self.fields["covered_communes"].queryset = communes
        # A commune member may only place equipment in its own commune.
        self.fields["commune"].queryset = communes.filter(code=commune_code) if commune_code else communes

    def clean(self):
        data = super().clean()
        if data.get("covered_communes") and data.get("kind") != OfferKind.RPE:
            self.add_error("covered_communes", "Seul un relais petite enfance couvre une liste de communes.")
        return data


class OfferImportForm(forms.Form):
    MAX_SIZE = 2 * 1024 * 1024

    file = forms.FileField(label="Fichier CSV", help_text="Séparateur « ; » ou « , », encodage UTF-8.")
    dry_run = forms.BooleanField(label="Simulation : vérifier le fichier sans rien enregistrer", required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("Le fichier doit être au format CSV (extension .csv).")
        if upload.size > self.MAX_SIZE:
            raise forms.ValidationError("Le fichier dépasse 2 Mo.")
        return upload


class OfferTotalForm(forms.Form):
    indicator = forms.ChoiceField(label="Indicateur", choices=[("", "—")] + OfferTotalIndicator.choices)
    year = forms.IntegerField(label="Année", min_value=1990, max_value=2100)
    quantity = forms.IntegerField(label="Nombre pour l'ensemble de l'EPCI", min_value=0)
    source = forms.CharField(
        label="Source",
        max_length=300,
        help_text="Publication d'où vient le chiffre, par exemple le site de l'EPCI ou un rapport de la CAF.",
    )
