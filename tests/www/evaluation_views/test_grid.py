import pytest
from django.urls import reverse

from ctg.evaluation.enums import Criterion
from ctg.evaluation.models import ActionEvaluation
from tests.accounts.factories import MembershipFactory
from tests.conventions.factories import ConventionFactory
from tests.plans.factories import ActionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    convention = ConventionFactory()
    members = {
        role: MembershipFactory(convention=convention, role=role).user
        for role in ("administrateur", "contributeur", "pilote", "lecteur")
    }
    other_pilot = MembershipFactory(convention=convention, role="pilote").user
    action = ActionFactory(convention=convention, pilot_user=members["pilote"])
    return {"convention": convention, "members": members, "action": action, "other_pilot": other_pilot}


def grid_url(world, name="action_grid"):
    return reverse(
        f"evaluation_views:{name}", kwargs={"convention_pk": world["convention"].pk, "pk": world["action"].pk}
    )


def complete_grid(**overrides):
    data = {}
    for criterion in Criterion:
        data[f"{criterion.value}_level"] = "partiel"
        data[f"{criterion.value}_justification"] = f"Constat sur la {criterion.label.lower()}."
    return {**data, **overrides}


class TestActionGrid:
    def test_anonymous_access(self, client, world):
        response = client.get(grid_url(world))
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts_views:login"))

    def test_unauthorized_access(self, client, world):
        client.force_login(MembershipFactory(convention=ConventionFactory()).user)
        assert client.get(grid_url(world)).status_code == 404
        assert client.post(grid_url(world), complete_grid()).status_code == 404
        assert not ActionEvaluation.objects.exists()

    def test_the_pilot_fills_the_grid_of_their_action_and_a_level_needs_its_justification(self, client, world):
        client.force_login(world["members"]["pilote"])
        refused = client.post(grid_url(world), complete_grid(efficacite_justification=""))
        assert refused.status_code == 200
        assert "Justifiez le niveau retenu pour « Efficacité »" in refused.content.decode()
        assert not ActionEvaluation.objects.exists()
        assert client.post(grid_url(world), complete_grid()).status_code == 302
        evaluation = ActionEvaluation.objects.get(action=world["action"])
        assert evaluation.efficience_level == "partiel" and evaluation.is_complete
        assert evaluation.history.first().history_user == world["members"]["pilote"]

    def test_another_pilot_and_a_reader_only_read_it(self, client, world):
        client.force_login(world["other_pilot"])
        assert client.post(grid_url(world), complete_grid()).status_code == 403
        client.force_login(world["members"]["lecteur"])
        page = client.get(grid_url(world)).content.decode()
        assert "Remplir la grille" not in page and "pas encore été remplie" in page
        assert not ActionEvaluation.objects.exists()

    def test_an_administrator_validates_a_complete_grid_and_a_later_change_withdraws_it(self, client, world):
        client.force_login(world["members"]["pilote"])
        client.post(grid_url(world), complete_grid(durabilite_level="", durabilite_justification=""))
        client.force_login(world["members"]["contributeur"])
        assert client.post(grid_url(world, "action_grid_validate")).status_code == 403
        client.force_login(world["members"]["administrateur"])
        response = client.post(grid_url(world, "action_grid_validate"), follow=True)
        assert "il manque : « Durabilité »" in response.content.decode()
        assert not ActionEvaluation.objects.get().is_validated
        client.force_login(world["members"]["pilote"])
        client.post(grid_url(world), complete_grid())
        client.force_login(world["members"]["administrateur"])
        client.post(grid_url(world, "action_grid_validate"))
        evaluation = ActionEvaluation.objects.get()
        assert evaluation.is_validated and evaluation.validated_by == world["members"]["administrateur"]
        # Saving the same grid changes nothing; changing it withdraws the validation.
        client.force_login(world["members"]["pilote"])
        client.post(grid_url(world), complete_grid())
        assert ActionEvaluation.objects.get().is_validated
        client.post(grid_url(world), complete_grid(pertinence_level="atteint"))
        assert not ActionEvaluation.objects.get().is_validated

    def test_the_evaluation_page_lists_every_action_with_its_grid_state(
        self, client, world, django_assert_max_num_queries
    ):
        ActionFactory.create_batch(5, convention=world["convention"])
        ActionEvaluation.objects.create(action=world["action"], **{f"{c.value}_level": "atteint" for c in Criterion})
        client.force_login(world["members"]["lecteur"])
        with django_assert_max_num_queries(20):
            page = client.get(reverse("evaluation_views:index", kwargs={"convention_pk": world["convention"].pk}))
        content = page.content.decode()
        assert content.count("à remplir") == 5 and "à valider" in content
