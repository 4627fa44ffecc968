import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from ctg.accounts.enums import Role, SecurityEventKind
from ctg.accounts.models import Invitation, Membership, SecurityEvent, User
from ctg.accounts.services import (
    invitation_accept,
    invitation_create,
    invitation_for_token,
    membership_change_role,
    membership_remove,
    user_delete,
    user_personal_data,
)
from ctg.conventions.services import convention_change_phase
from tests.accounts.factories import InvitationFactory, MembershipFactory, UserFactory
from tests.conventions.factories import ConventionFactory
from tests.territories.factories import CommuneFactory

pytestmark = pytest.mark.django_db

PASSWORD = "un-mot-de-passe-solide-2024"


class TestInvitation:
    def test_create_stores_only_a_hash_and_journals(self):
        admin = MembershipFactory(role=Role.ADMINISTRATEUR)
        invitation, token = invitation_create(
            convention=admin.convention, email=" Nouvelle@Exemple.invalid ", role=Role.CONTRIBUTEUR, by=admin.user
        )
        assert invitation.email == "nouvelle@exemple.invalid"
        assert token not in invitation.token_hash and len(invitation.token_hash) == 64
        assert invitation_for_token(token) == invitation
        assert invitation_for_token("autre-jeton") is None
        assert (invitation.expires_at - timezone.now()).days in (6, 7)
        event = SecurityEvent.objects.get(kind=SecurityEventKind.INVITATION_SENT)
        assert event.convention == admin.convention and event.user == admin.user

    def test_commune_role_needs_an_engaged_commune(self):
        admin = MembershipFactory(role=Role.ADMINISTRATEUR)
        with pytest.raises(ValidationError, match="désigner la commune"):
            invitation_create(convention=admin.convention, email="a@exemple.invalid", role=Role.COMMUNE, by=admin.user)
        with pytest.raises(ValidationError, match="pas engagée"):
            invitation_create(
                convention=admin.convention,
                email="a@exemple.invalid",
                role=Role.COMMUNE,
                commune=CommuneFactory(),
                by=admin.user,
            )

    def test_member_cannot_be_invited_twice(self):
        admin = MembershipFactory(role=Role.ADMINISTRATEUR)
        with pytest.raises(ValidationError, match="déjà membre"):
            invitation_create(
                convention=admin.convention, email=admin.user.email.upper(), role=Role.LECTEUR, by=admin.user
            )

    def test_accept_creates_account_and_membership_once(self):
        invitation = InvitationFactory(role=Role.PILOTE)
        user = invitation_accept(
            invitation=invitation, by=None, first_name="Lou", last_name="Martin", password=PASSWORD
        )
        assert user.email == invitation.email and user.check_password(PASSWORD)
        assert Membership.objects.get(user=user).role == Role.PILOTE
        invitation.refresh_from_db()
        assert invitation.accepted_at is not None and invitation.accepted_by == user
        # Single use: the same link cannot give a second account or a second role.
        with pytest.raises(ValidationError, match="déjà été utilisée"):
            invitation_accept(invitation=invitation, by=None, first_name="X", last_name="Y", password=PASSWORD)
        assert User.objects.filter(email=invitation.email).count() == 1

    def test_expired_invitation_is_refused(self):
        invitation = InvitationFactory(expired=True)
        with pytest.raises(ValidationError, match="expiré"):
            invitation_accept(invitation=invitation, by=None, first_name="Lou", last_name="Martin", password=PASSWORD)
        assert not User.objects.filter(email=invitation.email).exists()

    def test_weak_password_is_refused(self):
        invitation = InvitationFactory()
        with pytest.raises(ValidationError):
            invitation_accept(invitation=invitation, by=None, first_name="Lou", last_name="Martin", password="1234")
        assert not User.objects.filter(email=invitation.email).exists()

    def test_existing_account_accepts_when_logged_in_with_same_address(self):
        user = UserFactory()
        invitation = InvitationFactory(email=user.email)
        with pytest.raises(ValidationError, match="connectez-vous"):
            invitation_accept(invitation=invitation, by=None, first_name="A", last_name="B", password=PASSWORD)
        with pytest.raises(ValidationError, match="autre adresse"):
            invitation_accept(invitation=invitation, by=UserFactory())
        assert invitation_accept(invitation=invitation, by=user) == user
        assert Membership.objects.filter(user=user, convention=invitation.convention).exists()

    def test_an_address_used_as_another_account_identifier_is_refused_in_french(self):
        holder = UserFactory(username="Jean.Dupont@Exemple.invalid", email="jean.perso@exemple.invalid")
        invitation = InvitationFactory(email="jean.dupont@exemple.invalid")
        with pytest.raises(ValidationError, match="Un compte existe déjà pour cette adresse"):
            invitation_accept(invitation=invitation, by=None, first_name="Jean", last_name="D", password=PASSWORD)
        assert User.objects.count() == 1 and not Membership.objects.exists()
        # The holder of the identifier, logged in, joins with that account.
        assert invitation_accept(invitation=invitation, by=holder) == holder

    def test_an_address_known_in_another_case_is_refused_in_french(self):
        UserFactory(username="lou", email="Lou.Martin@Exemple.invalid")
        invitation = InvitationFactory(email="lou.martin@exemple.invalid")
        with pytest.raises(ValidationError, match="Un compte existe déjà pour cette adresse"):
            invitation_accept(invitation=invitation, by=None, first_name="Lou", last_name="M", password=PASSWORD)
        assert User.objects.count() == 1

    def test_a_member_known_by_identifier_is_not_invited_again(self):
        admin = MembershipFactory(role=Role.ADMINISTRATEUR, user__username="lou@exemple.invalid")
        with pytest.raises(ValidationError, match="déjà membre"):
            invitation_create(
                convention=admin.convention, email="LOU@exemple.invalid", role=Role.LECTEUR, by=admin.user
            )
        assert not Invitation.objects.exists()


