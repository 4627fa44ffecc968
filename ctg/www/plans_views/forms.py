from django import forms
from django.conf import settings
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from ctg.accounts.models import User
from ctg.conventions.models import Theme
from ctg.organisations.models import Organisation
from ctg.plans import models as plan
from ctg.plans.enums import ActionStatus
from ctg.plans.selectors import plan_themes
from ctg.plans.services import ACTION_FIELDS, ACTION_M2M, FOLLOW_UP_FIELDS, FUNDING_FIELDS
from ctg.territories.models import Commune
from ctg.www.edit_forms import lift_version_error, version_field
from ctg.www.forms import ControlCharactersFormMixin, form_field
from ctg.www.pick_lists import Checklist, ChecklistField, IndicatorChoiceField


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


DATE_WIDGETS = {
    name: DateInput()
    for name in (
        "planned_start",
        "planned_end",
        "actual_start",
        "actual_end",
        "due_date",
        "done_date",
        "date",
        "requested_on",
        "granted_on",
        "paid_on",
        "baseline_date",
    )
}


class FlatSelect(forms.Select):
    """A single select built by string, options included: the plan filters carry dozens of options (communes,
    funders…) on the page that lists every action, and one sub-template per option would cost more than the rows."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = set(self.format_value(value))
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((str(option), SELECTED if str(option) in selected else "", label) for option, label in self.choices),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(self.build_attrs(self.attrs, attrs)), options
        )


SELECTED = mark_safe(" selected")


class PlanFilterForm(forms.Form):
    theme = forms.TypedChoiceField(label="Thématique", required=False, coerce=int, empty_value=None, widget=FlatSelect)
    status = forms.ChoiceField(label="Statut", required=False, widget=FlatSelect)
    pilot = forms.TypedChoiceField(label="Pilote", required=False, coerce=int, empty_value=None, widget=FlatSelect)
    commune = forms.ChoiceField(label="Commune", required=False, widget=FlatSelect)
    funder = forms.TypedChoiceField(label="Financeur", required=False, coerce=int, empty_value=None, widget=FlatSelect)
    late = forms.BooleanField(label="En retard seulement", required=False)

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", "Toutes")]
        form_field(self, "theme", forms.ChoiceField).choices = everything + [
            (t.pk, t.label) for t in choices["themes"]
        ]
        form_field(self, "status", forms.ChoiceField).choices = [("", "Tous")] + list(choices["statuses"])
        form_field(self, "pilot", forms.ChoiceField).choices = [("", "Tous")] + [
            (pk, f"{first} {last}".strip() or username) for pk, first, last, username in choices["pilots"]
        ]
        form_field(self, "commune", forms.ChoiceField).choices = everything + list(choices["communes"])
        form_field(self, "funder", forms.ChoiceField).choices = [("", "Tous")] + list(choices["funders"])


class PlanForm(ControlCharactersFormMixin, forms.ModelForm):
    """A form of the plan: text fields refuse control characters; editing an existing object requires the
    version the editor started from (hidden field `version`). Validation against the database is the service's
    job (it names the field), so the form does not touch its instance."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and hasattr(self.instance, "version"):
            self.fields["version"] = version_field(initial=self.instance.version)

    def clean(self):
        cleaned = super().clean()
        lift_version_error(self)
        return cleaned

    def _post_clean(self):
        pass


PILOT_OTHER, PILOT_NONE = "autre", "aucun"


def _action_form_order() -> list[str]:
    """The fields in the model's order, the communes last (their list is long) right after "toutes les communes"."""
    order = [name for name in [*ACTION_FIELDS, *ACTION_M2M] if name not in {"all_communes", "communes"}]
    return [*order, "all_communes", "communes"]


ACTION_FORM_ORDER = _action_form_order()


def pilot_choices(convention) -> list[tuple[str, str]]:
    """The pilot pick list: nobody yet, the convention's members (their account), or another person without one."""
    members = User.objects.filter(memberships__convention=convention).distinct().order_by("last_name", "first_name")
    return [
        (PILOT_NONE, "— Pas encore de pilote —"),
        *((str(u.pk), f"{u} (membre de la convention)") for u in members),
        (PILOT_OTHER, "Une autre personne, sans compte (nommez-la ci-dessous)"),
    ]


