"""Nothing destroyed by accident, nothing typed lost: confirmed deletes, the trash of fiches, edit conflicts
resolved in one click, forms kept across an expired session, times in Paris time."""

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from ctg.accounts.enums import Role
from ctg.plans import services
from ctg.plans.models import Action, FundingLine, IndicatorTarget, Milestone
from ctg.plans.selectors import public_summary
from tests.accounts.factories import MembershipFactory
from tests.conventions.factories import ConventionFactory
from tests.plans.factories import (
    ActionFactory,
    FundingLineFactory,
    IndicatorFactory,
    MeasureFactory,
    MilestoneFactory,
    TargetFactory,
)

pytestmark = pytest.mark.django_db
PASSWORD = "motdepasse-de-test-2024"


def member(convention, role, **kwargs):
    return MembershipFactory(convention=convention, role=role, **kwargs).user


@pytest.fixture
def fiche():
    convention = ConventionFactory()
    action = ActionFactory(convention=convention, code="PE-01", title="Relais petite enfance")
    line = FundingLineFactory(action=action, year=2023, amount_planned=Decimal("1000"))
    MilestoneFactory(action=action, title="Ouverture")
    indicator = IndicatorFactory(action=action, code="PE-01-I1", label="Places")
    TargetFactory(indicator=indicator)
    MeasureFactory(indicator=indicator)
    MeasureFactory(indicator=indicator, date=datetime.date(2024, 1, 1))
    return {"convention": convention, "action": action, "line": line, "indicator": indicator}


def url(name, fiche, *args):
    return reverse(f"plans_views:{name}", args=[fiche["convention"].pk, *args])


def logged(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


class TestDeleteButtons:
    def test_the_fiche_shows_outlined_delete_links_to_a_confirmation_page(self, fiche):
        client = logged(member(fiche["convention"], Role.CONTRIBUTEUR))
        html = client.get(url("action_detail", fiche, fiche["action"].pk)).content.decode()
        delete = url("child_delete", fiche, fiche["action"].pk, "funding", fiche["line"].pk)
        funder = fiche["line"].funder
        hidden_name = f'<span class="visually-hidden"> : {funder} 2023</span>'
        assert f'<a class="button-delete"\n   href="{delete}">Supprimer{hidden_name}</a>' in html
        assert "button-link" not in html.split('<main id="contenu"')[1]

    def test_delete_style_has_enough_contrast(self):
        """The delete control is red on white (and dark red on pale red when hovered): at least 4.5:1 (WCAG AA)."""
        css = (Path(settings.BASE_DIR) / "ctg/static/css/pilote.css").read_text()
        colours = dict(re.findall(r"--([a-z-]+): (#[0-9a-f]{3,6});", css))
        rule = re.search(r"\.button-delete \{([^}]*)\}", css)
        assert rule and "color: var(--danger)" in rule.group(1) and "background: var(--white)" in rule.group(1)

        def luminance(hex_colour):
            hex_colour = hex_colour.lstrip("#")
            if len(hex_colour) == 3:
                hex_colour = "".join(c * 2 for c in hex_colour)
            channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (0, 2, 4)]
            linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
            return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

        def contrast(a, b):
            high, low = sorted([luminance(a), luminance(b)], reverse=True)
            return (high + 0.05) / (low + 0.05)

        assert contrast(colours["danger"], "#ffffff") >= 4.5
        assert contrast(colours["danger-dark"], colours["danger-bg"]) >= 4.5
        assert contrast("#ffffff", colours["danger"]) >= 4.5  # the confirmation page's filled button


