"""The partners' questionnaire, the coordinator's conclusions and the final report's download, per role."""

import pytest
from django.urls import reverse

from ctg.accounts.enums import SecurityEventKind
from ctg.accounts.models import SecurityEvent
from ctg.conventions.enums import SignatoryRole
from ctg.conventions.models import Signatory
from ctg.evaluation.enums import Criterion
from ctg.evaluation.models import ActionEvaluation, ConventionEvaluation, PartnerAnswer, PartnerSurvey
from ctg.jobs.models import Job
from tests.accounts.factories import MembershipFactory
from tests.conventions.factories import ConventionFactory
from tests.organisations.factories import OrganisationFactory
from tests.plans.factories import ActionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    convention = ConventionFactory()
    partner = OrganisationFactory(name="Association fictive")
    Signatory.objects.create(convention=convention, organisation=partner, role=SignatoryRole.PARTENAIRE)
    outsider_organisation = OrganisationFactory(name="Organisation étrangère")
    admin = MembershipFactory(convention=convention, role="administrateur").user
    partner_member = MembershipFactory(convention=convention, role="lecteur", user__organisation=partner).user
    other_member = MembershipFactory(convention=convention, role="contributeur").user
    return {
        "convention": convention,
        "partner": partner,
        "outsider_organisation": outsider_organisation,
        "admin": admin,
        "partner_member": partner_member,
        "other_member": other_member,
    }


def url(world, name, **kwargs):
    return reverse(f"evaluation_views:{name}", kwargs={"convention_pk": world["convention"].pk, **kwargs})


ANSWER = {"pertinence": "oui", "efficacite": "plutot_oui", "efficience": "", "durabilite": "non", "comment": "Utile."}


class TestPartnerSurvey:
    def test_anonymous_access(self, client, world):
        response = client.get(url(world, "survey"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts_views:login"))

    def test_unauthorized_access(self, client, world):
        client.force_login(MembershipFactory(convention=ConventionFactory(), role="administrateur").user)
        assert client.get(url(world, "survey")).status_code == 404
        assert client.post(url(world, "survey_state")).status_code == 404
        assert client.post(url(world, "survey_answer", organisation_pk=world["partner"].pk), ANSWER).status_code == 404
        assert not PartnerSurvey.objects.exists()

    def test_a_member_answers_for_their_organisation_once_the_coordinator_opened_it(self, client, world):
        answer_url = url(world, "survey_answer", organisation_pk=world["partner"].pk)
        client.force_login(world["partner_member"])
        # Not open yet: nothing is recorded.
        assert client.post(answer_url, ANSWER).status_code == 302
        assert not PartnerAnswer.objects.exists()
        assert client.post(url(world, "survey_state")).status_code == 403
        client.force_login(world["admin"])
        client.post(url(world, "survey_state"), {"etat": "ouvert"})
        assert PartnerSurvey.objects.get().is_open
        client.force_login(world["partner_member"])
        assert client.post(answer_url, ANSWER).status_code == 302
        answer = PartnerAnswer.objects.get()
        assert (answer.organisation, answer.efficacite, answer.on_behalf) == (world["partner"], "plutot_oui", False)
        page = client.get(url(world, "survey")).content.decode()
        assert "1 organisation sur 1 partenaire de la convention a répondu" in page and "Utile." in page
        # Another member of the convention answers for no organisation but their own.
        client.force_login(world["other_member"])
        assert client.get(answer_url).status_code == 403
        assert client.post(answer_url, {**ANSWER, "comment": "Autre"}).status_code == 403
        # An organisation that is not a partner of the convention has no questionnaire.
        other = url(world, "survey_answer", organisation_pk=world["outsider_organisation"].pk)
        client.force_login(world["admin"])
        assert client.get(other).status_code == 404

    def test_the_coordinator_enters_an_answer_on_behalf_and_bad_input_changes_nothing(self, client, world):
        answer_url = url(world, "survey_answer", organisation_pk=world["partner"].pk)
        client.force_login(world["admin"])
        client.post(url(world, "survey_state"), {"etat": "ouvert"})
        refused = client.post(answer_url, {"pertinence": "peut-etre"})
        assert refused.status_code == 200 and "Sélectionnez un choix valide" in refused.content.decode()
        empty = client.post(answer_url, {"pertinence": "", "comment": "  "})
        assert "Répondez à au moins une question ou écrivez un commentaire." in empty.content.decode()
        assert not PartnerAnswer.objects.exists()
        assert client.post(answer_url, ANSWER).status_code == 302
        assert PartnerAnswer.objects.get().on_behalf
        client.post(url(world, "survey_state"), {"etat": "clos"})
        assert not PartnerSurvey.objects.get().is_open
        client.post(answer_url, {**ANSWER, "comment": "Trop tard"})
        assert PartnerAnswer.objects.get().comment == "Utile."
        overview = client.get(url(world, "overview")).content.decode()
        assert "Réponses des partenaires" in overview and "Utile." in overview
        # The roll-up tables name their level columns.
        assert '<th scope="col" class="num">Non évaluable</th>' in overview
        assert '<th scope="col" class="num">À évaluer</th>' in overview


class TestConclusionsAndReport:
    def test_only_an_administrator_writes_the_conclusions(self, client, world):
        client.force_login(world["other_member"])
        assert client.post(url(world, "conclusions"), {"conclusions": "x"}).status_code == 403
        assert not ConventionEvaluation.objects.exists()
        client.force_login(world["admin"])
        response = client.post(
            url(world, "conclusions"), {"conclusions": "Bilan positif.", "recommendations": "Suite."}
        )
        assert response.status_code == 302
        assert ConventionEvaluation.objects.get().conclusions == "Bilan positif."
        assert "Bilan positif." in client.get(url(world, "overview")).content.decode()

    def test_a_reader_requests_the_report_and_the_export_is_journaled(self, client, world):
        client.force_login(world["partner_member"])
        response = client.get(url(world, "report_pdf"))
        job = Job.objects.get()
        assert response.status_code == 302 and job.params == {"format": "pdf"}
        assert SecurityEvent.objects.filter(kind=SecurityEventKind.EXPORT, user=world["partner_member"]).exists()
        # Nothing changed: the same job answers the second request.
        client.get(url(world, "report_pdf"))
        assert Job.objects.count() == 1


class TestPilotGrid:
    def test_a_pilot_fills_only_the_grids_of_their_actions_and_never_validates(self, client, world):
        pilot = MembershipFactory(convention=world["convention"], role="pilote").user
        own = ActionFactory(convention=world["convention"], pilot_user=pilot)
        other = ActionFactory(convention=world["convention"], pilot_user=world["admin"])
        grid = {}
        for criterion in Criterion:
            grid[f"{criterion.value}_level"] = "atteint"
            grid[f"{criterion.value}_justification"] = "Constat."
        client.force_login(pilot)
        assert client.post(url(world, "action_grid", pk=own.pk), grid).status_code == 302
        assert client.post(url(world, "action_grid", pk=other.pk), grid).status_code == 403
        assert not ActionEvaluation.objects.filter(action=other).exists()
        # The pilot reads the other grid without a form, and cannot validate their own.
        assert "Remplir la grille" not in client.get(url(world, "action_grid", pk=other.pk)).content.decode()
        assert client.post(url(world, "action_grid_validate", pk=own.pk)).status_code == 403
        assert not ActionEvaluation.objects.get(action=own).is_validated
        client.force_login(world["admin"])
        assert client.post(url(world, "action_grid_validate", pk=own.pk)).status_code == 302
        assert ActionEvaluation.objects.get(action=own).validated_by == world["admin"]
