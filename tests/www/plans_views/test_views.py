import datetime
import io
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from ctg.accounts.enums import Role, SecurityEventKind
from ctg.accounts.models import SecurityEvent
from ctg.plans.enums import ActionStatus
from ctg.plans.models import Action, FundingLine
from ctg.plans.services import objective_update
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.conventions.factories import ConventionFactory
from tests.diagnostic.factories import EnjeuFactory
from tests.organisations.factories import OrganisationFactory
from tests.plans.factories import (
    ActionFactory,
    FundingLineFactory,
    IndicatorFactory,
    MeasureFactory,
    MilestoneFactory,
    ObjectiveFactory,
    TargetFactory,
    ThemeFactory,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2024, 3, 1)
# Noon UTC: the same day for the code and the test whatever the time zone.
AT_NOON_TODAY = datetime.datetime.combine(TODAY, datetime.time(12), tzinfo=datetime.UTC)


def member(convention, role):
    return MembershipFactory(convention=convention, role=role).user


@pytest.fixture
def plan():
    convention = ConventionFactory()
    theme = ThemeFactory(label="Petite enfance")
    convention.themes.add(theme)
    objective = ObjectiveFactory(convention=convention, theme=theme, code="OS1", title="Accueillir")
    pilot = member(convention, Role.PILOTE)
    action = ActionFactory(
        convention=convention,
        code="PE-01",
        title="Relais petite enfance",
        pilot_user=pilot,
        status=ActionStatus.EN_COURS,
        planned_end=datetime.date(2023, 12, 31),
    )
    action.objectives.add(objective)
    other = ActionFactory(
        convention=convention, code="PE-02", title="Crèche", status=ActionStatus.A_VENIR, planned_end=None
    )
    other.themes.add(theme)
    FundingLineFactory(action=action, amount_planned=Decimal("1000"), amount_granted=Decimal("800"))
    MilestoneFactory(action=action, weight=1, done_date=datetime.date(2022, 5, 1))
    MilestoneFactory(action=action, weight=3)
    return {"convention": convention, "action": action, "other": other, "pilot": pilot, "theme": theme}


def url(name, plan, *args):
    return reverse(f"plans_views:{name}", args=[plan["convention"].pk, *args])


