"""Every plan export answers and opens even when stored text holds control characters (stored before the input
rule, or by the admin)."""

import datetime
import io

import pytest
from django.db import connection
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from ctg.accounts.enums import Role
from ctg.accounts.models import User
from ctg.plans.models import Action, FollowUpIndicator, FollowUpNote, FundingLine, Milestone, Objective
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


def dirty(text: str) -> str:
    """The text with control characters inside; NUL only where the database stores it (PostgreSQL refuses it)."""
    nul = "\x00" if connection.vendor == "sqlite" else ""
    return f"{text[:3]}\x01{nul}{text[3:6]}\x0b{text[6:]}"


@pytest.fixture
def plan():
    convention = ConventionFactory()
    reader = MembershipFactory(convention=convention, role=Role.LECTEUR).user
    pilot = MembershipFactory(convention=convention, role=Role.PILOTE).user
    theme = ThemeFactory()
    convention.themes.add(theme)
    objective = ObjectiveFactory(convention=convention, theme=theme, code="OS1")
    action = ActionFactory(convention=convention, code="PE-01", pilot_user=pilot)
    action.objectives.add(objective)
    FundingLineFactory(action=action)
    MilestoneFactory(action=action)
    IndicatorFactory(action=action)
    FollowUpNote.objects.create(action=action, date=datetime.date(2023, 1, 1), text="note")
    # Written past the services and forms, as an old row or the admin would have stored them.
    Action.objects.filter(pk=action.pk).update(title=dirty("Relais petite enfance"), description=dirty("Description"))
    Milestone.objects.update(title=dirty("Ouverture du relais"))
    FundingLine.objects.update(comment=dirty("Commentaire du financeur"), scheme_detail=dirty("Précision"))
    FollowUpNote.objects.update(text=dirty("Réunion du comité"))
    FollowUpIndicator.objects.update(label=dirty("Places ouvertes"), source=dirty("Coordination"))
    Objective.objects.update(title=dirty("Accueillir les enfants"))
    User.objects.filter(pk=pilot.pk).update(first_name=dirty("Dominique"))
    return {"convention": convention, "action": action, "reader": reader}


def test_every_export_answers_and_opens(client, plan):
    client.force_login(plan["reader"])
    convention, action = plan["convention"], plan["action"]

    response = client.get(reverse("plans_views:export_xlsx", args=[convention.pk]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book["Actions"]["B2"].value == "Relais petite enfance"
    assert book["Financements"]["N2"].value == "Commentaire du financeur"
    book.close()

    response = client.get(reverse("plans_views:export_csv", args=[convention.pk]))
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert "PE-01;Relais petite enfance;" in text
    assert "\x01" not in text and "\x0b" not in text and "\x00" not in text

    for address in (
        reverse("plans_views:export_docx", args=[convention.pk]),
        reverse("plans_views:action_docx", args=[convention.pk, action.pk]),
    ):
        response = client.get(address)
        assert response.status_code == 200
        document = Document(io.BytesIO(response.content))
        paragraphs = "\n".join(p.text for p in document.paragraphs)
        cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        assert "PE-01 – Relais petite enfance" in paragraphs
        assert "2023 – Réunion du comité" in paragraphs.replace("01/01/", "")
        assert "Ouverture du relais" in cells and "Places ouvertes" in cells
        assert any(text.startswith("Dominique ") for text in cells)