class TestMembership:
    def test_change_role_journals_and_keeps_one_administrator(self):
        admin = MembershipFactory(role=Role.ADMINISTRATEUR)
        reader = MembershipFactory(convention=admin.convention, role=Role.LECTEUR)
        membership_change_role(membership=reader, role=Role.CONTRIBUTEUR, by=admin.user)
        reader.refresh_from_db()
        assert reader.role == Role.CONTRIBUTEUR
        event = SecurityEvent.objects.get(kind=SecurityEventKind.ROLE_CHANGED)
        assert "Lecteur → Contributeur" in event.detail
        with pytest.raises(ValidationError, match="au moins un administrateur"):
            membership_change_role(membership=admin, role=Role.LECTEUR, by=admin.user)
        with pytest.raises(ValidationError, match="au moins un administrateur"):
            membership_remove(membership=admin, by=admin.user)
        membership_remove(membership=reader, by=admin.user)
        assert not Membership.objects.filter(pk=reader.pk).exists()

    @pytest.mark.parametrize("state", [{"is_active": False}, {"deleted_at": timezone.now()}])
    def test_an_inactive_administrator_does_not_count(self, state):
        admin = MembershipFactory(role=Role.ADMINISTRATEUR)
        inactive = MembershipFactory(convention=admin.convention, role=Role.ADMINISTRATEUR)
        User.objects.filter(pk=inactive.user_id).update(**state)
        with pytest.raises(ValidationError, match="au moins un administrateur dont le compte est actif"):
            membership_remove(membership=admin, by=admin.user)
        with pytest.raises(ValidationError, match="au moins un administrateur dont le compte est actif"):
            membership_change_role(membership=admin, role=Role.LECTEUR, by=admin.user)
        with pytest.raises(ValidationError, match="seul administrateur"):
            user_delete(user=admin.user, by=admin.user)
        admin.refresh_from_db()
        assert admin.role == Role.ADMINISTRATEUR and admin.user.is_active
        # The inactive one may go: an active administrator remains.
        membership_remove(membership=inactive, by=admin.user)
        assert not Membership.objects.filter(pk=inactive.pk).exists()

    def test_a_membership_removed_meanwhile_gives_a_french_message(self):
        admin = MembershipFactory(role=Role.ADMINISTRATEUR)
        reader = MembershipFactory(convention=admin.convention)
        Membership.objects.filter(pk=reader.pk).delete()
        with pytest.raises(ValidationError, match="vient d'être retirée"):
            membership_remove(membership=reader, by=admin.user)

    def test_commune_role_must_name_an_engaged_commune(self):
        admin = MembershipFactory(role=Role.ADMINISTRATEUR)
        commune = CommuneFactory()
        admin.convention.communes.add(commune)
        member = MembershipFactory(convention=admin.convention)
        membership_change_role(membership=member, role=Role.COMMUNE, commune=commune, by=admin.user)
        member.refresh_from_db()
        assert member.commune == commune
        membership_change_role(membership=member, role=Role.LECTEUR, commune=None, by=admin.user)
        member.refresh_from_db()
        assert member.commune is None


