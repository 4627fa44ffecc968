import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone

from ctg.accounts.models import User
from ctg.conventions.models import Convention
from ctg.diagnostic.enums import EnjeuStatus
from ctg.diagnostic.models import Enjeu
from ctg.organisations.models import Organisation
from ctg.plans.enums import ActionStatus
from ctg.plans.models import Action, FollowUpIndicator, FundingLine
from ctg.steering.enums import BodyKind, DecisionSubject, Frequency, MemberRole, OutcomeKind, Presence, Side, Verdict
from ctg.steering.models import AgendaItem, BodyMember
from ctg.www.forms import ControlCharactersForm, form_field


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


def _members_of(convention: Convention):
    return User.objects.filter(memberships__convention=convention, is_active=True).order_by("last_name", "first_name")


def _person(user: User) -> str:
    return user.get_full_name() or user.get_username()


def _parties_of(convention: Convention):
    return Organisation.objects.filter(
        Q(signatures__convention=convention)
        | Q(led_actions__convention=convention)
        | Q(partner_actions__convention=convention)
        | Q(funding_lines__action__convention=convention)
        | Q(pk=convention.caf_id)
    ).distinct()


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _person(obj)


class BodyForm(ControlCharactersForm):
    kind = forms.ChoiceField(label="Instance", choices=BodyKind.choices)
    name = forms.CharField(
        label="Nom",
        max_length=200,
        required=False,
        help_text="Obligatoire pour un comité thématique (par exemple « Comité petite enfance »).",
    )
    frequency = forms.ChoiceField(label="Fréquence prévue", choices=Frequency.choices)


class MemberForm(ControlCharactersForm):
    organisation = forms.ModelChoiceField(label="Organisation", queryset=Organisation.objects.none())
    user = PersonChoiceField(
        label="Personne (compte de la convention)",
        queryset=User.objects.none(),
        required=False,
        help_text="Ou indiquez son nom ci-dessous si elle n'a pas de compte.",
    )
    person_name = forms.CharField(label="Personne (nom et fonction)", max_length=200, required=False)
    side = forms.ChoiceField(label="Collège", choices=Side.choices)
    role = forms.ChoiceField(label="Rôle", choices=MemberRole.choices, initial=MemberRole.MEMBRE)

    def __init__(self, *args, convention: Convention, **kwargs):
        super().__init__(*args, **kwargs)
        form_field(self, "organisation", forms.ModelChoiceField).queryset = _parties_of(convention).order_by("name")
        form_field(self, "user", forms.ModelChoiceField).queryset = _members_of(convention)


class MemberEditForm(MemberForm):
    """The seat's fields and the fingerprint of the seat the form was built from (see services.member_update)."""

    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, convention: Convention, member: BodyMember, **kwargs):
        super().__init__(*args, convention=convention, **kwargs)
        # The seat keeps its organisation and account even when they are no longer parties or members.
        form_field(self, "organisation", forms.ModelChoiceField).queryset = Organisation.objects.filter(
            Q(pk__in=_parties_of(convention).values("pk")) | Q(pk=member.organisation_id)
        ).order_by("name")
        if member.user_id is not None:
            form_field(self, "user", forms.ModelChoiceField).queryset = User.objects.filter(
                Q(pk__in=_members_of(convention).values("pk")) | Q(pk=member.user_id)
            ).order_by("last_name", "first_name")

    @staticmethod
    def initial_for(member: BodyMember, seen: str) -> dict:
        return {
            "organisation": member.organisation_id,
            "user": member.user_id,
            "person_name": member.person_name,
            "side": member.side,
            "role": member.role,
            "seen": seen,
        }


