"""Two people editing the same object of the plan: the second save is refused, the first one's value stays."""

import datetime
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from ctg.accounts.enums import Role
from ctg.plans.models import Action, FollowUpIndicator, FundingLine, Milestone, Objective
from tests.accounts.factories import MembershipFactory
from tests.conventions.factories import ConventionFactory
from tests.plans.factories import (
    ActionFactory,
    FundingLineFactory,
    IndicatorFactory,
    MilestoneFactory,
    ObjectiveFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db

VERSION_MISSING = "Ce formulaire ne dit pas de quelle version de l&#x27;objet vous êtes parti·e"


@pytest.fixture
def plan():
    convention = ConventionFactory()
    theme = ThemeFactory(label="Petite enfance")
    convention.themes.add(theme)
    objective = ObjectiveFactory(convention=convention, theme=theme, code="OS1", title="Accueillir")
    action = ActionFactory(convention=convention, code="PE-01", title="Relais petite enfance")
    line = FundingLineFactory(action=action, year=2022, amount_planned=Decimal("1000"))
    milestone = MilestoneFactory(action=action, title="Ouverture", due_date=datetime.date(2022, 6, 30))
    indicator = IndicatorFactory(action=action, code="PE-01-I1", label="Places")
    editors = []
    for role in (Role.ADMINISTRATEUR, Role.CONTRIBUTEUR):
        editor = Client()
        editor.force_login(MembershipFactory(convention=convention, role=role).user)
        editors.append(editor)
    return {
        "convention": convention,
        "theme": theme,
        "objective": objective,
        "action": action,
        "line": line,
        "milestone": milestone,
        "indicator": indicator,
        "editors": editors,
    }


def url(plan, name, *args):
    return reverse(f"plans_views:{name}", args=[plan["convention"].pk, *args])


def opened_version(editor, address) -> str:
    """The version the edit form carries, as an editor's browser receives it."""
    html = editor.get(address).content.decode()
    (version,) = re.findall(r'<input type="hidden" name="version" value="(\d+)"', html)
    return version


def race(plan, address, first: dict, second: dict):
    """Both editors open the form; the first saves; the second's save is refused (409) and the page shows what
    changed meanwhile, with the form carrying the new version."""
    editor_a, editor_b = plan["editors"]
    version_a, version_b = opened_version(editor_a, address), opened_version(editor_b, address)
    assert version_a == version_b
    assert editor_a.post(address, first | {"version": version_a}).status_code == 302
    response = editor_b.post(address, second | {"version": version_b})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Modifié par quelqu'un d'autre pendant votre saisie" in html
    assert f"Vous étiez parti·e de la version {version_b}" in html
    assert f'name="version" value="{int(version_b) + 1}"' in html
    return html


def without_version(plan, address, data):
    response = plan["editors"][0].post(address, data)
    assert response.status_code == 400
    assert VERSION_MISSING in response.content.decode()


def funding_data(plan, amount):
    line = plan["line"]
    return {
        "funder": line.funder_id,
        "year": line.year,
        "nature": line.nature,
        "scheme": line.scheme,
        "amount_planned": amount,
    }


class TestFundingLine:
    def test_second_save_of_a_stale_form_is_refused(self, plan):
        address = url(plan, "funding_edit", plan["action"].pk, plan["line"].pk)
        html = race(plan, address, funding_data(plan, "1500"), funding_data(plan, "1200"))
        assert re.search(r"Montant prévu \(€\).*?<td>1000,00</td>\s*<td>1500,00</td>\s*<td>1200,00</td>", html, re.S)
        line = FundingLine.objects.get()
        assert (line.amount_planned, line.version) == (Decimal("1500.00"), 2)

    def test_post_without_version_is_a_form_error(self, plan):
        without_version(plan, url(plan, "funding_edit", plan["action"].pk, plan["line"].pk), funding_data(plan, "9"))
        assert FundingLine.objects.get().amount_planned == Decimal("1000.00")

    def test_same_values_again_leave_no_history_and_keep_the_version(self, plan):
        address = url(plan, "funding_edit", plan["action"].pk, plan["line"].pk)
        before = FundingLine.history.count()
        editor = plan["editors"][0]
        assert editor.post(address, funding_data(plan, "1000") | {"version": "1"}).status_code == 302
        assert FundingLine.history.count() == before and FundingLine.objects.get().version == 1


class TestMilestone:
    def test_second_save_of_a_stale_form_is_refused(self, plan):
        address = url(plan, "milestone_edit", plan["action"].pk, plan["milestone"].pk)
        first = {"title": "Ouverture du relais", "due_date": "2022-06-30", "weight": 1}
        html = race(plan, address, first, first | {"title": "Autre intitulé"})
        assert re.search(
            r"Intitulé.*?<td>Ouverture</td>\s*<td>Ouverture du relais</td>\s*<td>Autre intitulé</td>", html, re.S
        )
        assert Milestone.objects.get().title == "Ouverture du relais"

    def test_post_without_version_is_a_form_error(self, plan):
        address = url(plan, "milestone_edit", plan["action"].pk, plan["milestone"].pk)
        without_version(plan, address, {"title": "Écrasé", "weight": 1})
        assert Milestone.objects.get().title == "Ouverture"


class TestObjective:
    def test_second_save_of_a_stale_form_is_refused(self, plan):
        address = url(plan, "objective_edit", plan["objective"].pk)
        first = {"theme": plan["theme"].pk, "code": "OS1", "title": "Accueillir mieux", "order": 100}
        html = race(plan, address, first, first | {"title": "Accueillir autrement"})
        assert "<td>Accueillir mieux</td>" in html
        assert Objective.objects.get().title == "Accueillir mieux"

    def test_post_without_version_is_a_form_error(self, plan):
        address = url(plan, "objective_edit", plan["objective"].pk)
        without_version(plan, address, {"theme": plan["theme"].pk, "code": "OS1", "title": "Écrasé", "order": 1})
        assert Objective.objects.get().title == "Accueillir"


class TestIndicator:
    def test_second_save_of_a_stale_form_is_refused(self, plan):
        address = url(plan, "indicator_edit", plan["action"].pk, plan["indicator"].pk)
        first = {
            "code": "PE-01-I1",
            "label": "Places ouvertes",
            "source": "Coordination",
            "baseline_value": "10",
            "baseline_date": "2022-01-01",
        }
        html = race(plan, address, first, first | {"label": "Places créées"})
        assert "<td>Places ouvertes</td>" in html
        assert FollowUpIndicator.objects.get().label == "Places ouvertes"

    def test_post_without_version_is_a_form_error(self, plan):
        address = url(plan, "indicator_edit", plan["action"].pk, plan["indicator"].pk)
        data = {
            "code": "PE-01-I1",
            "label": "Écrasé",
            "source": "x",
            "baseline_value": "1",
            "baseline_date": "2022-01-01",
        }
        without_version(plan, address, data)
        assert FollowUpIndicator.objects.get().label == "Places"


class TestAction:
    def data(self, title):
        return {"code": "PE-01", "title": title, "status": "a_venir", "priority": "moyenne"}

    def test_second_save_of_a_stale_form_is_refused(self, plan):
        html = race(plan, url(plan, "action_edit", plan["action"].pk), self.data("Relais"), self.data("Autre"))
        assert re.search(r"Intitulé.*?<td>Relais petite enfance</td>\s*<td>Relais</td>\s*<td>Autre</td>", html, re.S)
        assert Action.objects.get().title == "Relais"

    def test_post_without_version_is_a_form_error(self, plan):
        without_version(plan, url(plan, "action_edit", plan["action"].pk), self.data("Écrasé"))
        assert Action.objects.get().title == "Relais petite enfance"

    def test_creation_needs_no_version(self, plan):
        response = plan["editors"][0].post(url(plan, "action_create"), self.data("Crèche") | {"code": "PE-02"})
        assert response.status_code == 302
        assert Action.objects.get(code="PE-02").version == 1


class TestControlCharacters:
    @pytest.mark.parametrize("character", ["\x01", "\x0b", "\x7f"])
    def test_text_fields_refuse_them_with_a_french_field_error(self, plan, character):
        data = {"code": "PE-02", "title": f"Crè{character}che", "status": "a_venir", "priority": "moyenne"}
        response = plan["editors"][0].post(url(plan, "action_create"), data)
        assert response.status_code == 400
        html = response.content.decode()
        assert f"Caractère de contrôle invisible (code {ord(character):#04x}) en position 4" in html
        assert not Action.objects.filter(code="PE-02").exists()

    def test_milestone_and_funding_comment(self, plan):
        editor = plan["editors"][0]
        response = editor.post(url(plan, "milestone_create", plan["action"].pk), {"title": "Jalon\x01", "weight": 1})
        assert response.status_code == 400 and "Caractère de contrôle invisible" in response.content.decode()
        data = funding_data(plan, "10") | {"comment": "a\x0bb", "year": 2023}
        response = editor.post(url(plan, "funding_create", plan["action"].pk), data)
        assert response.status_code == 400 and "Caractère de contrôle invisible" in response.content.decode()
        assert Milestone.objects.count() == 1 and FundingLine.objects.count() == 1


def test_a_change_in_the_admin_makes_open_forms_stale(admin_client, plan):
    line = plan["line"]
    address = url(plan, "funding_edit", plan["action"].pk, line.pk)
    opened = opened_version(plan["editors"][0], address)
    data = {
        "action": line.action_id,
        "funder": line.funder_id,
        "year": line.year,
        "nature": line.nature,
        "scheme": line.scheme,
        "amount_planned": "2000",
    }
    response = admin_client.post(reverse("admin:plans_fundingline_change", args=[line.pk]), data)
    assert response.status_code == 302
    assert FundingLine.objects.get().version == 2
    response = plan["editors"][0].post(address, funding_data(plan, "1500") | {"version": opened})
    assert response.status_code == 409
    assert FundingLine.objects.get().amount_planned == Decimal("2000.00")
