import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from ctg.accounts.enums import Role
from ctg.steering import services
from ctg.steering.enums import MemberRole, Side
from ctg.steering.models import BodyMember
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.steering.factories import BodyFactory, BodyMemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seat():
    return BodyMemberFactory(body=BodyFactory(), person_name="M. Martin", side=Side.EPCI)


def edit_url(seat):
    return reverse(
        "steering_views:member_edit",
        kwargs={"convention_pk": seat.body.convention_id, "pk": seat.body_id, "member_pk": seat.pk},
    )


def body_url(seat):
    return reverse("steering_views:body_detail", kwargs={"convention_pk": seat.body.convention_id, "pk": seat.body_id})


def admin_of(seat):
    return MembershipFactory(convention=seat.body.convention, role=Role.ADMINISTRATEUR).user


def form_data(seat, **changes):
    return {
        "organisation": seat.organisation_id,
        "user": seat.user_id or "",
        "person_name": seat.person_name,
        "side": seat.side,
        "role": seat.role,
        "seen": services.member_fingerprint(seat),
        **changes,
    }


class TestMemberEdit:
    def test_anonymous_access(self, client, seat):
        url = edit_url(seat)
        assertRedirects(
            client.get(url), reverse("accounts_views:login") + "?next=" + url, fetch_redirect_response=False
        )

    def test_unauthorized_access(self, client, seat):
        client.force_login(UserFactory())
        assert client.get(edit_url(seat)).status_code == 404
        client.force_login(MembershipFactory(convention=seat.body.convention, role=Role.CONTRIBUTEUR).user)
        assert client.get(edit_url(seat)).status_code == 403
        assert client.post(edit_url(seat), form_data(seat, role=MemberRole.PRESIDENT)).status_code == 403
        assert BodyMember.objects.get(pk=seat.pk).role == MemberRole.MEMBRE

    def test_the_body_page_links_to_the_edit_form_for_administrators_only(self, client, seat):
        client.force_login(admin_of(seat))
        assertContains(client.get(body_url(seat)), edit_url(seat))
        client.force_login(MembershipFactory(convention=seat.body.convention, role=Role.LECTEUR).user)
        response = client.get(body_url(seat))
        assert response.status_code == 200 and edit_url(seat) not in response.content.decode()

    def test_the_form_shows_the_seat_and_saves_it(self, client, seat):
        admin = admin_of(seat)
        client.force_login(admin)
        response = client.get(edit_url(seat))
        assertContains(response, "Modifier le siège de M. Martin")
        assertContains(response, 'value="M. Martin"')
        # The organisation of the seat is offered even when it is not a party of the convention.
        assertContains(response, f'<option value="{seat.organisation_id}" selected>')
        response = client.post(
            edit_url(seat), form_data(seat, user=admin.pk, person_name="", role=MemberRole.PRESIDENT)
        )
        assertRedirects(response, body_url(seat))
        stored = BodyMember.objects.get(pk=seat.pk)
        assert (stored.user, stored.person_name, stored.role) == (admin, "", MemberRole.PRESIDENT)
        assert stored.history.first().history_user == admin

    def test_bad_input_says_why_and_changes_nothing(self, client, seat):
        client.force_login(admin_of(seat))
        response = client.post(edit_url(seat), form_data(seat, person_name="", side="inconnu"))
        assert response.status_code == 200
        assertContains(response, "Sélectionnez un choix valide.")
        response = client.post(edit_url(seat), form_data(seat, person_name=""))
        assertContains(response, "Indiquez la personne : un compte de la convention ou un nom.")
        outsider = UserFactory()
        response = client.post(edit_url(seat), form_data(seat, user=outsider.pk))
        assertContains(response, "Sélectionnez un choix valide.")
        stale = form_data(seat, role=MemberRole.PRESIDENT)
        client.post(edit_url(seat), form_data(seat, side=Side.CAF))
        response = client.post(edit_url(seat), stale)
        assertContains(response, "modifié par quelqu&#x27;un d&#x27;autre")
        stored = BodyMember.objects.get(pk=seat.pk)
        assert (stored.person_name, stored.side, stored.role) == ("M. Martin", Side.CAF, MemberRole.MEMBRE)