class MeetingForm(ControlCharactersForm):
    date = forms.DateField(label="Date", widget=DateInput())
    time = forms.TimeField(label="Heure (heure de Paris)", widget=TimeInput())
    place = forms.CharField(label="Lieu", max_length=300, required=False)
    link = forms.URLField(label="Lien de visioconférence", max_length=500, required=False, assume_scheme="https")

    def clean(self):
        cleaned = super().clean() or {}
        if cleaned.get("date") and cleaned.get("time"):
            cleaned["starts_at"] = timezone.make_aware(
                datetime.datetime.combine(cleaned["date"], cleaned["time"]), timezone.get_default_timezone()
            )
        return cleaned

    @staticmethod
    def initial_for(meeting) -> dict:
        local = timezone.localtime(meeting.starts_at)
        return {"date": local.date(), "time": local.time(), "place": meeting.place, "link": meeting.link}


class ActionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} – {obj.title}"


class FundingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.action.code} – {obj.funder} – {obj.year} ({obj.get_scheme_display()})"


def _link_querysets(form: forms.Form, convention: Convention, *, enjeux=None) -> None:
    form_field(form, "action", forms.ModelChoiceField).queryset = Action.objects.filter(convention=convention)
    if "enjeu" in form.fields:
        form_field(form, "enjeu", forms.ModelChoiceField).queryset = Enjeu.objects.filter(convention=convention)
    form_field(form, "funding_line", forms.ModelChoiceField).queryset = FundingLine.objects.filter(
        action__convention=convention
    ).select_related("action", "funder")
    form_field(form, "indicator", forms.ModelChoiceField).queryset = FollowUpIndicator.objects.filter(
        convention=convention
    )


class AgendaItemForm(ControlCharactersForm):
    title = forms.CharField(label="Intitulé", max_length=300)
    duration_minutes = forms.IntegerField(label="Durée (minutes)", min_value=1, max_value=600, required=False)
    presenter = forms.CharField(label="Présenté par", max_length=200, required=False)
    order = forms.IntegerField(
        label="Ordre", min_value=1, max_value=999, required=False, help_text="Vide : à la suite des autres points."
    )
    action = ActionChoiceField(label="Action concernée", queryset=Action.objects.none(), required=False)
    enjeu = forms.ModelChoiceField(label="Enjeu concerné", queryset=Enjeu.objects.none(), required=False)
    funding_line = FundingChoiceField(
        label="Ligne de financement concernée", queryset=FundingLine.objects.none(), required=False
    )
    indicator = forms.ModelChoiceField(
        label="Indicateur concerné",
        queryset=FollowUpIndicator.objects.none(),
        required=False,
        help_text="Un point se rattache au plus à un objet : une action, un enjeu, une ligne de financement ou un "
        "indicateur.",
    )

    def __init__(self, *args, convention: Convention, **kwargs):
        super().__init__(*args, **kwargs)
        _link_querysets(self, convention)

    @staticmethod
    def initial_for(item: AgendaItem) -> dict:
        return {
            name: getattr(item, name)
            for name in (
                "title",
                "duration_minutes",
                "presenter",
                "order",
                "action",
                "enjeu",
                "funding_line",
                "indicator",
            )
        }


class AttendanceForm(forms.Form):
    """One choice per member of the body: présent(e), excusé(e), absent(e) or not yet noted."""

    def __init__(self, *args, members: list[BodyMember], presences: dict[int, str], **kwargs):
        super().__init__(*args, **kwargs)
        for member in members:
            self.fields[f"member_{member.pk}"] = forms.ChoiceField(
                label=f"{member.person_label} – {member.organisation} ({member.get_side_display()})",
                choices=[("", "Non renseigné"), *Presence.choices],
                required=False,
                initial=presences.get(member.pk, ""),
            )

    def presences(self) -> dict[int, str]:
        return {int(name.removeprefix("member_")): value for name, value in self.cleaned_data.items() if value}


class GuestForm(ControlCharactersForm):
    name = forms.CharField(label="Nom de la personne invitée", max_length=200)
    organisation = forms.CharField(label="Organisation ou fonction", max_length=200, required=False)