class TestIndex:
    def test_anonymous_access(self, client, plan):
        response = client.get(url("index", plan))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts_views:login"))

    def test_unauthorized_access(self, client, plan):
        client.force_login(member(ConventionFactory(), Role.ADMINISTRATEUR))
        assert client.get(url("index", plan)).status_code == 404

    @time_machine.travel(AT_NOON_TODAY, tick=False)
    def test_tree_with_status_progress_budget_and_lateness(self, client, plan):
        client.force_login(member(plan["convention"], Role.LECTEUR))
        response = client.get(url("index", plan))
        html = response.content.decode()
        assert "OS1 – Accueillir" in html
        assert "Relais petite enfance" in html and "Crèche" in html
        assert "En retard" in html  # planned end 31/12/2023 passed on 01/03/2024, status en cours
        assert "25 %" in html  # one done milestone of weight 1 out of 4
        assert re.search(r"1\s000 €", html)
        assert "Nouvelle fiche action" not in html  # a reader does not edit

    @time_machine.travel(AT_NOON_TODAY, tick=False)
    def test_filters(self, client, plan):
        client.force_login(member(plan["convention"], Role.LECTEUR))
        html = client.get(url("index", plan), {"late": "on"}).content.decode()
        assert "Relais petite enfance" in html and "Crèche" not in html
        html = client.get(url("index", plan), {"status": "a_venir"}).content.decode()
        assert "Relais petite enfance" not in html and "Crèche" in html
        html = client.get(url("index", plan), {"pilot": plan["pilot"].pk}).content.decode()
        assert "Relais petite enfance" in html and "Crèche" not in html
        funder = FundingLine.objects.get().funder
        html = client.get(url("index", plan), {"funder": funder.pk}, headers={"HX-Request": "true"}).content.decode()
        assert "Relais petite enfance" in html and "Crèche" not in html
        assert "<html" not in html  # htmx gets the partial

    @staticmethod
    def large_plan():
        """200 actions over 4 themes and 8 objectives, 1,000 funding lines, 300 indicators."""
        convention = ConventionFactory()
        themes = [ThemeFactory() for _ in range(4)]
        convention.themes.add(*themes)
        objectives = [ObjectiveFactory(convention=convention, theme=themes[i % 4]) for i in range(8)]
        funders = [OrganisationFactory() for _ in range(5)]
        actions = Action.objects.bulk_create(
            [Action(convention=convention, code=f"A-{i:03d}", title=f"Action {i}") for i in range(200)]
        )
        Action.objectives.through.objects.bulk_create(
            [Action.objectives.through(action=a, objective=objectives[i % 8]) for i, a in enumerate(actions)]
        )
        FundingLine.objects.bulk_create(
            [
                FundingLine(
                    action=actions[i % 200],
                    funder=funders[i % 5],
                    year=2022 + i % 3,
                    nature="fonctionnement",
                    scheme="fonds_propres",
                    amount_planned=Decimal(100 + i),
                )
                for i in range(1000)
            ]
        )
        for i in range(300):
            IndicatorFactory(action=actions[i % 200], code=f"I-{i}")
        return convention

    def test_filter_selects_keep_the_choice_and_escape_labels(self, client, plan):
        funder = FundingLine.objects.get().funder
        funder.name = "Ville <Nord> & Sud"
        funder.save()
        client.force_login(member(plan["convention"], Role.LECTEUR))
        html = client.get(url("index", plan), {"status": "en_cours", "funder": funder.pk}).content.decode()
        assert '<option value="en_cours" selected>En cours</option>' in html
        assert '<option value="a_venir">À venir</option>' in html
        assert f'<option value="{funder.pk}" selected>Ville &lt;Nord&gt; &amp; Sud</option>' in html
        assert '<select name="theme" id="id_theme"><option value="" selected>Toutes</option>' in html

    def test_bounded_queries_on_a_large_plan(self, client, django_assert_max_num_queries):
        convention = self.large_plan()
        client.force_login(member(convention, Role.ADMINISTRATEUR))
        with django_assert_max_num_queries(25):
            response = client.get(reverse("plans_views:index", args=[convention.pk]))
        assert response.status_code == 200
        assert "200 actions" in response.content.decode()

    def test_large_plan_lists_every_action(self, client, django_assert_max_num_queries):
        convention = self.large_plan()
        client.force_login(member(convention, Role.LECTEUR))
        with django_assert_max_num_queries(25):
            html = client.get(reverse("plans_views:index", args=[convention.pk])).content.decode()
        detail = reverse("plans_views:action_detail", args=[convention.pk, Action.objects.get(code="A-137").pk])
        # Every row's title links to its fiche.
        assert [title for title in Action.objects.values_list("title", flat=True) if f">{title}</a>" not in html] == []
        assert f'<a href="{detail}">Action 137</a>' in html
        assert html.count("<details open") == 4  # one per theme
        assert "Lister les actions de cette thématique" not in html

    @time_machine.travel(AT_NOON_TODAY, tick=False)
    def test_rows_show_sub_actions_escaped_titles_and_missing_amounts(self, client, plan):
        child = ActionFactory(
            convention=plan["convention"],
            parent=plan["action"],
            code="PE-01-a",
            title="<b>Sous-action</b>",
            status=ActionStatus.BLOQUEE,
            pilot_user=None,
            pilot_name="Mme Durand",
            progress_manual=None,
        )
        client.force_login(member(plan["convention"], Role.LECTEUR))
        html = client.get(url("index", plan)).content.decode()
        assert "&lt;b&gt;Sous-action&lt;/b&gt;" in html and "<b>Sous-action" not in html
        child_url = reverse("plans_views:action_detail", args=[plan["convention"].pk, child.pk])
        assert re.search(
            rf'PE-01\s*</td>.*↳</span>\s*PE-01-a\s*</td>\s*<td>\s*<a href="{child_url}">&lt;b&gt;Sous-action',
            html,
            re.S,
        )
        assert "Mme Durand" in html and str(plan["pilot"]) in html
        assert '<span class="badge status-bloquee">Bloquée</span>' in html
        row = html[html.index(">Crèche</a>") : html.index("</tr>", html.index(">Crèche</a>"))]
        assert row.count('<span class="status-missing">non renseigné</span>') == 2  # no funding line: not zero
        assert "0 €" not in row