class TestAccountDeletion:
    def test_delete_scrubs_the_person_and_keeps_history_readable(self):
        # Choice: the row is kept, scrubbed and deactivated; history rows still point at it and read
        # "Compte supprimé", so nothing is lost and nothing personal remains.
        convention = ConventionFactory()
        admin = MembershipFactory(convention=convention, role=Role.ADMINISTRATEUR)
        member = MembershipFactory(convention=convention, role=Role.CONTRIBUTEUR, user__first_name="Ninon")
        user = member.user
        convention_change_phase(convention=convention, phase="diagnostic", by=user)
        SecurityEvent.objects.create(
            kind=SecurityEventKind.LOGIN, user=user, username=user.username, ip_address="10.0.0.1"
        )
        old_email, old_username = user.email, user.username

        user_delete(user=user, by=user)

        user.refresh_from_db()
        assert not user.is_active and not user.has_usable_password() and user.deleted_at
        assert old_email not in user.email and old_username != user.username and user.first_name == ""
        assert not Membership.objects.filter(user=user).exists()
        record = convention.history.filter(phase="diagnostic").first()
        assert record.history_user_id == user.pk
        assert str(record.history_user) == "Compte supprimé"
        assert not SecurityEvent.objects.filter(username=old_username).exists()
        assert not SecurityEvent.objects.filter(ip_address="10.0.0.1").exists()
        assert Membership.objects.filter(user=admin.user).exists()

    def test_last_administrator_cannot_delete_their_account(self):
        admin = MembershipFactory(role=Role.ADMINISTRATEUR)
        with pytest.raises(ValidationError, match="seul administrateur"):
            user_delete(user=admin.user, by=admin.user)
        admin.user.refresh_from_db()
        assert admin.user.is_active

    def test_nobody_deletes_someone_else(self):
        user = UserFactory()
        with pytest.raises(ValidationError):
            user_delete(user=user, by=UserFactory())

    def test_personal_data_lists_roles_and_journal(self):
        member = MembershipFactory(role=Role.PILOTE, user__first_name="Ninon")
        SecurityEvent.objects.create(kind=SecurityEventKind.LOGIN, user=member.user, username=member.user.username)
        data = user_personal_data(member.user)
        assert data["compte"]["prenom"] == "Ninon"
        assert data["roles"] == [
            {
                "convention": member.convention.title,
                "role": "Pilote d'actions",
                "commune": None,
                "depuis": member.created_at.isoformat(),
            }
        ]
        assert [e["evenement"] for e in data["journal"]] == ["Connexion"]


def test_invitation_validity_comes_from_settings(settings):
    settings.INVITATION_VALIDITY_DAYS = 2
    admin = MembershipFactory(role=Role.ADMINISTRATEUR)
    invitation, _ = invitation_create(
        convention=admin.convention, email="b@exemple.invalid", role=Role.LECTEUR, by=admin.user
    )
    assert invitation.expires_at < timezone.now() + datetime.timedelta(days=2, minutes=1)


def test_purge_keeps_recent_journal_and_pending_invitations(settings):
    settings.SECURITY_JOURNAL_RETENTION_DAYS = 365
    old = SecurityEvent.objects.create(kind=SecurityEventKind.LOGIN, username="ancien")
    SecurityEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=400))
    recent = SecurityEvent.objects.create(kind=SecurityEventKind.LOGIN, username="recent")
    stale = InvitationFactory(expires_at=timezone.now() - datetime.timedelta(days=31))
    just_expired = InvitationFactory(expired=True)
    pending = InvitationFactory()
    out = io.StringIO()
    call_command("purge_accounts_data", stdout=out)
    assert "Journal de sécurité : 1 entrée supprimée ; " in out.getvalue()
    assert list(SecurityEvent.objects.values_list("pk", flat=True)) == [recent.pk]
    remaining = set(Invitation.objects.values_list("pk", flat=True))
    assert remaining == {just_expired.pk, pending.pk} and stale.pk not in remaining