class MinutesForm(ControlCharactersForm):
    """One text per agenda item."""

    def __init__(self, *args, items: list[AgendaItem], texts: dict[int, str], **kwargs):
        super().__init__(*args, **kwargs)
        for item in items:
            self.fields[f"item_{item.pk}"] = forms.CharField(
                label=f"{item.order}. {item.title}",
                widget=forms.Textarea(attrs={"rows": 6}),
                required=False,
                initial=texts.get(item.pk, ""),
            )

    def texts(self) -> dict[int, str]:
        return {int(name.removeprefix("item_")): value for name, value in self.cleaned_data.items()}


class OutcomeForm(ControlCharactersForm):
    kind = forms.ChoiceField(label="Nature", choices=OutcomeKind.choices)
    text = forms.CharField(label="Énoncé", widget=forms.Textarea(attrs={"rows": 3}))
    subject = forms.ChoiceField(
        label="Objet de la décision",
        choices=[("", "—"), *DecisionSubject.choices],
        required=False,
        help_text="Pour une décision : ce qu'elle décide. Les effets sur le plan, les enjeux ou la phase de la "
        "convention sont appliqués à l'enregistrement.",
    )
    action = ActionChoiceField(label="Action", queryset=Action.objects.none(), required=False)
    new_status = forms.ChoiceField(
        label="Nouveau statut de l'action", choices=[("", "—"), *ActionStatus.choices], required=False
    )
    new_planned_start = forms.DateField(label="Nouveau début prévu", required=False, widget=DateInput())
    new_planned_end = forms.DateField(label="Nouvelle fin prévue", required=False, widget=DateInput())
    enjeux = forms.ModelMultipleChoiceField(
        label="Enjeux validés",
        queryset=Enjeu.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Seuls les enjeux encore proposés sont listés.",
    )
    funding_line = FundingChoiceField(
        label="Ligne de financement", queryset=FundingLine.objects.none(), required=False
    )
    amount_granted = forms.DecimalField(
        label="Montant accordé (€)", min_value=0, max_digits=12, decimal_places=2, required=False
    )
    indicator = forms.ModelChoiceField(label="Indicateur", queryset=FollowUpIndicator.objects.none(), required=False)
    target_date = forms.DateField(label="Échéance de la cible", required=False, widget=DateInput())
    target_value = forms.DecimalField(label="Valeur cible", max_digits=14, decimal_places=3, required=False)
    assignee = PersonChoiceField(label="Responsable (compte)", queryset=User.objects.none(), required=False)
    assignee_name = forms.CharField(label="Responsable (nom)", max_length=200, required=False)
    due_date = forms.DateField(label="Échéance de la tâche", required=False, widget=DateInput())

    DECISION_FIELDS = [
        "subject",
        "action",
        "new_status",
        "new_planned_start",
        "new_planned_end",
        "enjeux",
        "funding_line",
        "amount_granted",
        "indicator",
        "target_date",
        "target_value",
    ]
    TASK_FIELDS = ["assignee", "assignee_name", "due_date"]

    def __init__(self, *args, convention: Convention, initial_action: Action | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        _link_querysets(self, convention)
        form_field(self, "enjeux", forms.ModelMultipleChoiceField).queryset = Enjeu.objects.filter(
            convention=convention, status=EnjeuStatus.PROPOSE
        )
        form_field(self, "assignee", forms.ModelChoiceField).queryset = _members_of(convention)
        if initial_action is not None:
            self.fields["action"].initial = initial_action.pk

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "text": data["text"],
            **{name: data[name] for name in self.DECISION_FIELDS if name != "enjeux"},
            "enjeux": list(data["enjeux"] or []),
            **{name: data[name] for name in self.TASK_FIELDS},
        }


class AnswerForm(ControlCharactersForm):
    side = forms.ChoiceField(label="Collège", choices=[])
    verdict = forms.ChoiceField(label="Réponse", choices=Verdict.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label="Observations",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Obligatoires pour formuler des observations.",
    )

    def __init__(self, *args, sides: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        form_field(self, "side", forms.ChoiceField).choices = [(s, Side(s).label) for s in sides]


class FollowUpDoneForm(forms.Form):
    done_on = forms.DateField(label="Faite le", required=False, widget=DateInput())