class TestActionPages:
    def test_anonymous_access(self, client, plan):
        response = client.get(url("action_detail", plan, plan["action"].pk))
        assert response.status_code == 302

    def test_unauthorized_access(self, client, plan):
        client.force_login(UserFactory())
        assert client.get(url("action_detail", plan, plan["action"].pk)).status_code == 404
        reader = member(plan["convention"], Role.LECTEUR)
        client.force_login(reader)
        assert client.get(url("action_edit", plan, plan["action"].pk)).status_code == 403
        assert client.post(url("action_delete", plan, plan["action"].pk)).status_code == 403

    def test_pilot_edits_only_their_actions(self, client, plan):
        client.force_login(plan["pilot"])
        assert client.get(url("action_edit", plan, plan["action"].pk)).status_code == 200
        assert client.get(url("action_edit", plan, plan["other"].pk)).status_code == 403
        assert client.get(url("milestone_create", plan, plan["other"].pk)).status_code == 403
        assert client.get(url("action_create", plan)).status_code == 403

    def test_detail_shows_ledger_indicators_and_history(self, client, plan):
        indicator = IndicatorFactory(action=plan["action"], label="Places ouvertes")
        TargetFactory(indicator=indicator)
        MeasureFactory(indicator=indicator)
        client.force_login(member(plan["convention"], Role.LECTEUR))
        html = client.get(url("action_detail", plan, plan["action"].pk)).content.decode()
        assert "Places ouvertes" in html
        assert "Dans la trajectoire" in html  # 15 at mid-term between 10 and 20
        assert "800 €" in html

    def _post_edit(self, client, plan, version, title):
        action = plan["action"]
        data = {
            "code": action.code,
            "title": title,
            "status": "en_cours",
            "priority": "moyenne",
            "version": version,
            "objectives": [o.pk for o in action.objectives.all()],
            "pilot_user": plan["pilot"].pk,
        }
        return client.post(url("action_edit", plan, action.pk), data)

    def test_edit_then_concurrent_edit_is_refused(self, client, plan):
        editor = member(plan["convention"], Role.CONTRIBUTEUR)
        client.force_login(editor)
        version = plan["action"].version
        response = self._post_edit(client, plan, version, "Relais étendu")
        assert response.status_code == 302
        response = self._post_edit(client, plan, version, "Autre titre")
        assert response.status_code == 409
        html = response.content.decode()
        assert "Modifié par quelqu'un d'autre" in html
        assert re.search(r"<td>Relais petite enfance</td>\s*<td>Relais étendu</td>\s*<td>Autre titre</td>", html)
        assert Action.objects.get(pk=plan["action"].pk).title == "Relais étendu"
        html = client.get(url("action_detail", plan, plan["action"].pk)).content.decode()
        assert "Relais étendu" in html and "<del>Relais petite enfance</del>" in html

    def test_create_action_and_funding_refusal(self, client, plan):
        client.force_login(member(plan["convention"], Role.ADMINISTRATEUR))
        response = client.post(
            url("action_create", plan),
            {"code": "pe-01", "title": "Doublon", "status": "a_venir", "priority": "moyenne"},
        )
        assert response.status_code == 400
        assert "porte déjà ce code" in response.content.decode()
        funder = OrganisationFactory()
        response = client.post(
            url("funding_create", plan, plan["action"].pk),
            {
                "funder": funder.pk,
                "year": 2023,
                "nature": "fonctionnement",
                "scheme": "fonds_propres",
                "amount_granted": "100",
                "amount_paid": "150",
            },
        )
        assert response.status_code == 400
        assert "ne peut dépasser le montant accordé" in response.content.decode()

    def test_indicator_form_requires_the_baseline(self, client, plan):
        client.force_login(plan["pilot"])
        response = client.post(
            url("indicator_create", plan, plan["action"].pk), {"code": "I-9", "label": "Taux", "source": "CAF"}
        )
        assert response.status_code == 400
        assert "valeur de référence" in response.content.decode().lower()


