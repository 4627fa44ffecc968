"""Writes on governance: bodies, members, meetings, agenda, attendance, minutes, outcomes and follow-ups.

Each function is keyword-only, atomic, validates (French messages) before saving and leaves history with its
author (`by`). A decision is carried out through the services of the plan, the diagnostic and the conventions in
the same transaction, with the reason « décision du COPIL du … » in every history record it creates: when one of
them refuses, nothing of the decision is written.
"""

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from ctg.accounts.models import Membership, User
from ctg.conventions.enums import PHASE_ORDER, Phase
from ctg.conventions.models import Convention
from ctg.conventions.services import convention_change_phase
from ctg.core.formatting import format_date
from ctg.core.history import history_reason, set_history_author
from ctg.core.saving import model_save
from ctg.core.services import model_update
from ctg.diagnostic.enums import EnjeuStatus
from ctg.diagnostic.models import Enjeu
from ctg.diagnostic.services import enjeu_validate
from ctg.organisations.models import Organisation
from ctg.plans.models import Action, FollowUpIndicator, FundingLine
from ctg.plans.services import action_update, funding_line_update, target_set
from ctg.steering.enums import (
    MEETING_TRANSITIONS,
    BodyKind,
    DecisionSubject,
    MeetingState,
    OutcomeKind,
    Presence,
    Side,
    Verdict,
)
from ctg.steering.models import (
    AgendaItem,
    Attendance,
    Body,
    BodyMember,
    FollowUp,
    Guest,
    Meeting,
    MinutesApproval,
    MinutesEntry,
    MinutesVersion,
    Outcome,
)
from ctg.steering.rules import minutes_reading, signatory_sides
from ctg.steering.signals import decision_recorded

SENT_STATES = {MeetingState.CR_ENVOYE, MeetingState.CR_APPROUVE}


def decision_reason(meeting: Meeting) -> str:
    """The history reason of what a meeting decided: « décision du COPIL du 12/03/2026 »."""
    return f"décision du {meeting.body.short_label} du {format_date(meeting.local_date)}"


def _check_person(convention: Convention, user: User | None, field: str) -> None:
    if user is not None and not Membership.objects.filter(user=user, convention=convention).exists():
        raise ValidationError({field: "Cette personne n'a pas de rôle sur cette convention."})


