import datetime

import pytest
from django.utils import timezone

from ctg.accounts.enums import Role
from ctg.plans.models import Action
from ctg.steering.models import ReminderKind, ReminderOptOut
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.conventions.factories import ConventionFactory
from tests.plans.factories import ActionFactory, MilestoneFactory
from tests.steering.factories import PARIS, BodyFactory, MeetingFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_pilot_sees_the_reminder_on_the_home_page_and_opts_out(live_server, browser):
    today = timezone.localdate()
    convention = ConventionFactory(title="CTG de test (fictive)")
    pilot = UserFactory(username="pilote-fictif")
    MembershipFactory(user=pilot, convention=convention, role=Role.CONTRIBUTEUR)
    body = BodyFactory(convention=convention)
    MeetingFactory(
        body=body,
        starts_at=datetime.datetime.combine(today - datetime.timedelta(days=60), datetime.time(14), tzinfo=PARIS),
    )
    MeetingFactory(
        body=body,
        starts_at=datetime.datetime.combine(today + datetime.timedelta(days=5), datetime.time(14), tzinfo=PARIS),
    )
    action = ActionFactory(convention=convention, pilot_user=pilot, title="Relais petite enfance")
    Action.objects.filter(pk=action.pk).update(updated_at=timezone.now() - datetime.timedelta(days=90))
    MilestoneFactory(action=action, title="Ouverture du local", due_date=today + datetime.timedelta(days=3))

    page = browser.new_page(locale="fr-FR")
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", "pilote-fictif")
    page.fill("#id_password", "mot-de-passe-de-test")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    todo = page.locator("section[aria-labelledby=titre-a-faire]")
    assert todo.locator("h2").inner_text() == "À faire"
    text = todo.inner_text()
    assert "1 action à mettre à jour" in text
    assert "« Ouverture du local »" in text
    todo.get_by_role("link", name=f"{action.code} – Relais petite enfance").click()
    page.wait_for_url(f"{live_server.url}/conventions/{convention.pk}/plan/actions/{action.pk}/")

    page.goto(f"{live_server.url}/compte/mon-compte/")
    page.get_by_label(ReminderKind.MILESTONE_SOON.label).uncheck()
    page.get_by_role("button", name="Enregistrer mes rappels").click()
    page.wait_for_url(f"{live_server.url}/compte/mon-compte/")
    assert "Vos préférences de rappels sont enregistrées." in page.content()
    assert not page.get_by_label(ReminderKind.MILESTONE_SOON.label).is_checked()
    assert list(ReminderOptOut.objects.filter(user=pilot).values_list("kind", flat=True)) == [
        ReminderKind.MILESTONE_SOON
    ]
    assert console_errors == [], "\n".join(console_errors)
    page.close()