class TestOtherPages:
    def test_anonymous_access(self, client, plan):
        for name in ("mine", "timeline", "activity", "export_xlsx", "import_xlsx"):
            assert client.get(url(name, plan)).status_code == 302

    def test_unauthorized_access(self, client, plan):
        client.force_login(UserFactory())
        for name in ("mine", "timeline", "activity", "export_xlsx", "export_csv", "export_docx", "import_xlsx"):
            assert client.get(url(name, plan)).status_code == 404
        client.force_login(member(plan["convention"], Role.LECTEUR))
        assert client.get(url("import_xlsx", plan)).status_code == 403

    def test_mine_lists_the_pilots_actions(self, client, plan, django_assert_max_num_queries):
        client.force_login(plan["pilot"])
        with django_assert_max_num_queries(10):
            html = client.get(url("mine", plan)).content.decode()
        assert "Relais petite enfance" in html and "Crèche" not in html

    def test_timeline_svg_with_table(self, client, plan):
        client.force_login(member(plan["convention"], Role.LECTEUR))
        html = client.get(url("timeline", plan)).content.decode()
        assert "<svg" in html and 'id="calendrier-actions"' in html
        response = client.get(url("timeline_image", plan, "svg"))
        assert response["Content-Type"] == "image/svg+xml"
        assert client.get(url("timeline_image", plan, "png")).content.startswith(b"\x89PNG")
        assert client.get(url("timeline_image", plan, "gif")).status_code == 404

    def test_activity_log(self, client, plan):
        client.force_login(member(plan["convention"], Role.LECTEUR))
        html = client.get(url("activity", plan)).content.decode()
        assert "Fiche PE-01" in html

    def test_activity_log_names_the_enjeux_an_objective_answers(self, client, plan):
        objective = plan["action"].objectives.get()
        enjeu = EnjeuFactory(convention=plan["convention"], title="Manque de places d'accueil")
        objective_update(objective=objective, expected_version=objective.version, enjeux=[enjeu])
        client.force_login(member(plan["convention"], Role.LECTEUR))
        response = client.get(url("activity", plan))
        assert response.status_code == 200
        assert "Manque de places d&#x27;accueil" in response.content.decode()

    def test_exports_are_journaled(self, client, plan):
        client.force_login(member(plan["convention"], Role.LECTEUR))
        response = client.get(url("export_xlsx", plan))
        book = load_workbook(io.BytesIO(response.content))
        assert book["Actions"]["A2"].value == "PE-01"
        book.close()
        assert client.get(url("export_csv", plan)).content.decode("utf-8").startswith("\ufeffCode;")
        assert client.get(url("export_docx", plan)).status_code == 200
        assert client.get(url("action_docx", plan, plan["action"].pk)).status_code == 200
        kinds = list(SecurityEvent.objects.values_list("kind", flat=True))
        assert kinds.count(SecurityEventKind.EXPORT) == 4

    def test_import_report(self, client, plan):
        client.force_login(member(plan["convention"], Role.CONTRIBUTEUR))
        content = client.get(url("export_xlsx", plan)).content
        book = load_workbook(io.BytesIO(content))
        book["Financements"]["G2"] = "mille"
        buffer = io.BytesIO()
        book.save(buffer)
        book.close()
        buffer.seek(0)
        buffer.name = "plan.xlsx"
        response = client.post(url("import_xlsx", plan), {"file": buffer})
        assert response.status_code == 400
        html = response.content.decode()
        assert "rien n'a été enregistré" in html and "« mille » n&#x27;est pas un nombre (chiffres" in html
        assert SecurityEvent.objects.filter(kind=SecurityEventKind.IMPORT).count() == 1


