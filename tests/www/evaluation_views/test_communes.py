"""The « Bilan par commune » page and its exports, on the synthetic territory of tests/evaluation/test_communes.py
(Alpha: own action A1 with 3 000 € planned; Beta: only shared actions; Delta: nothing; Gamma: own action A2 without
funding; S1 on every commune, 18 400 € planned, never split)."""

import csv
import html
import io

import openpyxl
import pytest
from django.urls import reverse

from ctg.accounts.enums import Role, SecurityEventKind
from ctg.accounts.models import SecurityEvent
from tests.accounts.factories import MembershipFactory
from tests.conventions.factories import ConventionFactory
from tests.evaluation.test_communes import territory  # noqa: F401 (four communes, own and shared actions, an offer)
from tests.offer.factories import OfferItemFactory
from tests.plans.factories import ActionFactory, FundingLineFactory
from tests.territories.factories import CommuneFactory

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def url(convention, name="communes"):
    return reverse(f"evaluation_views:{name}", kwargs={"convention_pk": convention.pk})


def text(response) -> str:
    """The page's text with its spaces (no-break ones included) and line breaks made single spaces."""
    return " ".join(html.unescape(response.content.decode()).replace("\u202f", " ").replace("\u00a0", " ").split())


class TestCommunesPage:
    def test_anonymous_access(self, client, territory):  # noqa: F811
        for name in ("communes", "communes_xlsx", "communes_csv"):
            response = client.get(url(territory["convention"], name))
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("accounts_views:login"))

    def test_unauthorized_access(self, client, territory):  # noqa: F811
        client.force_login(MembershipFactory(convention=ConventionFactory()).user)
        for name in ("communes", "communes_xlsx", "communes_csv"):
            assert client.get(url(territory["convention"], name)).status_code == 404

    def test_the_coordinator_sees_every_commune(self, client, territory):  # noqa: F811
        convention = territory["convention"]
        client.force_login(MembershipFactory(convention=convention, role=Role.ADMINISTRATEUR).user)
        content = text(client.get(url(convention)))
        for name in ("Alpha", "Beta", "Gamma", "Delta"):
            assert f'href="#commune-{territory[name.lower()].code}">{name}</a>' in content
        # Alpha's own money; the shared action's money once, said not split.
        assert "prévu 3 000 €" in content
        assert "prévu 18 400 €" in content and "Financement (non réparti par commune)" in content
        # Beta and Delta got nothing of their own, and are named.
        assert "2 communes n'ont reçu aucune action propre" in content
        assert "Beta," in content and "Delta." in content
        # The MAM's unknown capacity is said, not counted as 0; the ALSH without opening year is listed as such.
        assert "1 capacité non renseignée" in content
        assert "Année d'ouverture inconnue (non classés avant ou pendant la convention) : Centre de loisirs" in content
        assert "N1 – " in content and "1 action ne désigne ni commune" in content
        assert "Registre de l'offre de la convention (6 équipements ou services ; année de référence 2024" in content
        assert "Ouverts de 2022 à 2025" in content
        assert "Bilan restreint" not in content

    def test_a_commune_member_sees_only_their_commune(self, client, territory):  # noqa: F811
        convention = territory["convention"]
        member = MembershipFactory(convention=convention, role=Role.COMMUNE, commune=territory["beta"]).user
        client.force_login(member)
        content = text(client.get(url(convention)))
        assert f'href="#commune-{territory["beta"].code}">Beta</a>' in content
        assert "Bilan restreint à votre commune, Beta" in content
        for other in ("alpha", "gamma", "delta"):
            assert f"#commune-{territory[other].code}" not in content
        assert "A1 – " not in content and "A2 – " not in content  # Alpha's and Gamma's own actions
        assert "S2 – " in content and "S1 – " in content
        rows = list(
            csv.reader(
                io.StringIO(client.get(url(convention, "communes_csv")).content.decode("utf-8-sig")), delimiter=";"
            )
        )
        assert [row[1] for row in rows[1:]] == ["Beta"]

    def test_the_query_count_does_not_grow_with_communes_and_actions(
        self,
        client,
        territory,  # noqa: F811
        django_assert_max_num_queries,
    ):
        convention = territory["convention"]
        client.force_login(MembershipFactory(convention=convention, role=Role.LECTEUR).user)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as small:
            assert client.get(url(convention)).status_code == 200
        for index in range(12):
            commune = CommuneFactory(epci=convention.epci)
            action = ActionFactory(convention=convention, code=f"B{index}")
            action.communes.set([commune])
            FundingLineFactory(action=action)
            OfferItemFactory(convention=convention, commune=commune, opening_year=2023)
        with django_assert_max_num_queries(len(small.captured_queries)):
            assert client.get(url(convention)).status_code == 200

    def test_the_exports_hold_every_commune_and_are_journaled(self, client, territory):  # noqa: F811
        convention = territory["convention"]
        user = MembershipFactory(convention=convention, role=Role.LECTEUR).user
        client.force_login(user)
        response = client.get(url(convention, "communes_xlsx"))
        assert response["Content-Type"] == XLSX
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        sheet = workbook["Par commune"]
        header = [cell.value for cell in sheet[1]]
        rows = {row[1]: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)}
        assert list(rows) == ["Alpha", "Beta", "Delta", "Gamma"]
        assert rows["Alpha"]["Financement prévu des actions propres (€)"] == 3000
        assert rows["Alpha"]["Lignes sans montant accordé"] == 1
        # No own action: the amount is empty (unknown), never 0.
        assert rows["Beta"]["Financement prévu des actions propres (€)"] is None
        assert rows["Beta"]["Actions partagées (financement non réparti par commune)"] == 2
        assert rows["Delta"]["Ni action propre ni équipement"] == "oui"
        assert rows["Alpha"]["Places d'accueil du jeune enfant : ouverts de 2022 à 2025"] == 12
        assert rows["Alpha"]["Capacités non renseignées (jeune enfant) : ouverts de 2022 à 2025"] == 1
        shared = workbook["Actions partagées"]
        assert [row[0] for row in shared.iter_rows(min_row=2, values_only=True)] == ["S1", "S2"]
        items = list(workbook["Offre par équipement"].iter_rows(min_row=2, values_only=True))
        assert ("Centre de loisirs", None, "Année d'ouverture inconnue") in {(r[3], r[4], r[5]) for r in items}
        response = client.get(url(convention, "communes_csv"))
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
        by_name = {row[1]: row for row in rows[1:]}
        assert by_name["Alpha"][5] == "3000,00" and by_name["Beta"][5] == ""
        assert SecurityEvent.objects.filter(kind=SecurityEventKind.EXPORT, user=user).count() == 2


def test_the_overview_links_to_the_record_per_commune(client, territory):  # noqa: F811
    convention = territory["convention"]
    client.force_login(MembershipFactory(convention=convention, role=Role.LECTEUR).user)
    content = client.get(reverse("evaluation_views:overview", kwargs={"convention_pk": convention.pk})).content
    assert url(convention).encode() in content
