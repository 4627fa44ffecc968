import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from ctg.accounts.enums import Role
from ctg.offer.demo import load_demo_offer
from ctg.offer.enums import OfferKind
from ctg.offer.models import OfferItem, OfferTotal
from ctg.territories.models import Commune
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.offer.factories import OfferItemFactory

pytestmark = pytest.mark.django_db


def demo_user(caux_seine, username):
    return next(user for account, user in caux_seine["accounts"] if account.username == username)


def login_url(url):
    return reverse("accounts_views:login") + "?next=" + url


@pytest.fixture
def convention(caux_seine):
    convention = caux_seine["convention"]
    load_demo_offer(convention=convention)
    return convention


def item_data(commune_code, **overrides):
    data = {
        "kind": OfferKind.EAJE,
        "name": "Multi-accueil de test",
        "commune": commune_code,
        "capacity": "24",
        "manager_name": "Ville",
        "opening_year": "2005",
        "reference_year": "2024",
        "source": "Saisie de test",
    }
    return data | overrides


class TestIndex:
    def test_anonymous_access(self, client, convention):
        url = reverse("offer_views:index", kwargs={"convention_pk": convention.pk})
        assertRedirects(client.get(url), login_url(url), fetch_redirect_response=False)

    def test_unauthorized_access(self, client, convention):
        client.force_login(UserFactory())
        response = client.get(reverse("offer_views:index", kwargs={"convention_pk": convention.pk}))
        assert response.status_code == 404

    def test_demo_shows_epci_totals_and_undocumented_coverage(self, client, caux_seine, convention):
        client.force_login(demo_user(caux_seine, "lecteur"))
        response = client.get(reverse("offer_views:index", kwargs={"convention_pk": convention.pk}))
        assertContains(response, "Places d&#x27;accueil collectif")
        assertContains(response, '<td class="num" data-label="Nombre">167</td>', html=True)
        assertContains(response, '<td class="num" data-label="Nombre">527</td>', html=True)
        assertContains(response, "Total EPCI", count=6)
        # Years are printed as years, never with a thousands separator.
        assertContains(response, '<td data-label="Année">2022</td>', count=6, html=True)
        assertContains(response, "cauxseine.fr, page Petite enfance")
        assertContains(response, "le détail par commune reste à renseigner")
        # Each of the 50 communes in the table alternative says that its coverage is not documented.
        assertContains(response, '<span class="coverage coverage-unknown">Couverture non renseignée</span>', count=50)
        assertNotContains(response, "coverage-not_covered")
        assertContains(response, "<svg xmlns=")
        # A reader sees no editing link.
        assertNotContains(response, reverse("offer_views:create", kwargs={"convention_pk": convention.pk}))

    def test_coverage_figures_once_a_relais_is_entered(self, client, caux_seine, convention):
        bolbec, lillebonne = Commune.objects.get(code="76114"), Commune.objects.get(code="76384")
        OfferItemFactory(
            convention=convention,
            commune=bolbec,
            relais=True,
            name="Relais de Bolbec",
            covered_communes=[bolbec, lillebonne],
        )
        client.force_login(demo_user(caux_seine, "coordination"))
        response = client.get(reverse("offer_views:index", kwargs={"convention_pk": convention.pk}))
        assertContains(response, "2 sur 50 (4,0 %)")
        assertContains(response, "20\xa0326 habitants sur 77\xa0968")
        assertContains(response, "(26,1 %)")
        assertContains(response, "coverage-covered", count=2)
        assertContains(response, "coverage-not_covered", count=48)
        assertContains(response, "Couverture partielle")
        assertContains(response, "<td>Bolbec, Lillebonne</td>", html=True)

    def test_query_count(self, client, caux_seine, convention, django_assert_max_num_queries):
        communes = list(Commune.objects.filter(epci_id=convention.epci_id)[:10])
        for i, commune in enumerate(communes):
            OfferItemFactory(convention=convention, commune=commune, kind=OfferKind.ALSH, name=f"ALSH {i}")
            OfferItemFactory(
                convention=convention, commune=commune, relais=True, name=f"Relais {i}", covered_communes=communes[:3]
            )
        client.force_login(demo_user(caux_seine, "bolbec"))
        url = reverse("offer_views:index", kwargs={"convention_pk": convention.pk})
        # session, user, convention, membership, relais coverage (3), index (3 + totals), + savepoints.
        with django_assert_max_num_queries(14):
            response = client.get(url)
        assertContains(response, "ALSH 9")


