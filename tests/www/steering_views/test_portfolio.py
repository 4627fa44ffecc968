import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from ctg.accounts.enums import SecurityEventKind
from ctg.accounts.models import SecurityEvent
from ctg.conventions.enums import Phase
from ctg.plans.enums import ActionStatus
from tests.accounts.factories import DepartementAccessFactory, MembershipFactory, UserFactory
from tests.conventions.factories import ConventionFactory
from tests.plans.factories import ActionFactory, FundingLineFactory
from tests.steering.factories import PARIS
from tests.territories.factories import CommuneFactory, DepartementFactory, EpciFactory

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2024, 3, 20, 10, 0, tzinfo=PARIS)
SQUARE = {"type": "Polygon", "coordinates": [[[0.5, 49.5], [0.6, 49.5], [0.6, 49.6], [0.5, 49.6], [0.5, 49.5]]]}


@pytest.fixture(autouse=True)
def on_20_march_2024():
    with time_machine.travel(NOW, tick=False):
        yield


def login_url(url):
    return reverse("accounts_views:login") + "?next=" + url


@pytest.fixture
def world():
    departement = DepartementFactory(code="D76", name="Département synthétique")
    epci = EpciFactory(name='=HYPERLINK("x") agglo', geometry=SQUARE)
    CommuneFactory(epci=epci, departement=departement)
    convention = ConventionFactory(epci=epci, title="CTG synthétique A", phase=Phase.MISE_EN_OEUVRE)
    late = ActionFactory(convention=convention, status=ActionStatus.EN_COURS, planned_end=datetime.date(2023, 1, 1))
    ActionFactory(convention=convention, progress_manual=50, planned_end=datetime.date(2025, 1, 1))
    FundingLineFactory(action=late, funder=convention.caf, amount_planned=Decimal("1234.50"))
    empty = EpciFactory(name="CC sans convention")
    CommuneFactory(epci=empty, departement=departement)
    other_departement = DepartementFactory(code="D27")
    elsewhere = ConventionFactory(title="CTG d'ailleurs")
    CommuneFactory(epci=elsewhere.epci, departement=other_departement)
    reader = DepartementAccessFactory(departement=departement).user
    return {"departement": departement, "convention": convention, "reader": reader, "other": other_departement}


def page_url(code):
    return reverse("portfolio_views:departement", kwargs={"code": code})


class TestPortfolioPage:
    def test_anonymous_access(self, client, world):
        url = page_url("D76")
        assertRedirects(client.get(url), login_url(url), fetch_redirect_response=False)

    def test_unauthorized_access(self, client, world):
        member = MembershipFactory(convention=world["convention"]).user
        client.force_login(member)
        assert client.get(page_url("D76")).status_code == 404
        assert client.get(reverse("portfolio_views:index")).status_code == 403

    def test_a_reader_reaches_only_their_departement(self, client, world):
        client.force_login(world["reader"])
        assertRedirects(client.get(reverse("portfolio_views:index")), page_url("D76"))
        assert client.get(page_url("D27")).status_code == 404
        response = client.get(page_url("D76"))
        assertContains(response, "CTG synthétique A")
        assertNotContains(response, "CTG d'ailleurs")
        assertContains(response, "CC sans convention")
        assertContains(response, reverse("steering_views:dashboard", args=[world["convention"].pk]))
        assertContains(response, "<svg", html=False)
        assertContains(response, "1\u202f234,50 €", html=False)

    def test_the_home_page_leads_to_it(self, client, world):
        client.force_login(world["reader"])
        assertContains(client.get(reverse("conventions_views:home")), page_url("D76"))
        client.force_login(UserFactory())
        assertNotContains(client.get(reverse("conventions_views:home")), "Portefeuille")

    def test_the_main_navigation_leads_to_it_only_with_a_departement_access(self, client, world):
        def navigation(user, url):
            client.force_login(user)
            html = client.get(url).content.decode()
            start = html.index('<nav aria-label="Navigation principale">')
            return html[start : html.index("</nav>", start)]

        # On any page, not only the home page: straight to the département, or to the list of them.
        territories = reverse("territories_views:search")
        assert f'<a href="{page_url("D76")}">Portefeuille</a>' in navigation(world["reader"], territories)
        DepartementAccessFactory(user=world["reader"], departement=world["other"])
        index = reverse("portfolio_views:index")
        assert f'<a href="{index}">Portefeuille</a>' in navigation(world["reader"], territories)
        # A convention member without a département access does not see it.
        member = MembershipFactory(convention=world["convention"]).user
        for url in (reverse("conventions_views:home"), territories):
            assert "Portefeuille" not in navigation(member, url)

    def test_filters_in_the_url(self, client, world):
        client.force_login(world["reader"])
        assertContains(client.get(page_url("D76"), {"phase": Phase.DIAGNOSTIC}), "Aucune convention ne répond")
        assertContains(client.get(page_url("D76"), {"retard": "on"}), "CTG synthétique A")
        response = client.get(page_url("D76"), {"fin": "bientôt"})
        # A bad filter is said in French and filters nothing.
        assertContains(response, "Indiquez un nombre entier de mois.")
        assertContains(response, "CTG synthétique A")
        response = client.get(page_url("D76"), {"tri": "avancement", "ordre": "desc"})
        assertContains(response, 'aria-sort="descending"', html=False)

    def test_the_number_of_queries_is_bounded(self, client, world, django_assert_max_num_queries):
        client.force_login(world["reader"])
        for _ in range(5):
            convention = ConventionFactory()
            CommuneFactory(epci=convention.epci, departement=world["departement"])
            ActionFactory(convention=convention)
        # Session and user (2), the menu's portfolio entry (1), the département (1), the portfolio (10), whatever the
        # number of conventions.
        with django_assert_max_num_queries(15):
            assert client.get(page_url("D76")).status_code == 200


