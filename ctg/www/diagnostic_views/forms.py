import datetime

from django import forms

from ctg.conventions.models import Theme
from ctg.diagnostic.enums import EnjeuPriority
from ctg.www.edit_forms import lift_version_error, version_field
from ctg.www.forms import ControlCharactersForm, form_field
from ctg.www.pick_lists import IndicatorsField


class EnjeuForm(ControlCharactersForm):
    theme = forms.ModelChoiceField(label="Thématique", queryset=Theme.objects.none())
    title = forms.CharField(label="Intitulé", max_length=200)
    text = forms.CharField(label="Constat et enjeu", widget=forms.Textarea)
    priority = forms.ChoiceField(label="Priorité", choices=EnjeuPriority.choices, initial=EnjeuPriority.MOYENNE)
    indicator_codes = IndicatorsField(
        label="Indicateurs liés",
        required=False,
        help_text="Indicateurs du diagnostic qui fondent ce constat, par thématique ; filtrez la liste par leur nom.",
    )

    def __init__(self, *args, themes, version=None, kept_codes=(), **kwargs):
        """`version`: the version of the enjeu being edited (None for a new one), a required hidden field.
        `kept_codes`: the indicators the enjeu already cites, choosable even if they left the catalogue."""
        super().__init__(*args, **kwargs)
        self.fields["indicator_codes"] = IndicatorsField(
            label=self.fields["indicator_codes"].label,
            required=False,
            help_text=self.fields["indicator_codes"].help_text,
            kept=kept_codes,
        )
        form_field(self, "theme", forms.ModelChoiceField).queryset = Theme.objects.filter(
            pk__in=[t.pk for t in themes]
        )
        if version is not None:
            self.fields["version"] = version_field(initial=version)

    def clean(self):
        cleaned = super().clean()
        lift_version_error(self)
        return cleaned


class EnjeuValidateForm(forms.Form):
    validated_on = forms.DateField(
        label="Date du COPIL",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=datetime.date.today,
    )
