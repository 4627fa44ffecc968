from typing import cast

from django import forms

from ctg.evaluation.enums import (
    CRITERION_QUESTIONS,
    SURVEY_QUESTIONS,
    Achievement,
    Criterion,
    SnapshotKind,
    SurveyAnswer,
)
from ctg.www.forms import ControlCharactersForm


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class SignatureSnapshotForm(ControlCharactersForm):
    """The signature's snapshot of a convention signed before the platform froze it: rebuilt from the data present,
    up to the vintages the coordinator judges published at the signature."""

    vintage_limit = forms.IntegerField(
        label="Dernier millésime connu à la signature",
        min_value=2006,
        help_text=(
            "Les valeurs des millésimes postérieurs sont écartées de la photographie. Par défaut, l'année de "
            "signature moins trois : les résultats du recensement d'une année N paraissent en juin de l'année N+3."
        ),
    )


class DecisionSnapshotForm(ControlCharactersForm):
    """A snapshot at a decision of the steering committee (a revised baseline), from the data present."""

    reference_date = forms.DateField(label="Date de la décision", widget=DateInput())
    label = forms.CharField(
        label="Décision",
        max_length=255,
        help_text="Instance, date et objet, par exemple « COPIL du 14 mars 2023 : révision des cibles ».",
    )


SNAPSHOT_FORMS = {
    SnapshotKind.SIGNATURE.value: SignatureSnapshotForm,
    SnapshotKind.DECISION.value: DecisionSnapshotForm,
}


class ActionEvaluationForm(ControlCharactersForm):
    """A level and a justification for each criterion of the grid."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for criterion in Criterion:
            self.fields[f"{criterion.value}_level"] = forms.ChoiceField(
                label=f"{criterion.label} : niveau",
                choices=[("", "— à évaluer —"), *Achievement.choices],
                required=False,
                help_text=CRITERION_QUESTIONS[criterion],
            )
            self.fields[f"{criterion.value}_justification"] = forms.CharField(
                label=f"{criterion.label} : justification",
                widget=forms.Textarea(attrs={"rows": 3}),
                required=False,
                max_length=5000,
            )


class ActionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} – {obj.title} ({obj.get_status_display()})"


class CommuneChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.code})"


class RenewalForm(ControlCharactersForm):
    """The successor of a convention: its title, its period, its engaged communes and the actions carried over.

    No action is preselected: the unfinished ones come first, each carried over only when ticked."""

    title = forms.CharField(label="Intitulé de la convention suivante", max_length=255)
    start_date = forms.DateField(label="Début", widget=DateInput())
    end_date = forms.DateField(label="Fin", widget=DateInput(), help_text="Proposée : quatre ans après le début.")
    communes = CommuneChoiceField(
        label="Communes engagées",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Cochées : les communes engagées dans la convention actuelle. Ajoutez-en ou retirez-en.",
    )
    actions = ActionChoiceField(
        label="Actions à reprendre",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=(
            "Aucune action n'est reprise sans être cochée. Les actions non terminées sont listées en premier. "
            "Chaque action reprise emporte ses indicateurs de suivi, dont la dernière mesure devient la nouvelle "
            "valeur de référence."
        ),
    )

    def __init__(self, *args, communes, actions, **kwargs):
        super().__init__(*args, **kwargs)
        cast(CommuneChoiceField, self.fields["communes"]).queryset = communes
        cast(ActionChoiceField, self.fields["actions"]).queryset = actions


class ConclusionsForm(ControlCharactersForm):
    """The coordinator's conclusions and recommendations, printed at the end of the final report."""

    conclusions = forms.CharField(
        label="Conclusions",
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        max_length=20000,
        help_text="Ce que l'évaluation retient de la convention, question par question.",
    )
    recommendations = forms.CharField(
        label="Recommandations",
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        max_length=20000,
        help_text="Ce que la convention suivante devrait reprendre, abandonner ou ajouter.",
    )


class PartnerAnswerForm(ControlCharactersForm):
    """The four questions of the partners' questionnaire, and a free text."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for criterion, question in SURVEY_QUESTIONS.items():
            self.fields[criterion.value] = forms.ChoiceField(
                label=f"{criterion.label} : {question}",
                choices=[("", "— sans réponse —"), *SurveyAnswer.choices],
                required=False,
            )
        self.fields["comment"] = forms.CharField(
            label="Commentaire libre",
            widget=forms.Textarea(attrs={"rows": 5}),
            required=False,
            max_length=5000,
            help_text="Ce que l'organisation retient de la convention, ce qu'elle souhaite pour la suivante.",
        )