def _locked_meeting(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update(of=("self",)).select_related("body__convention").get(pk=meeting.pk)


# Bodies and members


def _check_body(body: Body, changes: Mapping | None = None) -> None:
    body.name = body.name.strip()
    if body.kind == BodyKind.THEMATIQUE and not body.name:
        raise ValidationError({"name": "Un comité thématique porte un nom (par exemple « Comité petite enfance »)."})


@transaction.atomic
def body_create(*, convention: Convention, kind: str, frequency: str, name: str = "", by: User | None) -> Body:
    body = Body(convention=convention, kind=kind, frequency=frequency, name=name.strip())
    _check_body(body)
    return model_save(body, by=by)


@transaction.atomic
def body_update(*, body: Body, kind: str, frequency: str, name: str = "", by: User | None) -> Body:
    body, _ = model_update(
        instance=body,
        fields=["kind", "frequency", "name"],
        data={"kind": kind, "frequency": frequency, "name": name.strip()},
        by=by,
        check=_check_body,
    )
    return body


@transaction.atomic
def member_add(
    *,
    body: Body,
    organisation: Organisation,
    side: str,
    role: str,
    user: User | None = None,
    person_name: str = "",
    by: User | None,
) -> BodyMember:
    _check_person(body.convention, user, "user")
    if user is None and not person_name.strip():
        raise ValidationError({"person_name": "Indiquez la personne : un compte de la convention ou un nom."})
    member = BodyMember(
        body=body, organisation=organisation, side=side, role=role, user=user, person_name=person_name.strip()
    )
    return model_save(member, by=by)


def member_fingerprint(member: BodyMember) -> str:
    """The seat's values as an edit form saw them: a save compares it with the stored seat to refuse an edit made
    on a seat that someone else changed in the meantime."""
    return "|".join(
        str(value)
        for value in (member.organisation_id, member.user_id or "", member.person_name, member.side, member.role)
    )


@transaction.atomic
def member_update(
    *,
    member: BodyMember,
    organisation: Organisation,
    side: str,
    role: str,
    user: User | None = None,
    person_name: str = "",
    seen: str | None = None,
    by: User | None,
) -> tuple[BodyMember, bool]:
    """Change a seat: organisation, person (an account of the convention or a name), side, role. `seen` is the
    fingerprint the edit form was built from. A seat listed in a meeting's attendance keeps its organisation and
    account (the past minutes name them); its name, side and role can still be corrected. Returns the seat and
    whether anything changed."""
    member = BodyMember.objects.select_for_update(of=("self",)).select_related("body__convention").get(pk=member.pk)
    if seen is not None and seen != member_fingerprint(member):
        raise ValidationError(
            "Ce membre a été modifié par quelqu'un d'autre pendant votre saisie : rechargez la page pour voir ses "
            "valeurs actuelles, puis refaites votre modification."
        )
    if (user.pk if user else None) != member.user_id:
        _check_person(member.body.convention, user, "user")
    person_name = person_name.strip()
    if user is None and not person_name:
        raise ValidationError({"person_name": "Indiquez la personne : un compte de la convention ou un nom."})

    def check(seat: BodyMember, changes: Mapping) -> None:
        if ({"organisation", "user"} & set(changes)) and seat.attendances.exists():
            raise ValidationError(
                "Ce membre figure dans la liste des présents d'une réunion : son organisation et son compte ne "
                "changent plus, pour que les comptes rendus passés restent exacts. Pour le remplacer, ajoutez le "
                "nouveau membre."
            )

    return model_update(
        instance=member,
        fields=["organisation", "user", "person_name", "side", "role"],
        data={"organisation": organisation, "user": user, "person_name": person_name, "side": side, "role": role},
        by=by,
        check=check,
    )


@transaction.atomic
def member_remove(*, member: BodyMember, by: User | None) -> None:
    if member.attendances.exists():
        raise ValidationError(
            "Ce membre figure dans la liste des présents d'une réunion : il reste dans l'instance pour que les "
            "comptes rendus passés restent exacts."
        )
    set_history_author(member, by)
    member.delete()


# Meetings


def _check_place(place: str, link: str) -> None:
    if not place.strip() and not link.strip():
        raise ValidationError({"place": "Indiquez le lieu de la réunion ou le lien de visioconférence."})


@transaction.atomic
def meeting_create(
    *, body: Body, starts_at: datetime.datetime, place: str = "", link: str = "", by: User | None
) -> Meeting:
    _check_place(place, link)
    if timezone.is_naive(starts_at):
        raise ValueError("starts_at must be an aware datetime")
    return model_save(Meeting(body=body, starts_at=starts_at, place=place.strip(), link=link.strip()), by=by)


@transaction.atomic
def meeting_update(
    *, meeting: Meeting, starts_at: datetime.datetime, place: str = "", link: str = "", by: User | None
) -> Meeting:
    meeting = _locked_meeting(meeting)
    if meeting.state in SENT_STATES:
        raise ValidationError("Le compte rendu est envoyé : la date et le lieu de la réunion ne changent plus.")
    _check_place(place, link)
    meeting, _ = model_update(
        instance=meeting,
        fields=["starts_at", "place", "link"],
        data={"starts_at": starts_at, "place": place.strip(), "link": link.strip()},
        by=by,
    )
    return meeting


def current_version(meeting: Meeting) -> MinutesVersion | None:
    return MinutesVersion.objects.filter(meeting=meeting).order_by("-number").first()


def _has_observation(version: MinutesVersion | None) -> bool:
    return version is not None and version.approvals.filter(verdict=Verdict.OBSERVATION).exists()


def _set_state(meeting: Meeting, state: str, *, by: User | None, reason: str = "") -> None:
    meeting.state = state
    set_history_author(meeting, by)
    if reason:
        meeting._change_reason = reason  # type: ignore[attr-defined]  # read by simple-history
    meeting.save(update_fields=["state"])


@transaction.atomic
def meeting_transition(*, meeting: Meeting, state: str, by: User | None) -> Meeting:
    """Move the meeting one step: préparée → tenue → compte rendu envoyé → compte rendu approuvé."""
    meeting = _locked_meeting(meeting)
    try:
        target = MeetingState(state)
    except ValueError:
        raise ValidationError(f"État inconnu : « {state} ».") from None
    current = MeetingState(meeting.state)
    version = current_version(meeting)
    today = timezone.localdate()
    reading = minutes_reading(meeting, version, has_observation=_has_observation(version), today=today)
    if reading.tacit:
        raise ValidationError(
            f"Le compte rendu est déjà approuvé sans observation depuis le {format_date(reading.approved_on)}."
        )
    if target == current:
        raise ValidationError(f"La réunion est déjà à l'état « {current.label} ».")
    if target not in MEETING_TRANSITIONS[current]:
        allowed = ", ".join(f"« {MeetingState(s).label} »" for s in MEETING_TRANSITIONS[current])
        detail = f" Étape suivante possible : {allowed}." if allowed else ""
        raise ValidationError(f"Passage de « {current.label} » à « {target.label} » impossible.{detail}")
    if target == MeetingState.TENUE:
        if meeting.starts_at > timezone.now():
            raise ValidationError(
                f"La réunion est prévue le {format_date(meeting.local_date)} : elle ne peut être notée tenue avant."
            )
    elif target == MeetingState.CR_ENVOYE:
        if version is None or not version.entries.exclude(text="").exists():
            raise ValidationError("Le compte rendu est vide : rédigez-le avant de l'envoyer.")
        version.sent_on = today
        version.sent_by = by if getattr(by, "pk", None) else None
        model_save(version, by=by)
    elif target == MeetingState.CR_APPROUVE and version is not None:
        version.approved_on = today
        model_save(version, by=by)
    _set_state(meeting, target, by=by)
    return meeting


# Agenda


LINK_FIELDS = ["action", "enjeu", "funding_line", "indicator"]


def _check_links(convention: Convention, links: Mapping[str, models.Model | None]) -> None:
    chosen = {name: obj for name, obj in links.items() if obj is not None}
    if len(chosen) > 1:
        raise ValidationError(
            "Un point de l'ordre du jour se rattache à un seul objet : une action, un enjeu, une "
            "ligne de financement ou un indicateur."
        )
    for name, obj in chosen.items():
        owner = obj.action.convention_id if isinstance(obj, FundingLine) else obj.convention_id  # type: ignore[attr-defined]
        if owner != convention.pk:
            raise ValidationError({name: "Cet objet n'appartient pas à cette convention."})


def _check_agenda_open(meeting: Meeting) -> None:
    if meeting.state in SENT_STATES:
        raise ValidationError("Le compte rendu est envoyé : l'ordre du jour ne change plus.")


@transaction.atomic
def agenda_item_create(
    *,
    meeting: Meeting,
    title: str,
    duration_minutes: int | None = None,
    presenter: str = "",
    order: int | None = None,
    action: Action | None = None,
    enjeu: Enjeu | None = None,
    funding_line: FundingLine | None = None,
    indicator: FollowUpIndicator | None = None,
    by: User | None,
) -> AgendaItem:
    meeting = _locked_meeting(meeting)
    _check_agenda_open(meeting)
    links = {"action": action, "enjeu": enjeu, "funding_line": funding_line, "indicator": indicator}
    _check_links(meeting.body.convention, links)
    if order is None:
        order = (meeting.agenda_items.aggregate(last=Max("order"))["last"] or 0) + 1
    item = AgendaItem(
        meeting=meeting,
        title=title.strip(),
        duration_minutes=duration_minutes,
        presenter=presenter.strip(),
        order=order,
        **links,
    )
    return model_save(item, by=by)


@transaction.atomic
def agenda_item_update(*, item: AgendaItem, by: User | None, **changes: object) -> AgendaItem:
    meeting = _locked_meeting(item.meeting)
    _check_agenda_open(meeting)
    links = {name: changes.get(name, getattr(item, name)) for name in LINK_FIELDS}
    _check_links(meeting.body.convention, links)  # type: ignore[arg-type]
    if isinstance(title := changes.get("title"), str):
        changes["title"] = title.strip()
    item, _ = model_update(
        instance=item,
        fields=["title", "duration_minutes", "presenter", "order", *LINK_FIELDS],
        data=changes,
        by=by,
    )
    return item


@transaction.atomic
def agenda_item_delete(*, item: AgendaItem, by: User | None) -> None:
    _check_agenda_open(_locked_meeting(item.meeting))
    if item.outcomes.exists():
        raise ValidationError("Ce point porte des décisions ou des tâches : il reste à l'ordre du jour.")
    set_history_author(item, by)
    item.delete()


# Attendance and guests


@transaction.atomic
def attendance_set(*, meeting: Meeting, presences: Mapping[int, str], by: User | None) -> int:
    """Record the presence of the body's members (member pk → presence); returns how many changed."""
    meeting = _locked_meeting(meeting)
    if meeting.state in SENT_STATES:
        raise ValidationError("Le compte rendu est envoyé : la liste des présents ne change plus.")
    members = {m.pk: m for m in meeting.body.members.all()}
    unknown = set(presences) - set(members)
    if unknown:
        raise ValidationError("Une des personnes n'est pas membre de cette instance.")
    existing = {a.member_id: a for a in meeting.attendances.all()}
    changed = 0
    for member_pk, presence in presences.items():
        if presence not in Presence.values:
            raise ValidationError(f"Présence inconnue : « {presence} ».")
        attendance = existing.get(member_pk)
        if attendance is None:
            model_save(Attendance(meeting=meeting, member=members[member_pk], presence=presence), by=by)
            changed += 1
        else:
            changed += model_update(instance=attendance, fields=["presence"], data={"presence": presence}, by=by)[1]
    return changed


@transaction.atomic
def guest_add(*, meeting: Meeting, name: str, organisation: str = "", by: User | None) -> Guest:
    meeting = _locked_meeting(meeting)
    if meeting.state in SENT_STATES:
        raise ValidationError("Le compte rendu est envoyé : la liste des présents ne change plus.")
    if not name.strip():
        raise ValidationError({"name": "Le nom de la personne invitée est obligatoire."})
    return model_save(Guest(meeting=meeting, name=name.strip(), organisation=organisation.strip()), by=by)


@transaction.atomic
def guest_remove(*, guest: Guest, by: User | None) -> None:
    if _locked_meeting(guest.meeting).state in SENT_STATES:
        raise ValidationError("Le compte rendu est envoyé : la liste des présents ne change plus.")
    set_history_author(guest, by)
    guest.delete()


# Minutes


@transaction.atomic
def minutes_save(*, meeting: Meeting, texts: Mapping[int, str], by: User | None) -> MinutesVersion:
    """Write the minutes (agenda item pk → text). A version once sent is frozen: a change then creates the next
    version (the sent one is kept with its answers) and the meeting returns to « tenue » until it is sent again."""
    meeting = _locked_meeting(meeting)
    if meeting.state == MeetingState.PREPAREE:
        raise ValidationError("Le compte rendu se rédige une fois la réunion tenue.")
    items = {item.pk: item for item in meeting.agenda_items.all()}
    if set(texts) - set(items):
        raise ValidationError("Un des points n'est pas à l'ordre du jour de cette réunion.")
    version = current_version(meeting)
    old = {e.agenda_item_id: e.text for e in version.entries.all()} if version else {}
    new = {pk: text.strip() for pk, text in texts.items()}
    if all(old.get(pk, "") == text for pk, text in new.items()):
        if version is None:
            version = model_save(MinutesVersion(meeting=meeting, number=1, created_by=_author(by)), by=by)
        return version
    if version is None or version.is_frozen:
        number = version.number + 1 if version else 1
        previous = version
        version = model_save(MinutesVersion(meeting=meeting, number=number, created_by=_author(by)), by=by)
        if previous is not None:
            MinutesEntry.objects.bulk_create(
                MinutesEntry(version=version, agenda_item_id=pk, text=text) for pk, text in old.items()
            )
        if meeting.state in SENT_STATES:
            _set_state(meeting, MeetingState.TENUE, by=by, reason=f"compte rendu corrigé (version {number})")
    entries = {e.agenda_item_id: e for e in version.entries.all()}
    for pk, text in new.items():
        entry = entries.get(pk)
        if entry is None:
            MinutesEntry.objects.create(version=version, agenda_item_id=pk, text=text)
        elif entry.text != text:
            entry.text = text
            entry.save(update_fields=["text"])
    return version


def _author(by: User | None) -> User | None:
    return by if getattr(by, "pk", None) else None


@transaction.atomic
def minutes_answer(
    *, meeting: Meeting, side: str, verdict: str, comment: str = "", by: User | None
) -> MinutesApproval:
    """A signatory side approves the sent minutes or makes observations. When every signatory side has approved,
    the minutes are approved; observations prevent the tacit approval."""
    meeting = _locked_meeting(meeting)
    version = current_version(meeting)
    today = timezone.localdate()
    if meeting.state != MeetingState.CR_ENVOYE or version is None:
        raise ValidationError("Le compte rendu n'est pas en attente d'approbation.")
    reading = minutes_reading(meeting, version, has_observation=_has_observation(version), today=today)
    if reading.tacit:
        raise ValidationError(
            f"Le délai d'observation est écoulé : le compte rendu est approuvé sans observation depuis le "
            f"{format_date(reading.approved_on)}."
        )
    sides = signatory_sides(meeting.body.convention)
    if side not in sides:
        raise ValidationError({"side": "Ce collège n'est pas signataire de la convention."})
    if verdict == Verdict.OBSERVATION and not comment.strip():
        raise ValidationError({"comment": "Écrivez vos observations."})
    if version.approvals.filter(side=side).exists():
        raise ValidationError(
            f"Le collège « {Side(side).label} » a déjà répondu sur la version {version.number} du compte rendu."
        )
    approval = model_save(
        MinutesApproval(
            version=version,
            side=side,
            verdict=verdict,
            comment=comment.strip(),
            answered_on=today,
            answered_by=_author(by),
        ),
        by=by,
    )
    approved = set(version.approvals.filter(verdict=Verdict.APPROUVE).values_list("side", flat=True))
    if approved >= set(sides):
        version.approved_on = today
        model_save(version, by=by)
        _set_state(meeting, MeetingState.CR_APPROUVE, by=by, reason="approuvé par tous les collèges signataires")
    return approval


# Outcomes


def _move_phase(convention: Convention, target: Phase, *, reason: str, by: User | None, already_ok: bool) -> None:
    """Move the convention to `target` through the lifecycle service (which refuses invalid transitions).
    `already_ok`: a convention already at or past the target (and not closed) stays where it is."""
    current = Phase(convention.phase)
    if already_ok and current != Phase.CLOSE and PHASE_ORDER.index(current) >= PHASE_ORDER.index(target):
        return
    convention_change_phase(convention=convention, phase=target, reason=reason, by=by)


def _apply_decision(outcome: Outcome, meeting: Meeting, enjeux: list[Enjeu], *, by: User | None) -> None:
    convention = meeting.body.convention
    subject = DecisionSubject(outcome.subject)
    if subject == DecisionSubject.VALIDATE_ENJEUX:
        for enjeu in enjeux:
            enjeu_validate(enjeu=enjeu, validated_on=meeting.local_date, by=by)
        _move_phase(convention, Phase.PLAN, reason=decision_reason(meeting), by=by, already_ok=True)
    elif subject == DecisionSubject.ADOPT_PLAN:
        _move_phase(convention, Phase.MISE_EN_OEUVRE, reason=decision_reason(meeting), by=by, already_ok=False)
    elif subject == DecisionSubject.ACTION_STATUS and outcome.action is not None:
        action = Action.objects.get(pk=outcome.action.pk)
        if action.status == outcome.new_status:
            raise ValidationError({"new_status": f"L'action a déjà le statut « {action.get_status_display()} »."})
        action_update(action=action, expected_version=action.version, status=outcome.new_status, by=by)
    elif subject == DecisionSubject.ACTION_DATES and outcome.action is not None:
        action = Action.objects.get(pk=outcome.action.pk)
        action_update(
            action=action,
            expected_version=action.version,
            planned_start=outcome.new_planned_start,
            planned_end=outcome.new_planned_end,
            by=by,
        )
    elif subject == DecisionSubject.ACCEPT_FUNDING and outcome.funding_line is not None:
        line = FundingLine.objects.get(pk=outcome.funding_line.pk)
        funding_line_update(
            line=line,
            expected_version=line.version,
            amount_granted=outcome.amount_granted,
            granted_on=meeting.local_date,
            by=by,
        )
    elif (
        subject == DecisionSubject.SET_TARGET
        and outcome.indicator is not None
        and outcome.target_date is not None
        and outcome.target_value is not None
    ):
        target_set(indicator=outcome.indicator, date=outcome.target_date, value=outcome.target_value, by=by)
    # AMEND_PLAN and OTHER are recorded as stated: the plan's own pages carry the amendments out.


# What each kind of decision needs, as (field, French message when missing); the dates of an action: at least one.
DECISION_NEEDS: dict[str, list[tuple[str, str]]] = {
    DecisionSubject.VALIDATE_ENJEUX: [("enjeux", "Choisissez les enjeux que la réunion valide.")],
    DecisionSubject.ACTION_STATUS: [
        ("action", "Choisissez l'action concernée."),
        ("new_status", "Choisissez le nouveau statut de l'action."),
    ],
    DecisionSubject.ACTION_DATES: [("action", "Choisissez l'action concernée.")],
    DecisionSubject.ACCEPT_FUNDING: [
        ("funding_line", "Choisissez la ligne de financement acceptée."),
        ("amount_granted", "Indiquez le montant accordé."),
    ],
    DecisionSubject.SET_TARGET: [
        ("indicator", "Choisissez l'indicateur."),
        ("target_date", "Indiquez l'échéance de la cible."),
        ("target_value", "Indiquez la valeur cible."),
    ],
}


def _foreign_objects(convention: Convention, values: Mapping[str, object], enjeux: list[Enjeu]) -> dict[str, str]:
    """Errors for the chosen objects that belong to another convention."""
    errors = {}
    action, line, indicator = values.get("action"), values.get("funding_line"), values.get("indicator")
    if isinstance(action, Action) and action.convention_id != convention.pk:
        errors["action"] = "Cette action n'appartient pas à cette convention."
    if isinstance(line, FundingLine) and line.action.convention_id != convention.pk:
        errors["funding_line"] = "Cette ligne de financement n'appartient pas à cette convention."
    if isinstance(indicator, FollowUpIndicator) and indicator.convention_id != convention.pk:
        errors["indicator"] = "Cet indicateur n'appartient pas à cette convention."
    if any(e.convention_id != convention.pk for e in enjeux):
        errors["enjeux"] = "Un des enjeux n'appartient pas à cette convention."
    return errors


def _check_decision(convention: Convention, subject: str, values: Mapping[str, object], enjeux: list[Enjeu]) -> None:
    if subject not in DecisionSubject.values:
        raise ValidationError({"subject": "Dites ce que la décision décide."})
    errors = _foreign_objects(convention, values, enjeux)
    for field, message in DECISION_NEEDS.get(subject, []):
        if not enjeux if field == "enjeux" else values.get(field) in (None, ""):
            errors.setdefault(field, message)
    if subject == DecisionSubject.ACTION_DATES and not (
        values.get("new_planned_start") or values.get("new_planned_end")
    ):
        errors.setdefault("new_planned_start", "Indiquez le nouveau début ou la nouvelle fin prévus.")
    if subject == DecisionSubject.VALIDATE_ENJEUX and "enjeux" not in errors:
        validated = [e.title for e in enjeux if e.status == EnjeuStatus.VALIDE]
        if validated:
            errors["enjeux"] = "Ces enjeux sont déjà validés : " + ", ".join(f"« {t} »" for t in validated) + "."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def outcome_create(
    *,
    agenda_item: AgendaItem,
    kind: str,
    text: str,
    subject: str = "",
    action: Action | None = None,
    enjeux: Iterable[Enjeu] = (),
    funding_line: FundingLine | None = None,
    indicator: FollowUpIndicator | None = None,
    new_status: str = "",
    new_planned_start: datetime.date | None = None,
    new_planned_end: datetime.date | None = None,
    amount_granted: Decimal | None = None,
    target_date: datetime.date | None = None,
    target_value: Decimal | None = None,
    assignee: User | None = None,
    assignee_name: str = "",
    due_date: datetime.date | None = None,
    by: User | None,
) -> Outcome:
    """Record what an agenda item led to. A decision is carried out in the same transaction (see the module); a
    task opens a follow-up."""
    meeting = _locked_meeting(agenda_item.meeting)
    convention = meeting.body.convention
    if meeting.state != MeetingState.TENUE:
        raise ValidationError(
            "Les décisions, informations et tâches se consignent une fois la réunion tenue et avant l'envoi du "
            "compte rendu."
        )
    if kind not in OutcomeKind.values:
        raise ValidationError({"kind": f"Nature inconnue : « {kind} »."})
    if not text.strip():
        raise ValidationError({"text": "L'énoncé est obligatoire."})
    enjeux = list(enjeux)
    if kind == OutcomeKind.DECISION:
        _check_decision(
            convention,
            subject,
            {
                "action": action,
                "funding_line": funding_line,
                "indicator": indicator,
                "new_status": new_status,
                "new_planned_start": new_planned_start,
                "new_planned_end": new_planned_end,
                "amount_granted": amount_granted,
                "target_date": target_date,
                "target_value": target_value,
            },
            enjeux,
        )
    else:
        subject, enjeux = "", []
        action = funding_line = indicator = None
        new_status, new_planned_start, new_planned_end = "", None, None
        amount_granted = target_date = target_value = None
    if kind == OutcomeKind.TASK:
        _check_person(convention, assignee, "assignee")
        if assignee is None and not assignee_name.strip():
            raise ValidationError({"assignee_name": "Indiquez le ou la responsable de la tâche."})
    outcome = Outcome(
        agenda_item=agenda_item,
        kind=kind,
        text=text.strip(),
        subject=subject,
        action=action,
        funding_line=funding_line,
        indicator=indicator,
        new_status=new_status,
        new_planned_start=new_planned_start,
        new_planned_end=new_planned_end,
        amount_granted=amount_granted,
        target_date=target_date,
        target_value=target_value,
    )
    model_save(outcome, by=by)
    if enjeux:
        outcome.enjeux.set(enjeux)
    if kind == OutcomeKind.DECISION:
        try:
            with history_reason(decision_reason(meeting)):
                _apply_decision(outcome, meeting, enjeux, by=by)
        except ValidationError as exc:
            raise ValidationError(
                ["La décision n'est pas enregistrée : rien n'a été modifié."] + list(exc.messages)
            ) from exc
        decision_recorded.send(sender=Outcome, outcome=outcome, meeting=meeting, by=by)
    if kind == OutcomeKind.TASK:
        model_save(
            FollowUp(
                convention=convention,
                outcome=outcome,
                assignee=assignee,
                assignee_name=assignee_name.strip(),
                due_date=due_date,
            ),
            by=by,
        )
    return outcome


@transaction.atomic
def follow_up_set_done(*, follow_up: FollowUp, done_on: datetime.date | None, by: User | None) -> FollowUp:
    """Mark a task done on a date (None reopens it)."""
    if done_on is not None and done_on > timezone.localdate():
        raise ValidationError({"done_on": "La date de réalisation ne peut pas être dans le futur."})
    follow_up, _ = model_update(instance=follow_up, fields=["done_on"], data={"done_on": done_on}, by=by)
    return follow_up