class TestChildDelete:
    def test_anonymous_access(self, client, fiche):
        response = client.get(url("child_delete", fiche, fiche["action"].pk, "funding", fiche["line"].pk))
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts_views:login"))

    def test_unauthorized_access(self, fiche):
        client = logged(member(fiche["convention"], Role.LECTEUR))
        address = url("child_delete", fiche, fiche["action"].pk, "funding", fiche["line"].pk)
        assert client.get(address).status_code == 403
        assert client.post(address).status_code == 403
        assert FundingLine.objects.count() == 1

    def test_get_asks_for_confirmation_then_post_deletes(self, fiche):
        client = logged(member(fiche["convention"], Role.CONTRIBUTEUR))
        address = url("child_delete", fiche, fiche["action"].pk, "funding", fiche["line"].pk)
        html = client.get(address).content.decode()
        assert "Ligne de financement : " in html and ", 2023, Fonctionnement" in html
        assert "Cette suppression est définitive." in html
        assert FundingLine.objects.count() == 1  # nothing deleted by the GET
        response = client.post(address)
        assert response.status_code == 302
        assert not FundingLine.objects.exists()

    def test_an_indicator_names_its_targets_and_measures(self, fiche):
        client = logged(member(fiche["convention"], Role.CONTRIBUTEUR))
        html = client.get(url("child_delete", fiche, fiche["action"].pk, "indicator", fiche["indicator"].pk))
        text = html.content.decode()
        assert "<li>1 cible</li>" in text and "<li>2 mesures</li>" in text

    def test_target_and_milestone_pages(self, fiche):
        client = logged(member(fiche["convention"], Role.ADMINISTRATEUR))
        target = IndicatorTarget.objects.get()
        assert client.get(url("child_delete", fiche, fiche["action"].pk, "target", target.pk)).status_code == 200
        milestone = Milestone.objects.get()
        client.post(url("child_delete", fiche, fiche["action"].pk, "milestone", milestone.pk))
        assert not Milestone.objects.exists()


class TestFicheTrash:
    def test_deleting_a_fiche_asks_then_puts_it_in_the_trash(self, fiche, django_assert_max_num_queries):
        client = logged(member(fiche["convention"], Role.CONTRIBUTEUR))
        address = url("action_delete", fiche, fiche["action"].pk)
        html = client.get(address).content.decode()
        for held in ["1 jalon", "1 ligne de financement", "1 indicateur de suivi", "1 cible", "2 mesures"]:
            assert f"<li>{held}</li>" in html
        assert "restent dans la corbeille 30 jours" in html
        response = client.post(address)
        assert response.status_code == 302
        assert not Action.objects.exists() and Action.all_objects.get().deleted_at is not None
        # Gone from the plan, its fiche page, its exports.
        assert "Relais petite enfance" not in client.get(url("index", fiche)).content.decode()
        assert client.get(url("action_detail", fiche, fiche["action"].pk)).status_code == 404
        assert "PE-01" not in client.get(url("export_csv", fiche)).content.decode()
        # Nor on the public page: no action, no funding counted.
        summary = public_summary(fiche["convention"])
        assert (summary["action_count"], summary["actions"]) == (0, [])
        assert summary["funding"]["per_funder"] == []

    def test_only_administrators_see_the_trash_and_restore(self, fiche):
        services.action_delete(action=fiche["action"], by=None)
        contributor = logged(member(fiche["convention"], Role.CONTRIBUTEUR))
        assert contributor.get(url("trash", fiche)).status_code == 403
        assert contributor.post(url("action_restore", fiche, fiche["action"].pk)).status_code == 403
        assert "Corbeille" not in contributor.get(url("index", fiche)).content.decode()
        assert Action.all_objects.get().deleted_at is not None

    def test_an_administrator_restores_from_the_trash(self, fiche, django_assert_max_num_queries):
        admin = member(fiche["convention"], Role.ADMINISTRATEUR)
        with time_machine.travel(datetime.datetime(2024, 3, 1, 23, 30, tzinfo=datetime.UTC), tick=False):
            services.action_delete(action=fiche["action"], by=admin)
        client = logged(admin)
        with django_assert_max_num_queries(20):
            html = client.get(url("trash", fiche)).content.decode()
        # Deleted at 23:30 UTC, 00:30 on 2 March in Paris.
        assert "02/03/2024 à 00:30" in html
        assert "1 ligne de financement" in html and "01/04/2024" in html
        response = client.post(url("action_restore", fiche, fiche["action"].pk))
        assert response["Location"] == url("action_detail", fiche, fiche["action"].pk)
        assert Action.objects.get().pk == fiche["action"].pk
        assert FundingLine.objects.count() == 1
        activity = client.get(url("action_detail", fiche, fiche["action"].pk)).content.decode()
        assert "Restauration : Fiche PE-01" in activity and "Mise à la corbeille : Fiche PE-01" in activity

    def test_a_refused_restore_says_why(self, fiche):
        admin = member(fiche["convention"], Role.ADMINISTRATEUR)
        services.action_delete(action=fiche["action"], by=admin)
        ActionFactory(convention=fiche["convention"], code="PE-01")
        client = logged(admin)
        response = client.post(url("action_restore", fiche, fiche["action"].pk), follow=True)
        assert "porte aujourd&#x27;hui le code PE-01" in response.content.decode()


