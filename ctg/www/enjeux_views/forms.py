import datetime

from django import forms

from ctg.conventions.models import Theme
from ctg.diagnostic.enums import EnjeuPriority


class EnjeuForm(forms.Form):
    theme = forms.ModelChoiceField(label="Thématique", queryset=Theme.objects.none())
    title = forms.CharField(label="Intitulé", max_length=200)
    text = forms.CharField(label="Constat et enjeu", widget=forms.Textarea)
    priority = forms.ChoiceField(label="Priorité", choices=EnjeuPriority.choices, initial=EnjeuPriority.MOYENNE)
    indicator_codes = forms.CharField(
        label="Indicateurs liés",
        required=False,
        help_text="Codes des indicateurs du catalogue, séparés par des virgules.",
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, themes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = Theme.objects.filter(pk__in=[t.pk for t in themes])

    def clean_indicator_codes(self):
        raw = self.cleaned_data["indicator_codes"]
        return [code.strip() for code in raw.replace(";", ",").split(",") if code.strip()]


class EnjeuValidateForm(forms.Form):
    validated_on = forms.DateField(
        label="Date du COPIL",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=datetime.date.today,
    )
