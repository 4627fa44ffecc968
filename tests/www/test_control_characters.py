"""Control characters: refused by every account form, and harmless in every diagnostic export once stored."""

import csv
import io

import docx
import openpyxl
import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from ctg.accounts.enums import Role
from ctg.accounts.models import Invitation, User
from ctg.accounts.services import user_update_profile
from ctg.conventions.models import Convention, Theme
from ctg.core.text import reject_control_characters
from ctg.diagnostic.models import Enjeu
from ctg.organisations.models import Organisation
from ctg.territories.models import EPCI, Commune
from ctg.www.forms import ControlCharactersForm
from tests.accounts.factories import InvitationFactory, MembershipFactory, UserFactory
from tests.diagnostic.factories import EnjeuFactory
from tests.jobs.helpers import run_queued_tasks

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Une phrase de passe solide 42"


class SampleForm(ControlCharactersForm):
    name = forms.CharField()
    email = forms.EmailField(required=False)
    secret = forms.CharField(widget=forms.PasswordInput, required=False)
    choice = forms.ChoiceField(choices=[("a", "A")], required=False)


class TestControlCharactersFormMixin:
    def test_every_text_field_refuses_control_characters_with_a_french_message(self):
        form = SampleForm(data={"name": "Bol\x0bbec", "secret": "mot\x01de-passe"})
        assert not form.is_valid()
        assert form.errors["name"] == [
            "Caractère de contrôle invisible (code 0x0b) en position 4 : supprimez-le (il vient souvent d'un "
            "copier-coller) puis enregistrez à nouveau."
        ]
        # A password is never displayed nor exported: it is left to the password rules.
        assert "secret" not in form.errors

    def test_clean_text_tab_and_line_breaks_pass(self):
        form = SampleForm(data={"name": "Ligne 1\r\nLigne\t2", "email": "a@exemple.invalid"})
        assert form.is_valid(), form.errors

    def test_the_class_fields_are_left_untouched(self):
        SampleForm()
        assert reject_control_characters not in SampleForm.base_fields["name"].validators
        assert SampleForm().fields["name"].validators.count(reject_control_characters) == 1


class TestAccountForms:
    def test_profile_refuses_a_control_character_and_changes_nothing(self, client):
        user = UserFactory(first_name="Camille", last_name="Martin")
        client.force_login(user)
        response = client.post(reverse("accounts_views:profile"), {"first_name": "Ca\x01mille", "last_name": "Martin"})
        assert response.status_code == 200
        assert (
            response.context["form"]
            .errors["first_name"][0]
            .startswith("Caractère de contrôle invisible (code 0x01) en position 3")
        )
        user.refresh_from_db()
        assert user.first_name == "Camille"

    def test_the_profile_service_refuses_it_too(self):
        user = UserFactory(first_name="Camille")
        with pytest.raises(ValidationError) as raised:
            user_update_profile(user=user, first_name="Camille", last_name="Mar\x0btin", by=user)
        assert raised.value.message_dict["last_name"][0].startswith(
            "Nom : caractère de contrôle invisible (code 0x0b)"
        )
        user.refresh_from_db()
        assert user.last_name != "Mar\x0btin"

    def test_signup_by_invitation_refuses_a_control_character(self, client):
        invitation = InvitationFactory()
        data = {"first_name": "Lou", "last_name": "Mar\x0btin", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        response = client.post(reverse("accounts_views:invitation_accept", args=[invitation.token]), data)
        assert response.status_code == 200
        assert "code 0x0b" in response.context["form"].errors["last_name"][0]
        assert not User.objects.filter(email=invitation.email).exists()

    def test_invitation_refuses_a_control_character(self, client):
        admin = MembershipFactory(role=Role.ADMINISTRATEUR)
        client.force_login(admin.user)
        url = reverse("accounts_views:members", args=[admin.convention_id])
        response = client.post(url, {"email": "lou\x01@exemple.invalid", "role": Role.LECTEUR})
        assert response.status_code == 200
        assert any("code 0x01" in error for error in response.context["invite_form"].errors["email"])
        assert not Invitation.objects.exists()


@pytest.fixture
def dirty_demo(caux_seine_figures):
    """The demo convention with control characters written straight into the database, as old data could be."""
    caux_seine = caux_seine_figures
    convention = caux_seine["convention"]
    # PostgreSQL refuses NUL in text; SQLite stores it.
    nul = "\x00" if connection.vendor == "sqlite" else ""
    enjeu = EnjeuFactory(convention=convention, validated=True)
    Enjeu.objects.filter(pk=enjeu.pk).update(title=f"Accès\x01 aux droits{nul}", text="Constat\x0b important")
    Theme.objects.filter(pk=enjeu.theme_id).update(label="Thème\x01 local")
    Convention.objects.filter(pk=convention.pk).update(title=f"CTG\x0b Caux Seine{nul}")
    Organisation.objects.filter(pk=convention.caf_id).update(name="CAF\x01 de la Seine-Maritime")
    EPCI.objects.filter(pk=convention.epci_id).update(name="Caux Seine\x0b agglo")
    Commune.objects.filter(epci_id=convention.epci_id, name="Bolbec").update(name=f"Bol\x01bec{nul}")
    User.objects.filter(memberships__convention=convention).update(first_name="Ca\x01mille")
    return caux_seine


def export(client, demo, name):
    client.force_login(next(user for spec, user in demo["accounts"] if spec.username == "lecteur"))
    link = reverse(f"indicators_views:{name}", kwargs={"convention_pk": demo["convention"].pk})
    client.get(link)
    run_queued_tasks()  # the reports are built by the background worker
    response = client.get(link, follow=True)
    assert response.status_code == 200
    return response.content


class TestExportsOfStoredControlCharacters:
    def test_docx_opens_with_the_text_cleaned(self, client, dirty_demo):
        document = docx.Document(io.BytesIO(export(client, dirty_demo, "export_docx")))
        text = "\n".join(p.text for p in document.paragraphs)
        assert "Accès aux droits" in text and "Constat important" in text and "Thème local" in text
        assert "CTG Caux Seine" in text and "Caux Seine agglo" in text

    def test_pdf_is_written(self, client, dirty_demo):
        assert export(client, dirty_demo, "export_pdf").startswith(b"%PDF")

    def test_xlsx_opens_with_the_text_cleaned(self, client, dirty_demo):
        workbook = openpyxl.load_workbook(io.BytesIO(export(client, dirty_demo, "export_xlsx")))
        names = {row[6] for row in workbook.active.iter_rows(min_row=2, values_only=True)}
        assert {"Bolbec", "Caux Seine agglo"} <= names

    def test_csv_holds_no_control_character(self, client, dirty_demo):
        content = export(client, dirty_demo, "export_csv").decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(content), delimiter=";"))
        assert "Bolbec" in {row[6] for row in rows[1:]}
        assert not any(ch in content for ch in "\x00\x01\x0b")