class TestCreate:
    def test_anonymous_access(self, client, convention):
        url = reverse("offer_views:create", kwargs={"convention_pk": convention.pk})
        assertRedirects(client.get(url), login_url(url), fetch_redirect_response=False)

    def test_unauthorized_access(self, client, caux_seine, convention):
        url = reverse("offer_views:create", kwargs={"convention_pk": convention.pk})
        for username in ("lecteur", "pilote"):
            client.force_login(demo_user(caux_seine, username))
            assert client.get(url).status_code == 403
            assert client.post(url, item_data("76114")).status_code == 403
        assert not OfferItem.objects.exists()

    def test_contributor_creates(self, client, caux_seine, convention):
        client.force_login(demo_user(caux_seine, "caf"))
        url = reverse("offer_views:create", kwargs={"convention_pk": convention.pk})
        response = client.post(url, item_data("76476"))
        assertRedirects(response, reverse("offer_views:index", kwargs={"convention_pk": convention.pk}))
        item = OfferItem.objects.get()
        assert (item.commune_id, item.capacity) == ("76476", 24)
        assert item.history.first().history_user == demo_user(caux_seine, "caf")

    def test_form_errors_in_french(self, client, caux_seine, convention):
        client.force_login(demo_user(caux_seine, "coordination"))
        url = reverse("offer_views:create", kwargs={"convention_pk": convention.pk})
        response = client.post(
            url, item_data("76114", source="", covered_communes=["76384"], capacity="-2", reference_year="")
        )
        assert response.status_code == 200
        assertContains(response, "Seul un relais petite enfance couvre une liste de communes.")
        # Next to each field (the summary above the form repeats them, each linked to its field).
        assertContains(response, "<li>Ce champ est obligatoire.</li>", count=2)
        assertContains(response, "supérieure ou égale à 0")
        assert not OfferItem.objects.exists()

    def test_commune_member_only_in_its_commune(self, client, caux_seine, convention):
        client.force_login(demo_user(caux_seine, "bolbec"))
        url = reverse("offer_views:create", kwargs={"convention_pk": convention.pk})
        response = client.get(url)
        assertContains(response, '<option value="76114"', count=1)
        assertNotContains(response, '<option value="76384"')
        response = client.post(url, item_data("76384"))
        assert response.status_code == 200
        assert not OfferItem.objects.exists()
        client.post(url, item_data("76114"))
        assert OfferItem.objects.get().commune_id == "76114"


class TestEdit:
    def test_anonymous_access(self, client, convention):
        item = OfferItemFactory(convention=convention, commune_id="76114")
        url = reverse("offer_views:edit", kwargs={"convention_pk": convention.pk, "pk": item.pk})
        assertRedirects(client.get(url), login_url(url), fetch_redirect_response=False)

    def test_unauthorized_access(self, client, caux_seine, convention):
        other = OfferItemFactory(convention=convention, commune_id="76384")
        client.force_login(demo_user(caux_seine, "bolbec"))
        url = reverse("offer_views:edit", kwargs={"convention_pk": convention.pk, "pk": other.pk})
        assert client.get(url).status_code == 403
        client.force_login(demo_user(caux_seine, "lecteur"))
        assert client.get(url).status_code == 403

    def test_item_of_another_convention_is_404(self, client, caux_seine, convention):
        foreign = OfferItemFactory()
        MembershipFactory(user=demo_user(caux_seine, "coordination"), convention=foreign.convention, role=Role.LECTEUR)
        client.force_login(demo_user(caux_seine, "coordination"))
        url = reverse("offer_views:edit", kwargs={"convention_pk": convention.pk, "pk": foreign.pk})
        assert client.get(url).status_code == 404

    def test_commune_member_edits_its_item(self, client, caux_seine, convention):
        item = OfferItemFactory(convention=convention, commune_id="76114", name="Crèche", capacity=10)
        client.force_login(demo_user(caux_seine, "bolbec"))
        url = reverse("offer_views:edit", kwargs={"convention_pk": convention.pk, "pk": item.pk})
        response = client.post(url, item_data("76114", name="Crèche", capacity="12", version="1"))
        assert response.status_code == 302
        item.refresh_from_db()
        assert (item.capacity, item.version) == (12, 2)

    def test_concurrent_edit_is_refused(self, client, caux_seine, convention):
        item = OfferItemFactory(convention=convention, commune_id="76114", name="Crèche", capacity=10, version=3)
        client.force_login(demo_user(caux_seine, "coordination"))
        url = reverse("offer_views:edit", kwargs={"convention_pk": convention.pk, "pk": item.pk})
        response = client.post(url, item_data("76114", name="Crèche", capacity="12", version="2"))
        assertContains(response, "modifié par une autre personne")
        item.refresh_from_db()
        assert item.capacity == 10

    def test_post_without_version_is_a_form_error_not_an_overwrite(self, client, caux_seine, convention):
        item = OfferItemFactory(convention=convention, commune_id="76114", name="Crèche", capacity=10, version=3)
        client.force_login(demo_user(caux_seine, "coordination"))
        url = reverse("offer_views:edit", kwargs={"convention_pk": convention.pk, "pk": item.pk})
        for version in ({}, {"version": ""}, {"version": "abc"}, {"version": "0"}):
            response = client.post(url, item_data("76114", name="Crèche", capacity="12") | version)
            assert response.status_code == 200
            assertContains(response, "La version de l&#x27;équipement manque au formulaire")
        item.refresh_from_db()
        assert (item.capacity, item.version) == (10, 3)

    def test_form_shows_the_version_read_with_the_page(self, client, caux_seine, convention):
        item = OfferItemFactory(convention=convention, commune_id="76114", version=7)
        client.force_login(demo_user(caux_seine, "coordination"))
        response = client.get(reverse("offer_views:edit", kwargs={"convention_pk": convention.pk, "pk": item.pk}))
        assertContains(response, '<input type="hidden" name="version" value="7" id="id_version">', html=True)

    def test_control_character_in_a_text_field_is_refused(self, client, caux_seine, convention):
        item = OfferItemFactory(convention=convention, commune_id="76114", name="Crèche", version=1)
        client.force_login(demo_user(caux_seine, "coordination"))
        url = reverse("offer_views:edit", kwargs={"convention_pk": convention.pk, "pk": item.pk})
        for field in ("name", "manager_name", "source"):
            response = client.post(url, item_data("76114", name="Crèche", version="1") | {field: "Ville\x00 de"})
            assertContains(response, "Caractère de contrôle invisible (code 0x00) en position 6")
        item.refresh_from_db()
        assert (item.name, item.version) == ("Crèche", 1)


