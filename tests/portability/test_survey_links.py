"""A convention's archive carries the answers given through the partners' links, never the links themselves."""

import json

import pytest

from ctg.conventions.enums import SignatoryRole
from ctg.conventions.models import Signatory
from ctg.evaluation import survey_links
from ctg.evaluation.models import SurveyLink
from ctg.evaluation.services import partner_survey_open
from ctg.portability.services import convention_export
from tests.accounts.factories import MembershipFactory
from tests.conventions.factories import ConventionFactory
from tests.organisations.factories import OrganisationFactory
from tests.portability.conftest import read_archive

pytestmark = pytest.mark.django_db


def test_the_answer_travels_with_its_origin_and_the_link_stays_behind():
    convention = ConventionFactory()
    admin = MembershipFactory(convention=convention, role="administrateur").user
    partner = OrganisationFactory(name="Association fictive")
    Signatory.objects.create(convention=convention, organisation=partner, role=SignatoryRole.PARTENAIRE)
    survey = partner_survey_open(convention=convention, by=admin)
    token = survey_links.survey_link_renew(survey=survey, organisation=partner, by=admin)
    link = survey_links.survey_link_for_token(convention_pk=convention.pk, token=token)
    survey_links.survey_link_answer(link=link, data={"comment": "Réponse par le lien."})

    _, data = read_archive(convention_export(convention=convention))
    [answer] = data["objects"]["evaluation.partneranswer"]
    assert answer["fields"]["via_link"] is True and answer["fields"]["answered_by"] is None
    assert "evaluation.surveylink" not in data["objects"]
    text = json.dumps(data)
    assert SurveyLink.objects.get().token_hash not in text and token not in text