class ActionForm(PlanForm):
    """The whole fiche, for the plan's editors. The pilot is one choice (`pilot_user`): a member's account, nobody,
    or another person named in `pilot_name` (shown with that choice only); the form turns it into the model's
    `pilot_user` and `pilot_name`, one of them at most. A blank choice with a name (a form given back after an
    edit conflict) means that name."""

    pilot_user = forms.ChoiceField(
        label="Pilote",
        required=False,
        help_text="Un membre de la convention pourra mettre à jour le suivi de la fiche ; "
        "une autre personne est seulement nommée.",
    )
    pilot_name = forms.CharField(label="Nom de l'autre personne pilote", max_length=200, required=False)
    communes = ChecklistField(
        label="Communes concernées",
        queryset=Commune.objects.none(),
        required=False,
        widget=Checklist(noun="communes"),
        help_text="Inutile de les cocher toutes : cochez plutôt « toutes les communes du territoire » ci-dessus.",
    )
    partners = ChecklistField(
        label="Partenaires",
        queryset=Organisation.objects.none(),
        required=False,
        widget=Checklist(noun="partenaires"),
    )

    class Meta:
        model = plan.Action
        fields = [*ACTION_FIELDS, *ACTION_M2M]
        widgets = {
            **DATE_WIDGETS,
            "themes": forms.CheckboxSelectMultiple,
            "objectives": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 4}),
            "expected_results": forms.Textarea(attrs={"rows": 3}),
            "target_public": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, convention, **kwargs):
        super().__init__(*args, **kwargs)
        self.convention = convention
        self.instance.convention = convention
        self.order_fields(ACTION_FORM_ORDER)
        form_field(self, "themes", forms.ModelChoiceField).queryset = Theme.objects.filter(
            pk__in=[t.pk for t in plan_themes(convention)]
        )
        form_field(self, "objectives", forms.ModelChoiceField).queryset = plan.Objective.objects.filter(
            convention=convention
        )
        form_field(self, "communes", ChecklistField).queryset = Commune.objects.filter(
            epci_id=convention.epci_id
        ).order_by("name")
        form_field(self, "pilot_user", forms.ChoiceField).choices = pilot_choices(convention)
        if not self.is_bound:
            if self.instance.pilot_user_id:
                self.initial["pilot_user"] = str(self.instance.pilot_user_id)
            else:
                self.initial["pilot_user"] = PILOT_OTHER if self.instance.pilot_name else PILOT_NONE
        parents = plan.Action.objects.filter(convention=convention, parent__isnull=True)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        form_field(self, "parent", forms.ModelChoiceField).queryset = parents
        self.fields["parent"].help_text = "Pour une sous-action (un seul niveau)."
        form_field(self, "lead_organisation", forms.ModelChoiceField).queryset = Organisation.objects.order_by("name")
        form_field(self, "partners", ChecklistField).queryset = Organisation.objects.order_by("name")
        self._warn_beyond_convention(self.instance.planned_start, self.instance.planned_end)

    def clean(self):
        cleaned = super().clean()
        self._warn_beyond_convention(cleaned.get("planned_start"), cleaned.get("planned_end"))
        choice = cleaned.get("pilot_user") or ""
        name = (cleaned.get("pilot_name") or "").strip()
        cleaned["pilot_user"], cleaned["pilot_name"] = None, ""
        if choice == PILOT_OTHER or (choice == "" and name):
            if name:
                cleaned["pilot_name"] = name
            else:
                self.add_error("pilot_name", "Indiquez le nom de la personne qui pilote l'action.")
        elif choice and choice != PILOT_NONE:
            # The choices are the members' accounts: Django already refused any other value.
            cleaned["pilot_user"] = User.objects.get(pk=int(choice))
        return cleaned

    def _warn_beyond_convention(self, start, end):
        """The convention's last day next to the planned end; a warning there (never a refusal) when the action is
        planned past it."""
        warning = self.convention.period_overrun(start=start, end=end)
        ending = f"La convention se termine le {self.convention.end_date:%d/%m/%Y}."
        self.fields["planned_end"].help_text = f"Attention : {warning}" if warning else ending


class ActionFollowUpForm(PlanForm):
    """What the pilot of an action updates on its fiche: its follow-up, never its code, title, pilot or themes
    (ctg.plans.services.action_update refuses those from a pilot whatever the form posts)."""

    class Meta:
        model = plan.Action
        fields = list(FOLLOW_UP_FIELDS)
        widgets = DATE_WIDGETS