class TestConflict:
    def test_apply_my_values_on_top_of_the_new_version_in_one_click(self, fiche):
        convention = fiche["convention"]
        first, second = (logged(member(convention, Role.CONTRIBUTEUR)) for _ in range(2))
        address = url("funding_edit", fiche, fiche["action"].pk, fiche["line"].pk)
        line = fiche["line"]
        data = {"funder": line.funder_id, "year": 2023, "nature": line.nature, "scheme": line.scheme, "version": 1}
        # The first saves a new planned amount; the second, from version 1, typed a comment only.
        assert first.post(address, data | {"amount_planned": "1500"}).status_code == 302
        response = second.post(address, data | {"amount_planned": "1000", "comment": "Voté en conseil"})
        assert response.status_code == 409
        html = response.content.decode()
        # The form carries version 2, the other's amount (untouched by the second) and the second's comment.
        assert 'name="version" value="2"' in html
        assert 'name="amount_planned" value="1500.00"' in html or 'name="amount_planned" value="1500"' in html
        assert 'value="Voté en conseil"' in html
        posted = {
            name: value
            for name, value in re.findall(r'<(?:input|select)[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html)
            if name != "csrfmiddlewaretoken"
        }
        posted |= {"funder": line.funder_id, "nature": line.nature, "scheme": line.scheme}
        assert second.post(address, posted).status_code == 302
        line.refresh_from_db()
        assert (line.amount_planned, line.comment, line.version) == (Decimal("1500"), "Voté en conseil", 3)

    def test_conflict_message_of_the_import_is_in_paris_time(self, fiche):
        with time_machine.travel(datetime.datetime(2024, 7, 1, 22, 15, tzinfo=datetime.UTC), tick=False):
            services.funding_line_update(line=fiche["line"], expected_version=1, amount_planned=Decimal("2"))
        with pytest.raises(services.ConcurrentEditError) as refused:
            services.funding_line_update(
                line=FundingLine.objects.get(), expected_version=1, amount_planned=Decimal("3")
            )
        assert "le 02/07/2024 à 00:15" in refused.value.messages[0]


class TestFormRecovery:
    def test_a_form_posted_after_the_session_expired_comes_back_filled_after_login(self, fiche):
        pilot = member(fiche["convention"], Role.CONTRIBUTEUR)
        pilot.set_password(PASSWORD)
        pilot.save()
        client = Client()
        address = url("note_create", fiche, fiche["action"].pk)
        response = client.post(address, {"date": "2024-03-01", "text": "Réunion avec la PMI", "password": "x"})
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts_views:login"))
        login = client.get(response["Location"])
        assert "ce que vous aviez saisi est gardé 30 minutes" in login.content.decode()
        client.post(
            response["Location"], {"username": pilot.username, "password": PASSWORD}
        )  # the login page sends the user back to `next`
        page = client.get(address)
        html = page.content.decode()
        assert page.status_code == 200
        assert "Réunion avec la PMI</textarea>" in html and 'value="2024-03-01"' in html
        assert "Rien n&#x27;est enregistré tant que vous ne l&#x27;envoyez pas" in html
        assert not fiche["action"].notes.exists()  # never submitted without them
        # Shown once: a reload gives the blank form.
        assert "Réunion avec la PMI" not in client.get(address).content.decode()

    def test_passwords_and_tokens_are_never_kept_and_entries_expire(self, fiche):
        client = Client()
        address = url("note_create", fiche, fiche["action"].pk)
        with time_machine.travel(datetime.datetime(2024, 3, 1, 9, tzinfo=datetime.UTC), tick=False):
            client.post(address, {"text": "Note", "new_password1": "secret", "csrfmiddlewaretoken": "t"})
            kept = client.session["form_recovery"][address]["fields"]
        assert kept == [["text", ["Note"]]]
        user = member(fiche["convention"], Role.CONTRIBUTEUR)
        client.force_login(user)
        with time_machine.travel(datetime.datetime(2024, 3, 1, 9, 31, tzinfo=datetime.UTC), tick=False):
            assert "Note</textarea>" not in client.get(address).content.decode()