class TestDelete:
    def test_anonymous_access(self, client, convention):
        item = OfferItemFactory(convention=convention, commune_id="76114")
        url = reverse("offer_views:delete", kwargs={"convention_pk": convention.pk, "pk": item.pk})
        assertRedirects(client.post(url), login_url(url), fetch_redirect_response=False)
        assert OfferItem.objects.filter(pk=item.pk).exists()

    def test_unauthorized_access(self, client, caux_seine, convention):
        item = OfferItemFactory(convention=convention, commune_id="76384")
        url = reverse("offer_views:delete", kwargs={"convention_pk": convention.pk, "pk": item.pk})
        for username in ("bolbec", "pilote", "lecteur"):
            client.force_login(demo_user(caux_seine, username))
            assert client.post(url).status_code == 403
        assert OfferItem.objects.filter(pk=item.pk).exists()

    def test_get_not_allowed_and_post_deletes(self, client, caux_seine, convention):
        item = OfferItemFactory(convention=convention, commune_id="76384")
        client.force_login(demo_user(caux_seine, "coordination"))
        url = reverse("offer_views:delete", kwargs={"convention_pk": convention.pk, "pk": item.pk})
        assert client.get(url).status_code == 405
        assert client.post(url).status_code == 302
        assert not OfferItem.objects.filter(pk=item.pk).exists()


class TestImport:
    CSV = (
        "type;nom;code_commune;capacite;source;annee_reference;communes_couvertes\n"
        "rpe;Relais de test;76114;;Saisie de test;2024;76114|76384\n"
    )

    def test_anonymous_access(self, client, convention):
        url = reverse("offer_views:import", kwargs={"convention_pk": convention.pk})
        assertRedirects(client.get(url), login_url(url), fetch_redirect_response=False)

    def test_unauthorized_access(self, client, caux_seine, convention):
        url = reverse("offer_views:import", kwargs={"convention_pk": convention.pk})
        for username in ("bolbec", "pilote", "lecteur"):
            client.force_login(demo_user(caux_seine, username))
            assert client.get(url).status_code == 403

    def test_import_with_report(self, client, caux_seine, convention):
        client.force_login(demo_user(caux_seine, "caf"))
        url = reverse("offer_views:import", kwargs={"convention_pk": convention.pk})
        upload = SimpleUploadedFile("offre.csv", self.CSV.encode(), content_type="text/csv")
        response = client.post(url, {"file": upload})
        assertContains(response, "1 ligne lue, 1 créée")
        assert OfferItem.objects.get().covered_communes.count() == 2

    def test_rejected_file_lists_errors(self, client, caux_seine, convention):
        client.force_login(demo_user(caux_seine, "coordination"))
        url = reverse("offer_views:import", kwargs={"convention_pk": convention.pk})
        bad = self.CSV + "eaje;Crèche;76114;beaucoup;Saisie;2024;\n"
        response = client.post(url, {"file": SimpleUploadedFile("offre.csv", bad.encode(), content_type="text/csv")})
        assert response.status_code == 422
        assertContains(response, "Fichier « offre.csv » rejeté : 1 erreur", status_code=422)
        assertContains(response, "« beaucoup » n&#x27;est pas un nombre entier positif", status_code=422)
        assert not OfferItem.objects.exists()

    def test_simulation_refuses_what_the_import_refuses(self, client, caux_seine, convention):
        client.force_login(demo_user(caux_seine, "coordination"))
        url = reverse("offer_views:import", kwargs={"convention_pk": convention.pk})
        response = client.get(url)
        assertContains(response, "Limites : 10\u202f000 lignes, 1\u202f000 caractères par cellule")
        bad = self.CSV.replace("Relais de test", "R" * 201)
        for dry_run in ({"dry_run": "on"}, {}):
            upload = SimpleUploadedFile("offre.csv", bad.encode(), content_type="text/csv")
            response = client.post(url, {"file": upload} | dry_run)
            assertContains(response, "Fichier « offre.csv » rejeté : 1 erreur", status_code=422)
        assert not OfferItem.objects.exists()

    def test_not_a_csv(self, client, caux_seine, convention):
        client.force_login(demo_user(caux_seine, "coordination"))
        url = reverse("offer_views:import", kwargs={"convention_pk": convention.pk})
        response = client.post(url, {"file": SimpleUploadedFile("offre.xlsx", b"PK", content_type="application/zip")})
        assertContains(response, "Le fichier doit être au format CSV")


