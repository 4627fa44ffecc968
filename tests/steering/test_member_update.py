"""Editing a seat of a body: validation, history, concurrent edits, seats listed in past attendances."""

import pytest
from django.core.exceptions import ValidationError

from ctg.accounts.enums import Role
from ctg.steering import services
from ctg.steering.enums import MemberRole, Presence, Side
from ctg.steering.models import Attendance, BodyMember
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.organisations.factories import OrganisationFactory
from tests.steering.factories import BodyFactory, BodyMemberFactory, MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seat():
    return BodyMemberFactory(body=BodyFactory(), person_name="Mme Dupont, élue", side=Side.EPCI)


@pytest.fixture
def coordinator(seat):
    return MembershipFactory(convention=seat.body.convention, role=Role.ADMINISTRATEUR).user


def update(seat, by, **changes):
    values = {
        "organisation": seat.organisation,
        "user": seat.user,
        "person_name": seat.person_name,
        "side": seat.side,
        "role": seat.role,
        **changes,
    }
    return services.member_update(member=seat, by=by, **values)


def test_every_field_changes_and_the_history_names_the_author(seat, coordinator):
    caf = OrganisationFactory(caf=True)
    person = MembershipFactory(convention=seat.body.convention, role=Role.PILOTE).user
    seen = services.member_fingerprint(seat)
    member, changed = update(
        seat,
        coordinator,
        organisation=caf,
        user=person,
        person_name="",
        side=Side.CAF,
        role=MemberRole.SECRETAIRE,
        seen=seen,
    )
    assert changed
    stored = BodyMember.objects.get(pk=seat.pk)
    assert (stored.organisation, stored.user, stored.person_name, stored.side, stored.role) == (
        caf,
        person,
        "",
        Side.CAF,
        MemberRole.SECRETAIRE,
    )
    latest = stored.history.first()
    assert latest.history_type == "~" and latest.history_user == coordinator
    assert stored.history.count() == 2


def test_saving_the_same_values_writes_nothing(seat, coordinator):
    _, changed = update(seat, coordinator, person_name="  Mme Dupont, élue ")
    assert not changed
    assert seat.history.count() == 1


def test_a_person_is_required(seat, coordinator):
    with pytest.raises(ValidationError) as error:
        update(seat, coordinator, user=None, person_name="   ")
    assert error.value.message_dict == {
        "person_name": ["Indiquez la personne : un compte de la convention ou un nom."]
    }
    assert BodyMember.objects.get(pk=seat.pk).person_name == "Mme Dupont, élue"


def test_an_account_of_another_convention_is_refused(seat, coordinator):
    with pytest.raises(ValidationError) as error:
        update(seat, coordinator, user=UserFactory())
    assert error.value.message_dict == {"user": ["Cette personne n'a pas de rôle sur cette convention."]}
    assert BodyMember.objects.get(pk=seat.pk).user is None


def test_an_unknown_side_or_role_is_refused(seat, coordinator):
    with pytest.raises(ValidationError):
        update(seat, coordinator, side="inconnu")
    with pytest.raises(ValidationError):
        update(seat, coordinator, role="tresorier")
    stored = BodyMember.objects.get(pk=seat.pk)
    assert (stored.side, stored.role) == (Side.EPCI, MemberRole.MEMBRE)


def test_an_edit_on_a_seat_changed_meanwhile_is_refused(seat, coordinator):
    seen = services.member_fingerprint(seat)
    update(seat, coordinator, role=MemberRole.PRESIDENT)
    with pytest.raises(ValidationError) as error:
        update(BodyMember.objects.get(pk=seat.pk), coordinator, side=Side.CAF, role=MemberRole.MEMBRE, seen=seen)
    assert "modifié par quelqu'un d'autre" in error.value.messages[0]
    stored = BodyMember.objects.get(pk=seat.pk)
    assert (stored.side, stored.role) == (Side.EPCI, MemberRole.PRESIDENT)


def test_a_seat_in_past_attendance_keeps_its_organisation_and_account(seat, coordinator):
    Attendance.objects.create(meeting=MeetingFactory(body=seat.body), member=seat, presence=Presence.PRESENT)
    with pytest.raises(ValidationError) as error:
        update(seat, coordinator, organisation=OrganisationFactory())
    assert "comptes rendus passés restent exacts" in error.value.messages[0]
    person = MembershipFactory(convention=seat.body.convention).user
    with pytest.raises(ValidationError):
        update(seat, coordinator, user=person)
    # The name, side and role are still corrected.
    member, changed = update(seat, coordinator, person_name="Mme Dupond, élue", role=MemberRole.PRESIDENT)
    assert changed and (member.person_name, member.role) == ("Mme Dupond, élue", MemberRole.PRESIDENT)
    assert BodyMember.objects.get(pk=seat.pk).organisation == seat.organisation


def test_a_seat_whose_account_left_the_convention_still_changes_its_role(seat, coordinator):
    membership = MembershipFactory(convention=seat.body.convention, role=Role.LECTEUR)
    update(seat, coordinator, user=membership.user, person_name="")
    membership.delete()
    member, changed = update(BodyMember.objects.get(pk=seat.pk), coordinator, role=MemberRole.PRESIDENT)
    assert changed and member.user == membership.user and member.role == MemberRole.PRESIDENT