class FollowUpForm(ControlCharactersFormMixin, forms.Form):
    """The follow-up of an action changed in place: its status, its progress when it has no milestones (they
    make it otherwise) and its next milestone's due and done dates, each with the version read with the page."""

    status = forms.ChoiceField(label="Statut", choices=ActionStatus.choices)
    progress_manual = forms.IntegerField(
        label="Avancement (%)", required=False, min_value=0, max_value=100, widget=forms.NumberInput(attrs={"step": 5})
    )
    milestone_due_date = forms.DateField(label="Échéance du prochain jalon", required=False, widget=DateInput())
    milestone_done_date = forms.DateField(label="Prochain jalon réalisé le", required=False, widget=DateInput())

    def __init__(self, *args, follow_up, **kwargs):
        super().__init__(*args, **kwargs)
        action, milestone = follow_up.action, follow_up.next_milestone
        self.fields["status"].widget.attrs["autofocus"] = True  # htmx focuses it once swapped in
        self.fields["version"] = version_field(initial=action.version)
        self.initial.update(status=action.status, progress_manual=action.progress_manual)
        if follow_up.has_milestones:
            del self.fields["progress_manual"]  # the milestones make the progress
        if milestone is None:
            del self.fields["milestone_due_date"], self.fields["milestone_done_date"]
        else:
            self.fields["milestone_version"] = version_field(initial=milestone.version)
            self.fields["milestone_due_date"].label = f"Échéance du jalon « {milestone.title} »"
            self.fields["milestone_done_date"].label = f"Jalon « {milestone.title} » réalisé le"
            self.fields["milestone_done_date"].help_text = "Laissez vide tant qu'il n'est pas réalisé."
            self.initial.update(milestone_due_date=milestone.due_date, milestone_done_date=milestone.done_date)

    def clean(self):
        cleaned = super().clean()
        lift_version_error(self)
        return cleaned


class ObjectiveForm(PlanForm):
    class Meta:
        model = plan.Objective
        fields = ["theme", "parent", "code", "title", "description", "order", "enjeux"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}), "enjeux": forms.CheckboxSelectMultiple}

    def __init__(self, *args, convention, **kwargs):
        super().__init__(*args, **kwargs)
        form_field(self, "theme", forms.ModelChoiceField).queryset = Theme.objects.filter(
            pk__in=[t.pk for t in plan_themes(convention)]
        )
        parents = plan.Objective.objects.filter(convention=convention, parent__isnull=True)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        form_field(self, "parent", forms.ModelChoiceField).queryset = parents
        self.fields["parent"].help_text = "Vide pour un objectif stratégique ; sinon l'objectif stratégique parent."
        enjeux = form_field(self, "enjeux", forms.ModelMultipleChoiceField)
        if enjeux.queryset is not None:  # always set on a model form's field
            enjeux.queryset = enjeux.queryset.filter(convention=convention)


class MilestoneForm(PlanForm):
    class Meta:
        model = plan.Milestone
        fields = ["title", "due_date", "done_date", "weight"]
        widgets = DATE_WIDGETS


class NoteForm(PlanForm):
    class Meta:
        model = plan.FollowUpNote
        fields = ["date", "text"]
        widgets = {**DATE_WIDGETS, "text": forms.Textarea(attrs={"rows": 4})}


class LinkForm(PlanForm):
    url = forms.URLField(label="Adresse", max_length=500, assume_scheme="https")

    class Meta:
        model = plan.ActionLink
        fields = ["label", "url"]


class FundingLineForm(PlanForm):
    class Meta:
        model = plan.FundingLine
        fields = FUNDING_FIELDS
        widgets = DATE_WIDGETS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        form_field(self, "funder", forms.ModelChoiceField).queryset = Organisation.objects.order_by("name")


class IndicatorForm(PlanForm):
    """A user who creates or edits an indicator gives its baseline: value and date are required here."""

    class Meta:
        model = plan.FollowUpIndicator
        fields = ["code", "label", "unit", "source", "diagnostic_code", "baseline_value", "baseline_date"]
        widgets = DATE_WIDGETS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["diagnostic_code"] = IndicatorChoiceField(
            label="Indicateur du diagnostic suivi",
            required=False,
            empty_label="— Aucun : indicateur défini localement (indiquez sa source) —",
            kept=[self.instance.diagnostic_code] if self.instance.diagnostic_code else [],
            help_text="Choisissez-le par thématique et par nom (filtrez la liste) : ses valeurs issues des données "
            "ouvertes s'afficheront sur la fiche.",
        )
        self.order_fields(["code", "label", "unit", "diagnostic_code", "source"])
        self.fields["baseline_value"].required = True
        self.fields["baseline_date"].required = True


class TargetForm(PlanForm):
    class Meta:
        model = plan.IndicatorTarget
        fields = ["date", "value"]
        widgets = DATE_WIDGETS


class MeasureForm(PlanForm):
    class Meta:
        model = plan.IndicatorMeasure
        fields = ["date", "value", "source", "comment"]
        widgets = DATE_WIDGETS


class ImportForm(forms.Form):
    file = forms.FileField(label="Classeur XLSX du plan d'actions")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("Le fichier doit être un classeur Excel (.xlsx).")
        if upload.size > settings.UPLOAD_MAX_SIZE:
            raise forms.ValidationError(
                f"Le fichier dépasse la taille autorisée ({settings.UPLOAD_MAX_SIZE // (1024 * 1024)} Mo)."
            )
        return upload
