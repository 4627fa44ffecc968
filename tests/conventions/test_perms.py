import pytest

from ctg.accounts.enums import Role
from ctg.conventions.models import Convention
from ctg.conventions.perms import (
    can_edit_commune_data,
    can_edit_content,
    can_edit_convention,
    can_edit_piloted,
    can_manage_members,
    can_view_convention,
    can_view_journal,
)
from tests.accounts.factories import DepartementAccessFactory, MembershipFactory, UserFactory
from tests.conventions.factories import ConventionFactory
from tests.territories.factories import CommuneFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def convention():
    convention = ConventionFactory()
    convention.own = CommuneFactory(epci=convention.epci)
    convention.other = CommuneFactory(epci=convention.epci, departement=convention.own.departement)
    convention.communes.set([convention.own, convention.other])
    return convention


def member(convention, role):
    commune = convention.own if role == Role.COMMUNE else None
    return MembershipFactory(convention=convention, role=role, commune=commune).user


@pytest.mark.parametrize(
    "role,view,content,convention_admin,commune_data,journal",
    [
        (Role.ADMINISTRATEUR, True, True, True, True, True),
        (Role.CONTRIBUTEUR, True, True, False, True, False),
        (Role.PILOTE, True, False, False, False, False),
        (Role.COMMUNE, True, False, False, True, False),
        (Role.LECTEUR, True, False, False, False, False),
    ],
)
def test_role_rules(convention, role, view, content, convention_admin, commune_data, journal):
    user = member(convention, role)
    assert can_view_convention(user, convention) is view
    assert can_edit_content(user, convention) is content
    assert can_edit_convention(user, convention) is convention_admin
    assert can_manage_members(user, convention) is convention_admin
    assert can_view_journal(user, convention) is journal
    assert can_edit_commune_data(user, convention, convention.own) is commune_data
    # Nobody but editors edits another commune's data.
    assert can_edit_commune_data(user, convention, convention.other) is content


def test_pilot_edits_only_what_they_pilot(convention):
    pilot = member(convention, Role.PILOTE)
    other_pilot = member(convention, Role.PILOTE)
    assert can_edit_piloted(pilot, convention, pilot_ids=[pilot.pk])
    assert not can_edit_piloted(pilot, convention, pilot_ids=[other_pilot.pk])
    assert can_edit_piloted(member(convention, Role.CONTRIBUTEUR), convention, pilot_ids=[other_pilot.pk])
    # A pilot of another convention piloting nothing here.
    assert not can_edit_piloted(member(ConventionFactory(), Role.PILOTE), convention, pilot_ids=[pilot.pk])


def test_departement_reader_reads_but_does_not_edit(convention):
    reader = DepartementAccessFactory(departement=convention.own.departement).user
    assert list(Convention.objects.for_user(reader)) == [convention]
    assert can_view_convention(reader, convention)
    assert not can_edit_content(reader, convention)
    assert not can_edit_commune_data(reader, convention, convention.own)


def test_outsiders_and_deactivated_accounts_see_nothing(convention):
    outsider = member(ConventionFactory(), Role.ADMINISTRATEUR)
    assert not can_view_convention(outsider, convention)
    assert not can_manage_members(outsider, convention)
    user = member(convention, Role.ADMINISTRATEUR)
    user.is_active = False
    user.save()
    assert not Convention.objects.for_user(user).exists()
    assert not can_view_convention(user, convention) and not can_manage_members(user, convention)
    assert not Convention.objects.for_user(UserFactory()).exists()