class TestDiagnosticLinkedIndicator:
    def test_anonymous_access(self, client, plan):
        assert client.get(url("indicator_create", plan, plan["action"].pk)).status_code == 302

    def test_unauthorized_access(self, client, plan):
        client.force_login(member(plan["convention"], Role.LECTEUR))
        assert client.get(url("indicator_create", plan, plan["action"].pk)).status_code == 403

    def test_values_come_from_open_data(self, client, plan):
        from ctg.indicators.models import IndicatorValue

        convention = plan["convention"]
        IndicatorValue.objects.create(
            indicator="population", level="epci", code=convention.epci.siren, year=2022, value=12345, status="ok"
        )
        IndicatorValue.objects.create(
            indicator="population", level="epci", code=convention.epci.siren, year=2016, value=None, status="secret"
        )
        client.force_login(plan["pilot"])
        response = client.post(
            url("indicator_create", plan, plan["action"].pk),
            {
                "code": "I-POP",
                "label": "Population",
                "diagnostic_code": "population",
                "baseline_value": "12000",
                "baseline_date": "2022-01-01",
            },
        )
        assert response.status_code == 302
        html = client.get(url("action_detail", plan, plan["action"].pk)).content.decode()
        assert "Valeurs issues des données ouvertes" in html
        assert re.search(r"12\s345", html) and "Secret statistique" in html
        response = client.post(
            url("indicator_create", plan, plan["action"].pk),
            {
                "code": "I-X",
                "label": "X",
                "diagnostic_code": "inconnu",
                "baseline_value": "1",
                "baseline_date": "2022-01-01",
            },
        )
        assert response.status_code == 400
        # The pick list only offers the catalogue: anything else is refused by the form.
        assert "Sélectionnez un choix valide" in response.content.decode()


class TestObjectiveIndicators:
    def test_anonymous_access(self, client, plan):
        objective = plan["action"].objectives.get()
        assert client.get(url("objective_indicator_create", plan, objective.pk)).status_code == 302

    def test_unauthorized_access(self, client, plan):
        objective = plan["action"].objectives.get()
        client.force_login(plan["pilot"])  # a pilot edits their actions, not the objectives
        assert client.get(url("objective_indicator_create", plan, objective.pk)).status_code == 403

    def test_create_measure_and_trajectory_in_the_tree(self, client, plan):
        objective = plan["action"].objectives.get()
        client.force_login(member(plan["convention"], Role.CONTRIBUTEUR))
        response = client.post(
            url("objective_indicator_create", plan, objective.pk),
            {
                "code": "OS1-I1",
                "label": "Taux de couverture",
                "source": "Coordination",
                "unit": "%",
                "baseline_value": "40",
                "baseline_date": "2022-01-01",
            },
        )
        assert response.status_code == 302
        indicator = objective.indicators.get()
        target_url = url("objective_measure_create", plan, objective.pk, indicator.pk)
        assert client.post(target_url + "?cible", {"date": "2024-01-01", "value": "60"}).status_code == 302
        response = client.post(target_url, {"date": "2023-01-01", "value": "45", "source": "Relevé"})
        assert response.status_code == 302
        html = client.get(url("index", plan)).content.decode()
        # 45 is a quarter of the way from 40 to 60 at half the time: behind.
        assert "Taux de couverture" in html and "En retard sur la trajectoire" in html