class TestPortfolioExport:
    def test_csv_rows_neutralised_and_journaled(self, client, world):
        client.force_login(world["reader"])
        url = reverse("portfolio_views:export", kwargs={"code": "D76", "fmt": "csv"})
        response = client.get(url)
        assert response["Content-Disposition"] == 'attachment; filename="portefeuille-ctg-D76.csv"'
        text = response.content.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))
        header, first, last = rows[0], rows[1], rows[-1]
        row = dict(zip(header, first, strict=True))
        assert row["EPCI"] == '\'=HYPERLINK("x") agglo'
        assert row["Convention"] == "CTG synthétique A"
        assert row["Phase"] == "Mise en œuvre et pilotage"
        assert (row["Actions"], row["Avancement moyen (%)"], row["Actions en retard"]) == ("2", "50", "1")
        assert (row["Prévu par la CAF (€)"], row["Accordé par la CAF (€)"]) == ("1234,50", "")
        assert row["Mois restants"] == "21"
        assert row["Tableau de bord"].endswith(reverse("steering_views:dashboard", args=[world["convention"].pk]))
        assert last[:3] == ["CC sans convention", last[1], "Sans convention"]
        assert len(rows) == 3
        event = SecurityEvent.objects.get(kind=SecurityEventKind.EXPORT, user=world["reader"])
        assert "D76" in event.detail and "CSV" in event.detail

    def test_xlsx_follows_the_filters(self, client, world):
        client.force_login(world["reader"])
        url = reverse("portfolio_views:export", kwargs={"code": "D76", "fmt": "xlsx"})
        book = openpyxl.load_workbook(io.BytesIO(client.get(url, {"phase": Phase.MISE_EN_OEUVRE}).content))
        values = list(book["Portefeuille"].iter_rows(values_only=True))
        assert values[1][0] == '\'=HYPERLINK("x") agglo'
        assert values[1][5] == datetime.datetime(2025, 12, 31)
        # Printed and read as a table: euros, frozen filtered header repeated on A4 landscape pages one page wide.
        sheet = book["Portefeuille"]
        planned = values[0].index("Prévu par la CAF (€)") + 1
        assert sheet.cell(row=2, column=planned).value == 1234.5
        assert sheet.cell(row=2, column=planned).number_format == '#,##0.00 "€"'
        assert sheet.cell(row=2, column=6).number_format == "DD/MM/YYYY"
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:Z{len(values)}"
        assert sheet.page_setup.paperSize == 9 and sheet.page_setup.orientation == "landscape"
        assert sheet.page_setup.fitToWidth == 1 and sheet.print_title_rows == "$1:$1"
        assert sheet.column_dimensions["B"].width == len("123456789") + 2  # a SIREN and room
        book = openpyxl.load_workbook(io.BytesIO(client.get(url, {"phase": Phase.PLAN}).content))
        names = [r[0] for r in book["Portefeuille"].iter_rows(min_row=2, values_only=True)]
        assert names == ["CC sans convention"]

    def test_outside_the_departement_is_404(self, client, world):
        client.force_login(world["reader"])
        url = reverse("portfolio_views:export", kwargs={"code": "D27", "fmt": "csv"})
        assert client.get(url).status_code == 404
        assert not SecurityEvent.objects.filter(kind=SecurityEventKind.EXPORT).exists()
