"""Forms of the convention's own life: opening it, its parties, its signed copy and amendments, its phase."""

from django import forms

from ctg.conventions.enums import DocumentKind, SignatoryRole
from ctg.conventions.models import Theme
from ctg.conventions.selectors import cafs_for_creation, epcis_for_creation, signatory_organisations
from ctg.organisations.models import Organisation
from ctg.territories.models import EPCI, Commune
from ctg.www.forms import ControlCharactersForm, form_field


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class EpciChoiceForm(forms.Form):
    """First step of the creation: the EPCI, whose member communes the second step lists."""

    epci = forms.ModelChoiceField(
        label="EPCI",
        queryset=EPCI.objects.none(),
        to_field_name="siren",
        empty_label="Choisissez l'EPCI",
        help_text="Les EPCI des départements auxquels vous avez accès, d'après le référentiel territorial.",
        error_messages={"invalid_choice": "Choisissez un EPCI d'un département auquel vous avez accès."},
    )

    def __init__(self, *args, departements, **kwargs):
        super().__init__(*args, **kwargs)
        form_field(self, "epci", forms.ModelChoiceField).queryset = epcis_for_creation(departements)


class ConventionCreateForm(ControlCharactersForm):
    title = forms.CharField(
        label="Intitulé",
        max_length=255,
        required=False,
        help_text="Laissez vide pour « CTG <EPCI> – <CAF> <début>-<fin> ».",
    )
    caf = forms.ModelChoiceField(label="CAF", queryset=Organisation.objects.none(), empty_label=None)
    start_date = forms.DateField(label="Début de la période", widget=DateInput())
    end_date = forms.DateField(label="Fin de la période", widget=DateInput())
    themes = forms.ModelMultipleChoiceField(
        label="Thématiques",
        queryset=Theme.objects.reference(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Les champs d'intervention de la CAF retenus par la convention.",
    )
    communes = forms.ModelMultipleChoiceField(
        label="Communes engagées",
        queryset=Commune.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Parmi les communes membres de l'EPCI ; vous pourrez compléter la liste plus tard.",
    )
    coordinator_email = forms.EmailField(
        label="Adresse électronique de la coordination CTG de l'EPCI",
        help_text="Cette personne reçoit une invitation à administrer la convention.",
        error_messages={"invalid": "Saisissez une adresse électronique valide, par exemple prenom.nom@agglo.fr."},
    )

    def __init__(self, *args, epci, departements, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.epci = epci
        cafs = cafs_for_creation(departements)
        caf_field = form_field(self, "caf", forms.ModelChoiceField)
        caf_field.queryset = cafs
        if user.organisation_id and cafs.filter(pk=user.organisation_id).exists():
            caf_field.initial = user.organisation_id
        communes = form_field(self, "communes", forms.ModelMultipleChoiceField)
        communes.queryset = Commune.objects.filter(epci=epci).order_by("name")
        self.fields["themes"].initial = list(Theme.objects.reference().values_list("pk", flat=True))

    def default_title(self) -> str:
        data = self.cleaned_data
        caf, start, end = data.get("caf"), data.get("start_date"), data.get("end_date")
        if not (caf and start and end):
            return ""
        return f"CTG {self.epci.name} – {caf.name} {start.year}-{end.year}"


class ConventionEditForm(ControlCharactersForm):
    title = forms.CharField(label="Intitulé", max_length=255)
    start_date = forms.DateField(label="Début de la période", widget=DateInput())
    end_date = forms.DateField(label="Fin de la période", widget=DateInput())
    signed_on = forms.DateField(
        label="Date de signature",
        required=False,
        widget=DateInput(),
        help_text="Enregistrée une seule fois : elle fige le diagnostic de départ de l'évaluation.",
    )
    themes = forms.ModelMultipleChoiceField(
        label="Thématiques",
        queryset=Theme.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    communes = forms.ModelMultipleChoiceField(
        label="Communes engagées",
        queryset=Commune.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Parmi les communes membres de l'EPCI.",
    )

    def __init__(self, *args, convention, **kwargs):
        super().__init__(*args, **kwargs)
        form_field(self, "themes", forms.ModelMultipleChoiceField).queryset = Theme.objects.for_convention(convention)
        form_field(self, "communes", forms.ModelMultipleChoiceField).queryset = Commune.objects.filter(
            epci_id=convention.epci_id
        ).order_by("name")
        if convention.signed_on:
            signed = self.fields["signed_on"]
            signed.disabled = True
            signed.help_text = "Enregistrée : elle ne change plus."


class PhaseBackForm(ControlCharactersForm):
    reason = forms.CharField(
        label="Motif du retour en arrière",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Gardé dans l'historique des phases, visible des membres de la convention.",
        error_messages={"required": "Indiquez pourquoi la convention revient à la phase précédente."},
    )


class SignatoryForm(ControlCharactersForm):
    organisation = forms.ModelChoiceField(
        label="Organisation", queryset=Organisation.objects.none(), empty_label="Choisissez"
    )
    role = forms.ChoiceField(label="Rôle", choices=SignatoryRole.choices)
    represented_by = forms.CharField(
        label="Représentée par (fonction)",
        max_length=200,
        required=False,
        help_text="Par exemple « le Président », « la Directrice ».",
    )
    signed_on = forms.DateField(label="Date de signature", required=False, widget=DateInput())

    def __init__(self, *args, convention, **kwargs):
        super().__init__(*args, **kwargs)
        form_field(self, "organisation", forms.ModelChoiceField).queryset = signatory_organisations(convention)


class DocumentForm(ControlCharactersForm):
    kind = forms.ChoiceField(label="Document", choices=DocumentKind.choices, widget=forms.RadioSelect)
    dated = forms.DateField(
        label="Date",
        widget=DateInput(),
        help_text="Date de signature de la convention, ou de l'avenant.",
    )
    summary = forms.CharField(
        label="Ce que change l'avenant",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Obligatoire pour un avenant : période, communes, thématiques, financements…",
    )
    file = forms.FileField(
        label="Fichier PDF",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
        help_text="Un PDF, vérifié par son contenu. Déposer la convention signée remplace l'exemplaire précédent.",
    )
