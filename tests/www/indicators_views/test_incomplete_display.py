"""A territory's figure missing because the imported files do not cover all its communes reads "non disponible"
alone; why, and which file to import, is said once for the table. The census population the referential holds for
every commune is summed at every level."""

import gzip
import json
import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from ctg.territories.importers import REFERENTIAL_DIR
from ctg.territories.models import Commune
from tests.accounts.factories import MembershipFactory
from tests.conventions.factories import ConventionFactory

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"
NOTE_HEADING = "Colonnes incomplètes"


@pytest.fixture
def demo(caux_seine_figures):
    return caux_seine_figures


def account(demo, username):
    return next(user for spec, user in demo["accounts"] if spec.username == username)


def _text(html: str) -> str:
    # Collapse the template's spaces and line breaks, but keep the no-break spaces of French numbers.
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def row_cells(html: str, indicator: str, *, visible_only: bool = False) -> list[str]:
    """The text of each figure cell of one indicator's row in the (first) comparison table; `visible_only` leaves
    out what only assistive technologies read."""
    row = re.search(rf'<tr id="indicateur-{indicator}">(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r'<td class="num">(.*?)</td>', row, re.S)
    if visible_only:
        cells = [re.sub(r'<span class="visually-hidden">.*?</span>', "", cell, flags=re.S) for cell in cells]
    return [_text(cell) for cell in cells]


def referential_population_of_departement_76() -> int:
    """Σ of the census population (RP2022, `populationMunicipale` of the EPCI file's members) of the current communes
    of département 76 in the shipped referential, computed from the files themselves."""
    with gzip.open(REFERENTIAL_DIR / "communes.json.gz") as handle:
        codes = {c["code"] for c in json.load(handle) if c["type"] == "commune-actuelle" and c["departement"] == "76"}
    with gzip.open(REFERENTIAL_DIR / "epci.json.gz") as handle:
        members = {m["code"]: m["populationMunicipale"] for e in json.load(handle) for m in e["membres"]}
    assert codes <= set(members)  # every commune of the département belongs to an EPCI, with its 2022 population
    return sum(members[code] for code in codes)


def french(number: int) -> str:
    return f"{number:,}".replace(",", NBSP)


class TestIncompleteAggregates:
    def url(self, demo, theme="territoire"):
        return reverse("indicators_views:index", kwargs={"convention_pk": demo["convention"].pk}) + f"?theme={theme}"

    def test_anonymous_access(self, client, demo):
        response = client.get(self.url(demo))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts_views:login"))

    def test_unauthorized_access(self, client, demo):
        client.force_login(MembershipFactory(convention=ConventionFactory()).user)
        assert client.get(self.url(demo)).status_code == 404

    def test_population_of_every_level_is_summed_from_the_referential(self, client, demo):
        # 707 communes of Seine-Maritime, Σ populationMunicipale = 1,260,205 (the test database holds the referential
        # of département 76 only: Normandie and France are the same 707 communes there).
        total = referential_population_of_departement_76()
        assert total == 1_260_205
        assert Commune.objects.filter(departement_id="76").count() == 707
        client.force_login(account(demo, "lecteur"))
        response = client.get(self.url(demo))
        assert response.status_code == 200
        # The EPCI's own figure is the imported one: Σ P22_POP of its 50 communes = 77,968.
        assert row_cells(response.text, "population") == [f"77{NBSP}968", french(total), french(total), french(total)]
        line = next(i for i in response.context["indicators"] if i["code"] == "population")
        assert "INSEE, recensement de la population 2022 (population municipale), via DGCL 2026" in line["source"]
        assert line["period"] == "2022"

    def test_a_column_without_all_its_communes_is_explained_once_for_the_table(self, client, demo):
        client.force_login(account(demo, "lecteur"))
        response = client.get(self.url(demo))
        text = response.text
        epci, departement, region, france = row_cells(text, "share_60_74", visible_only=True)
        assert not epci.startswith("non disponible") and epci.endswith(f"{NBSP}%")
        assert [departement, region, france] == ["non disponible"] * 3
        # The reason is read out by assistive technologies, short; no partial sum in any cell.
        assert row_cells(text, "share_60_74")[1] == (
            "non disponible (agrégat incomplet : 50 communes sur 707 ; voir la note du tableau)"
        )
        assert "somme partielle" not in text and "valeur sur les seules" not in text
        # Once for the table: the columns, the file to import and at which level.
        assert text.count(NOTE_HEADING) == 1
        notes = response.context["table_notes"]
        assert [note["territories"] for note in notes] == [["Seine-Maritime", "Normandie", "France"]]
        assert notes[0]["incomplete"][0] == "INSEE, Base comparateur de territoires, millésime 2025"
        assert text.count("à importer pour toutes les communes (fichier national, au niveau des communes)") == 1
        assert "Seine-Maritime, Normandie et France : chiffres non calculés" in text
        # A reader cannot import: no link to the import page, who imports is said.
        assert reverse("opendata_views:upload") not in text
        assert "administrateurs des données de la plateforme" in text

    def test_a_data_administrator_gets_the_import_page_link(self, client, demo):
        reader = account(demo, "lecteur")
        reader.user_permissions.add(Permission.objects.get(codename="manage_official_data"))
        client.force_login(reader)
        text = client.get(self.url(demo)).text
        assert text.count(f'href="{reverse("opendata_views:upload")}"') == 1

    def test_every_theme_says_it_once(self, client, demo):
        client.force_login(account(demo, "lecteur"))
        for theme in ("enfance-jeunesse", "logement", "acces-aux-droits"):
            text = client.get(self.url(demo, theme=theme)).text
            assert text.count(NOTE_HEADING) == 1
            assert "agrégat incomplet" not in re.sub(r'<span class="visually-hidden">.*?</span>', "", text, flags=re.S)

    def test_commune_profile_shows_the_same(self, client, demo):
        client.force_login(account(demo, "bolbec"))
        url = reverse("indicators_views:commune", kwargs={"convention_pk": demo["convention"].pk, "code": "76114"})
        response = client.get(url)
        assert response.status_code == 200
        total = french(referential_population_of_departement_76())
        assert row_cells(response.text, "population") == [f"11{NBSP}618", f"77{NBSP}968", total, total, total]
        commune, epci, departement, *_ = row_cells(response.text, "share_60_74", visible_only=True)
        assert departement == "non disponible"
        # One note per theme's table at most, never one per cell.
        assert response.text.count(NOTE_HEADING) <= len(response.context["themes"])
        assert response.text.count(NOTE_HEADING) == sum(bool(t["table_notes"]) for t in response.context["themes"])
