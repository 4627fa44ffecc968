"""Pages of the governance of a convention: bodies, members, meetings, agenda, attendance, minutes, outcomes.

Every object is looked up inside the convention the user may read (404 otherwise); writes need the convention's
administrators (the minutes: also the body's secretary; the answer to the minutes: also a member of that side).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ctg.steering import services
from ctg.steering.dashboard import dashboard as dashboard_blocks
from ctg.steering.dashboard import dashboard_commune
from ctg.steering.enums import MeetingState
from ctg.steering.maps import actions_per_commune_map
from ctg.steering.models import AgendaItem, Body, BodyMember, FollowUp, Guest, Meeting
from ctg.steering.perms import answerable_sides, can_manage_steering, can_send_minutes
from ctg.steering.rules import signatory_sides
from ctg.steering.selectors import bodies_overview, body_detail, meeting_detail
from ctg.www.steering_views.forms import (
    AgendaItemForm,
    AnswerForm,
    AttendanceForm,
    BodyForm,
    FollowUpDoneForm,
    GuestForm,
    MeetingForm,
    MemberEditForm,
    MemberForm,
    MinutesForm,
    OutcomeForm,
)
from ctg.www.utils import add_service_errors, get_convention_for, run_service

MANAGE_REFUSED = "Seuls les administrateurs de la convention gèrent les instances et les réunions."


def _managed(request, convention_pk):
    convention = get_convention_for(request, convention_pk)
    if not can_manage_steering(request.user, convention):
        raise PermissionDenied(MANAGE_REFUSED)
    return convention


def _body(convention, pk) -> Body:
    return get_object_or_404(Body.objects.filter(convention=convention), pk=pk)


def _meeting(convention, pk) -> Meeting:
    return get_object_or_404(Meeting.objects.filter(body__convention=convention).select_related("body"), pk=pk)


def _item(meeting, item_pk) -> AgendaItem:
    return get_object_or_404(AgendaItem.objects.filter(meeting=meeting), pk=item_pk)


def _to_meeting(meeting):
    return redirect("steering_views:meeting_detail", convention_pk=meeting.body.convention_id, pk=meeting.pk)


# Dashboard


def dashboard(request, convention_pk):
    """« Where are we? » for every reader; a commune member sees it restricted to their commune."""
    convention = get_convention_for(request, convention_pk)
    today = timezone.localdate()
    commune = dashboard_commune(request.user, convention)
    blocks = dashboard_blocks(convention=convention, today=today, commune=commune)
    per_commune_map = actions_per_commune_map(convention=convention, per_commune=blocks["per_commune"])
    context = {
        "convention": convention,
        "today": today,
        "per_commune_map": per_commune_map["svg"],
        "per_commune_map_description": per_commune_map["description"],
        **blocks,
    }
    return render(request, "steering_views/dashboard.html", context)


# Bodies


def index(request, convention_pk):
    convention = get_convention_for(request, convention_pk)
    context = {
        "convention": convention,
        "can_manage": can_manage_steering(request.user, convention),
        **bodies_overview(convention=convention, today=timezone.localdate()),
    }
    return render(request, "steering_views/index.html", context)


def body_create(request, convention_pk):
    convention = _managed(request, convention_pk)
    form = BodyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            body = services.body_create(convention=convention, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"L'instance « {body} » est créée : ajoutez ses membres.")
            return redirect("steering_views:body_detail", convention_pk=convention.pk, pk=body.pk)
    return render(request, "steering_views/body_form.html", {"convention": convention, "form": form, "body": None})


def body_edit(request, convention_pk, pk):
    convention = _managed(request, convention_pk)
    body = _body(convention, pk)
    form = BodyForm(request.POST or None, initial={"kind": body.kind, "name": body.name, "frequency": body.frequency})
    if request.method == "POST" and form.is_valid():
        try:
            services.body_update(body=body, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "L'instance est enregistrée.")
            return redirect("steering_views:body_detail", convention_pk=convention.pk, pk=body.pk)
    return render(request, "steering_views/body_form.html", {"convention": convention, "form": form, "body": body})


def body_view(request, convention_pk, pk):
    convention = get_convention_for(request, convention_pk)
    body = _body(convention, pk)
    can_manage = can_manage_steering(request.user, convention)
    context = {
        "convention": convention,
        "body": body,
        "can_manage": can_manage,
        "member_form": MemberForm(convention=convention) if can_manage else None,
        **body_detail(body=body),
    }
    return render(request, "steering_views/body_detail.html", context)


def member_add(request, convention_pk, pk):
    convention = _managed(request, convention_pk)
    body = _body(convention, pk)
    form = MemberForm(request.POST or None, convention=convention)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.member_add(body=body, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{member.person_label} siège désormais au {body}.")
            return redirect("steering_views:body_detail", convention_pk=convention.pk, pk=body.pk)
    return render(request, "steering_views/member_form.html", {"convention": convention, "form": form, "body": body})


def member_edit(request, convention_pk, pk, member_pk):
    convention = _managed(request, convention_pk)
    body = _body(convention, pk)
    member = get_object_or_404(BodyMember.objects.filter(body=body).select_related("user"), pk=member_pk)
    initial = MemberEditForm.initial_for(member, services.member_fingerprint(member))
    form = MemberEditForm(request.POST or None, convention=convention, member=member, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["seen"] = data["seen"] or None
        try:
            member, changed = services.member_update(member=member, by=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if changed:
                messages.success(request, f"Le siège de {member.person_label} au {body} est enregistré.")
            else:
                messages.info(request, "Aucun changement : le membre est inchangé.")
            return redirect("steering_views:body_detail", convention_pk=convention.pk, pk=body.pk)
    context = {"convention": convention, "form": form, "body": body, "member": member}
    return render(request, "steering_views/member_form.html", context)


@require_POST
def member_remove(request, convention_pk, pk, member_pk):
    convention = _managed(request, convention_pk)
    body = _body(convention, pk)
    member = get_object_or_404(BodyMember.objects.filter(body=body), pk=member_pk)
    if run_service(request, services.member_remove, member=member):
        messages.success(request, f"{member.person_label} ne siège plus au {body}.")
    return redirect("steering_views:body_detail", convention_pk=convention.pk, pk=body.pk)


# Meetings


def meeting_create(request, convention_pk, pk):
    convention = _managed(request, convention_pk)
    body = _body(convention, pk)
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.meeting_create(
                body=body, starts_at=data["starts_at"], place=data["place"], link=data["link"], by=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "La réunion est créée : composez son ordre du jour.")
            return _to_meeting(meeting)
    context = {"convention": convention, "form": form, "body": body, "meeting": None}
    return render(request, "steering_views/meeting_form.html", context)


def meeting_edit(request, convention_pk, pk):
    convention = _managed(request, convention_pk)
    meeting = _meeting(convention, pk)
    form = MeetingForm(request.POST or None, initial=MeetingForm.initial_for(meeting))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.meeting_update(
                meeting=meeting, starts_at=data["starts_at"], place=data["place"], link=data["link"], by=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "La réunion est enregistrée.")
            return _to_meeting(meeting)
    context = {"convention": convention, "form": form, "body": meeting.body, "meeting": meeting}
    return render(request, "steering_views/meeting_form.html", context)


def meeting_view(request, convention_pk, pk):
    convention = get_convention_for(request, convention_pk)
    meeting = _meeting(convention, pk)
    detail = meeting_detail(meeting=meeting, today=timezone.localdate())
    can_manage = can_manage_steering(request.user, convention)
    reading = detail["reading"]
    sides = answerable_sides(request.user, meeting, [s for s, _, answered in detail["sides"] if not answered])
    awaiting = reading.state == MeetingState.CR_ENVOYE
    context = {
        "convention": convention,
        "meeting": meeting,
        "body": meeting.body,
        "can_manage": can_manage,
        "can_send": can_send_minutes(request.user, meeting),
        "answer_form": AnswerForm(sides=sides) if awaiting and sides else None,
        "states": MeetingState,
        **detail,
    }
    return render(request, "steering_views/meeting_detail.html", context)


@require_POST
def meeting_transition(request, convention_pk, pk):
    convention = get_convention_for(request, convention_pk)
    meeting = _meeting(convention, pk)
    state = request.POST.get("state", "")
    allowed = (
        can_send_minutes(request.user, meeting)
        if state == MeetingState.CR_ENVOYE
        else (can_manage_steering(request.user, convention))
    )
    if not allowed:
        raise PermissionDenied(MANAGE_REFUSED)
    if run_service(request, services.meeting_transition, meeting=meeting, state=state):
        messages.success(request, f"La réunion passe à l'état « {MeetingState(state).label} ».")
    return _to_meeting(meeting)


# Agenda


def agenda_item_add(request, convention_pk, pk):
    convention = _managed(request, convention_pk)
    meeting = _meeting(convention, pk)
    form = AgendaItemForm(request.POST or None, convention=convention)
    if request.method == "POST" and form.is_valid():
        try:
            services.agenda_item_create(meeting=meeting, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Le point est ajouté à l'ordre du jour.")
            return _to_meeting(meeting)
    context = {"convention": convention, "form": form, "meeting": meeting, "item": None}
    return render(request, "steering_views/agenda_item_form.html", context)


def agenda_item_edit(request, convention_pk, pk, item_pk):
    convention = _managed(request, convention_pk)
    meeting = _meeting(convention, pk)
    item = _item(meeting, item_pk)
    form = AgendaItemForm(request.POST or None, convention=convention, initial=AgendaItemForm.initial_for(item))
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        if changes["order"] is None:
            changes["order"] = item.order
        try:
            services.agenda_item_update(item=item, by=request.user, **changes)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Le point de l'ordre du jour est enregistré.")
            return _to_meeting(meeting)
    context = {"convention": convention, "form": form, "meeting": meeting, "item": item}
    return render(request, "steering_views/agenda_item_form.html", context)


@require_POST
def agenda_item_delete(request, convention_pk, pk, item_pk):
    convention = _managed(request, convention_pk)
    meeting = _meeting(convention, pk)
    item = _item(meeting, item_pk)
    if run_service(request, services.agenda_item_delete, item=item):
        messages.success(request, f"Le point « {item.title} » est retiré de l'ordre du jour.")
    return _to_meeting(meeting)


# Attendance and guests


def attendance(request, convention_pk, pk):
    convention = _managed(request, convention_pk)
    meeting = _meeting(convention, pk)
    members = list(BodyMember.objects.filter(body_id=meeting.body_id).select_related("organisation", "user"))
    presences = dict(meeting.attendances.values_list("member_id", "presence"))
    form = AttendanceForm(request.POST or None, members=members, presences=presences)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.attendance_set(meeting=meeting, presences=form.presences(), by=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Présences enregistrées ({changed} changement{'s' if changed > 1 else ''}).")
            return _to_meeting(meeting)
    context = {
        "convention": convention,
        "meeting": meeting,
        "form": form,
        "guest_form": GuestForm(),
        "guests": list(meeting.guests.all()),
    }
    return render(request, "steering_views/attendance.html", context)


@require_POST
def guest_add(request, convention_pk, pk):
    convention = _managed(request, convention_pk)
    meeting = _meeting(convention, pk)
    form = GuestForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    elif run_service(request, services.guest_add, meeting=meeting, **form.cleaned_data):
        messages.success(request, f"{form.cleaned_data['name']} est ajouté(e) aux personnes invitées.")
    return redirect("steering_views:attendance", convention_pk=convention.pk, pk=meeting.pk)


@require_POST
def guest_remove(request, convention_pk, pk, guest_pk):
    convention = _managed(request, convention_pk)
    meeting = _meeting(convention, pk)
    guest = get_object_or_404(Guest.objects.filter(meeting=meeting), pk=guest_pk)
    if run_service(request, services.guest_remove, guest=guest):
        messages.success(request, f"{guest.name} est retiré(e) des personnes invitées.")
    return redirect("steering_views:attendance", convention_pk=convention.pk, pk=meeting.pk)


# Minutes


def minutes(request, convention_pk, pk):
    convention = get_convention_for(request, convention_pk)
    meeting = _meeting(convention, pk)
    if not can_send_minutes(request.user, meeting):
        raise PermissionDenied(
            "Seuls les administrateurs et le ou la secrétaire de l'instance rédigent le compte rendu."
        )
    items = list(meeting.agenda_items.all())
    version = services.current_version(meeting)
    texts = {e.agenda_item_id: e.text for e in version.entries.all()} if version else {}
    form = MinutesForm(request.POST or None, items=items, texts=texts)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.minutes_save(meeting=meeting, texts=form.texts(), by=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if version is not None and saved.number != version.number:
                messages.warning(
                    request,
                    f"La version {version.number} était envoyée : vos changements forment la version {saved.number}, "
                    "à envoyer à nouveau. La version précédente est conservée.",
                )
            else:
                messages.success(request, "Le compte rendu est enregistré.")
            return _to_meeting(meeting)
    context = {"convention": convention, "meeting": meeting, "form": form, "version": version, "items": items}
    return render(request, "steering_views/minutes_form.html", context)


@require_POST
def minutes_answer(request, convention_pk, pk):
    convention = get_convention_for(request, convention_pk)
    meeting = _meeting(convention, pk)
    sides = answerable_sides(request.user, meeting, signatory_sides(convention))
    if not sides:
        raise PermissionDenied("Seuls les membres des collèges signataires répondent au compte rendu.")
    form = AnswerForm(request.POST, sides=sides)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    elif run_service(request, services.minutes_answer, meeting=meeting, **form.cleaned_data):
        messages.success(request, "La réponse au compte rendu est enregistrée.")
    return _to_meeting(meeting)


# Outcomes and follow-ups


def outcome_add(request, convention_pk, pk, item_pk):
    convention = _managed(request, convention_pk)
    meeting = _meeting(convention, pk)
    item = _item(meeting, item_pk)
    form = OutcomeForm(request.POST or None, convention=convention, initial_action=item.action)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.outcome_create(agenda_item=item, by=request.user, **form.service_arguments())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"{outcome.get_kind_display()} enregistrée.")
            return _to_meeting(meeting)
    context = {"convention": convention, "meeting": meeting, "item": item, "form": form}
    return render(request, "steering_views/outcome_form.html", context)


@require_POST
def follow_up_done(request, convention_pk, pk):
    convention = _managed(request, convention_pk)
    follow_up = get_object_or_404(FollowUp.objects.filter(convention=convention), pk=pk)
    form = FollowUpDoneForm(request.POST)
    done_on = form.cleaned_data["done_on"] if form.is_valid() else None
    if run_service(request, services.follow_up_set_done, follow_up=follow_up, done_on=done_on):
        messages.success(request, "La tâche est notée faite." if done_on else "La tâche est rouverte.")
    return redirect("steering_views:index", convention_pk=convention.pk)