class TestCoverageMap:
    def test_anonymous_access(self, client, convention):
        url = reverse("offer_views:coverage_map", kwargs={"convention_pk": convention.pk, "fmt": "svg"})
        assertRedirects(client.get(url), login_url(url), fetch_redirect_response=False)

    def test_unauthorized_access(self, client, convention):
        client.force_login(UserFactory())
        url = reverse("offer_views:coverage_map", kwargs={"convention_pk": convention.pk, "fmt": "svg"})
        assert client.get(url).status_code == 404

    @pytest.mark.parametrize(
        "fmt,content_type,start", [("svg", "image/svg+xml", b"<svg"), ("png", "image/png", b"\x89PNG")]
    )
    def test_download(self, client, caux_seine, convention, fmt, content_type, start):
        client.force_login(demo_user(caux_seine, "lecteur"))
        url = reverse("offer_views:coverage_map", kwargs={"convention_pk": convention.pk, "fmt": fmt})
        response = client.get(url)
        assert response["Content-Type"] == content_type
        assert response.content.startswith(start)
        assert f"couverture-relais-{convention.pk}.{fmt}" in response["Content-Disposition"]


class TestTotalRecord:
    DATA = {"indicator": "places_accueil_collectif", "year": "2024", "quantity": "180", "source": "Rapport de test"}

    def test_control_character_in_the_source_is_refused(self, client, caux_seine, convention):
        client.force_login(demo_user(caux_seine, "coordination"))
        url = reverse("offer_views:total_record", kwargs={"convention_pk": convention.pk})
        response = client.post(url, self.DATA | {"source": "Rapport\x1b de test"})
        assertContains(response, "Caractère de contrôle invisible (code 0x1b) en position 8")
        assert not OfferTotal.objects.filter(year=2024).exists()

    def test_anonymous_access(self, client, convention):
        url = reverse("offer_views:total_record", kwargs={"convention_pk": convention.pk})
        assertRedirects(client.get(url), login_url(url), fetch_redirect_response=False)

    def test_unauthorized_access(self, client, caux_seine, convention):
        url = reverse("offer_views:total_record", kwargs={"convention_pk": convention.pk})
        for username in ("bolbec", "pilote", "lecteur"):
            client.force_login(demo_user(caux_seine, username))
            assert client.post(url, self.DATA).status_code == 403
        assert not OfferTotal.objects.filter(year=2024).exists()

    def test_records_a_new_vintage_without_erasing_the_old(self, client, caux_seine, convention):
        client.force_login(demo_user(caux_seine, "coordination"))
        url = reverse("offer_views:total_record", kwargs={"convention_pk": convention.pk})
        response = client.post(url, self.DATA)
        assertRedirects(response, reverse("offer_views:index", kwargs={"convention_pk": convention.pk}))
        quantities = dict(
            OfferTotal.objects.filter(indicator="places_accueil_collectif").values_list("year", "quantity")
        )
        assert quantities == {2022: 167, 2024: 180}

    def test_source_required(self, client, caux_seine, convention):
        client.force_login(demo_user(caux_seine, "caf"))
        url = reverse("offer_views:total_record", kwargs={"convention_pk": convention.pk})
        response = client.post(url, self.DATA | {"source": ""})
        assertContains(response, "Ce champ est obligatoire.")
        assert not OfferTotal.objects.filter(year=2024).exists()
