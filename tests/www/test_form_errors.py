"""Every form sent with an error comes back with the summary of its errors at its top: it takes the focus (autofocus)
and links to each field in error, whose anchor exists on the page, next to the field's own error; required fields
carry an asterisk. The forms laid out by hand are checked here one by one; the others use `{{ form }}`."""

import re

import pytest
from django.urls import reverse
from lxml import html as lxml_html

from ctg.diagnostic.models import Theme
from ctg.offer.enums import OfferKind
from ctg.territories.models import Commune
from tests.diagnostic.factories import EnjeuFactory
from tests.steering.factories import AgendaItemFactory, BodyFactory, MeetingFactory

pytestmark = pytest.mark.django_db


def demo_user(caux_seine, username):
    return next(user for account, user in caux_seine["accounts"] if account.username == username)


def summary_of(response) -> tuple[list[str], lxml_html.HtmlElement]:
    """The error summary's texts and the page, after checking that each of its links leads to an element of the
    page, the field's error written next to it."""
    assert response.status_code == 200
    page = lxml_html.fromstring(response.content.decode())
    summaries = page.xpath('//div[contains(@class, "error-summary")]')
    assert len(summaries) == 1, "one error summary"
    summary = summaries[0]
    assert summary.get("autofocus") is not None and summary.get("tabindex") == "-1"
    assert summary.get("role") == "alert"
    for link in summary.xpath(".//a"):
        target = link.get("href").removeprefix("#")
        assert page.get_element_by_id(target, None) is not None, f"#{target} is on the page"
        assert page.get_element_by_id(f"{target}_error", None) is not None, f"the error of #{target} is next to it"
    return [re.sub(r"\s+", " ", item.text_content()).strip() for item in summary.xpath(".//li")], page


def links_of(page) -> list[str]:
    return [a.get("href") for a in page.xpath('//div[contains(@class, "error-summary")]//a')]


def test_login(client, caux_seine):
    texts, page = summary_of(
        client.post(reverse("accounts_views:login"), {"username": "coordination", "password": "mauvais"})
    )
    assert texts == ["Identifiant ou mot de passe incorrect. Vérifiez votre saisie."]
    texts, page = summary_of(client.post(reverse("accounts_views:login"), {"username": "", "password": ""}))
    assert links_of(page) == ["#id_username", "#id_password"]
    assert "*" in page.xpath('//label[@for="id_username"]')[0].text_content()


def test_offer_import(client, caux_seine):
    client.force_login(demo_user(caux_seine, "coordination"))
    url = reverse("offer_views:import", kwargs={"convention_pk": caux_seine["convention"].pk})
    # Sent without its file (a browser always sends some data: the form is bound).
    texts, page = summary_of(client.post(url, {"dry_run": "on"}))
    assert links_of(page) == ["#id_file"]


def test_plan_import(client, caux_seine):
    client.force_login(demo_user(caux_seine, "coordination"))
    url = reverse("plans_views:import_xlsx", kwargs={"convention_pk": caux_seine["convention"].pk})
    texts, page = summary_of(client.post(url, {"file": ""}))
    assert links_of(page) == ["#id_file"]


def test_local_data_upload(client, caux_seine):
    client.force_login(demo_user(caux_seine, "coordination"))
    url = reverse("local_data_views:upload", kwargs={"convention_pk": caux_seine["convention"].pk})
    texts, page = summary_of(client.post(url, {"dry_run": "on"}))
    assert links_of(page) == ["#id_file"]


def test_official_data_upload(client, caux_seine):
    client.force_login(demo_user(caux_seine, "donnees"))
    texts, page = summary_of(client.post(reverse("opendata_views:upload"), {"dry_run": "on"}))
    assert "#id_file" in links_of(page)


def test_meeting_outcome(client, caux_seine):
    convention = caux_seine["convention"]
    meeting = MeetingFactory(body=BodyFactory(convention=convention))
    item = AgendaItemFactory(meeting=meeting)
    client.force_login(demo_user(caux_seine, "coordination"))
    url = reverse(
        "steering_views:outcome_add", kwargs={"convention_pk": convention.pk, "pk": meeting.pk, "item_pk": item.pk}
    )
    texts, page = summary_of(client.post(url, {"kind": "", "text": ""}))
    assert links_of(page)[0] == "#id_kind"
    assert "*" in page.xpath('//label[@for="id_kind"]')[0].text_content()
    assert page.xpath('//p[@class="required-note"]')


def test_enjeu_validation_date(client, caux_seine):
    convention = caux_seine["convention"]
    enjeu = EnjeuFactory(convention=convention, theme=Theme.objects.get(code="petite-enfance"))
    client.force_login(demo_user(caux_seine, "coordination"))
    url = reverse("diagnostic_views:validate", kwargs={"convention_pk": convention.pk, "pk": enjeu.pk})
    texts, page = summary_of(client.post(url, {"validated_on": "2999-01-01"}))
    assert links_of(page) == ["#id_validated_on"]
    assert texts == ["Date du COPIL : La date du COPIL ne peut pas être dans le futur."]


def test_offer_item_communes_of_a_non_relais(client, caux_seine):
    """The communes' checklist is a fieldset: it carries the field's id, which the summary links to."""
    convention = caux_seine["convention"]
    client.force_login(demo_user(caux_seine, "coordination"))
    commune = Commune.objects.filter(epci_id=convention.epci_id).order_by("code").first()
    data = {
        "kind": OfferKind.EAJE,
        "name": "Crèche des essais",
        "commune": commune.pk,
        "reference_year": 2024,
        "source": "saisie de test",
        "covered_communes": [commune.pk],
    }
    texts, page = summary_of(client.post(reverse("offer_views:create", kwargs={"convention_pk": convention.pk}), data))
    assert links_of(page) == ["#id_covered_communes"]
    assert page.get_element_by_id("id_covered_communes").tag == "fieldset"
    assert texts == ["Communes couvertes par le relais : Seul un relais petite enfance couvre une liste de communes."]
