"""Pages of the convention's own life: opening it, its phase, its signatories, its signed copy and amendments."""

import datetime

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.urls import reverse

from ctg.accounts.enums import Role, SecurityEventKind
from ctg.accounts.models import Invitation, SecurityEvent
from ctg.conventions.enums import DocumentKind, Phase, SignatoryRole
from ctg.conventions.models import Convention, ConventionDocument, PhaseChange, Signatory, Theme
from ctg.conventions.services import document_attach, signatory_add, themes_ensure_reference
from ctg.organisations.enums import OrganisationKind
from tests.accounts.factories import DepartementAccessFactory, MembershipFactory, UserFactory
from tests.conventions.factories import ConventionFactory, minimal_pdf, pdf_upload
from tests.organisations.factories import OrganisationFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, EpciFactory

pytestmark = pytest.mark.django_db


def admin_of(convention):
    return MembershipFactory(convention=convention, role=Role.ADMINISTRATEUR).user


@pytest.fixture
def territory():
    themes_ensure_reference()
    departement = DepartementFactory(code="76", name="Seine-Maritime")
    epci = EpciFactory(name="CA synthétique", siren="900000999")
    communes = [CommuneFactory(epci=epci, departement=departement, name=f"Commune {n}") for n in "ABC"]
    caf = OrganisationFactory(caf=True, name="CAF fictive de Seine-Maritime", departement=departement)
    caf_user = UserFactory(organisation=caf)
    DepartementAccessFactory(user=caf_user, departement=departement)
    return {"departement": departement, "epci": epci, "communes": communes, "caf": caf, "caf_user": caf_user}


class TestCreate:
    url = reverse("conventions_views:create")

    def test_anonymous_access(self, client):
        response = client.get(self.url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts_views:login"))

    def test_unauthorized_access(self, client, territory):
        # A convention administrator who is not a CAF agent with a département's access.
        convention = ConventionFactory(epci=territory["epci"])
        client.force_login(admin_of(convention))
        assert client.get(self.url).status_code == 403
        assert client.post(f"{self.url}?epci={territory['epci'].siren}").status_code == 403
        home = client.get(reverse("conventions_views:home")).content.decode()
        assert "Ouvrir une convention" not in home

    def test_home_offers_it_to_the_caf_user(self, client, territory):
        client.force_login(territory["caf_user"])
        assert "Ouvrir une convention" in client.get(reverse("conventions_views:home")).content.decode()

    def test_two_steps_then_created_and_coordinator_invited(self, client, territory, django_assert_max_num_queries):
        client.force_login(territory["caf_user"])
        first = client.get(self.url)
        assert first.status_code == 200
        assert "CA synthétique" in first.content.decode()
        step_two = f"{self.url}?epci={territory['epci'].siren}"
        # Bounded whatever the number of communes: one query per list of choices.
        with django_assert_max_num_queries(15):
            second = client.get(step_two)
        html = second.content.decode()
        assert "Commune A" in html and "Commune C" in html
        assert 'value="' + str(territory["caf"].pk) + '" selected' in html
        themes = list(Theme.objects.reference())
        response = client.post(
            step_two,
            {
                "title": "",
                "caf": territory["caf"].pk,
                "start_date": "2025-01-01",
                "end_date": "2028-12-31",
                "themes": [t.pk for t in themes[:2]],
                "communes": [territory["communes"][0].code, territory["communes"][2].code],
                "coordinator_email": "coordination@agglo.example",
            },
        )
        convention = Convention.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("conventions_views:detail", kwargs={"pk": convention.pk})
        assert convention.title == "CTG CA synthétique – CAF fictive de Seine-Maritime 2025-2028"
        assert {c.name for c in convention.communes.all()} == {"Commune A", "Commune C"}
        invitation = Invitation.objects.get(convention=convention)
        assert invitation.role == Role.ADMINISTRATEUR
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == ["coordination@agglo.example"]
        assert "/invitation/" in mail.outbox[0].body
        # The CAF agent reads the new convention through the département's access.
        detail = client.get(response["Location"])
        assert detail.status_code == 200
        assert "est créée ; coordination@agglo.example est invité·e à l&#x27;administrer" in detail.content.decode()

    def test_errors_are_shown_next_to_their_fields(self, client, territory):
        client.force_login(territory["caf_user"])
        response = client.post(
            f"{self.url}?epci={territory['epci'].siren}",
            {
                "caf": territory["caf"].pk,
                "start_date": "2028-01-01",
                "end_date": "2025-01-01",
                "coordinator_email": "pas une adresse",
            },
        )
        assert response.status_code == 400
        html = response.content.decode()
        assert "Saisissez une adresse électronique valide, par exemple prenom.nom@agglo.fr." in html
        assert not Convention.objects.exists()
        response = client.post(
            f"{self.url}?epci={territory['epci'].siren}",
            {
                "caf": territory["caf"].pk,
                "start_date": "2028-01-01",
                "end_date": "2025-01-01",
                "coordinator_email": "coordination@agglo.example",
            },
        )
        assert response.status_code == 400
        assert "La date de fin doit suivre la date de début." in response.content.decode()
        assert not Convention.objects.exists() and not mail.outbox

    def test_epci_of_another_departement_is_not_offered(self, client, territory):
        elsewhere = EpciFactory(siren="900000888")
        CommuneFactory(epci=elsewhere, departement=DepartementFactory(code="27"))
        client.force_login(territory["caf_user"])
        assert elsewhere.name not in client.get(self.url).content.decode()
        response = client.get(f"{self.url}?epci={elsewhere.siren}")
        assert "Choisissez un EPCI d&#x27;un département auquel vous avez accès." in response.content.decode()


class TestEdit:
    def test_unauthorized_access(self, client):
        convention = ConventionFactory()
        client.force_login(MembershipFactory(convention=convention, role=Role.CONTRIBUTEUR).user)
        url = reverse("conventions_views:edit", args=[convention.pk])
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 403

    def test_administrator_changes_the_communes(self, client, territory):
        convention = ConventionFactory(epci=territory["epci"], signed_on=None)
        client.force_login(admin_of(convention))
        url = reverse("conventions_views:edit", args=[convention.pk])
        assert "Commune B" in client.get(url).content.decode()
        response = client.post(
            url,
            {
                "title": "CTG révisée",
                "start_date": "2022-01-01",
                "end_date": "2025-12-31",
                "signed_on": "2022-03-01",
                "themes": [Theme.objects.reference().first().pk],
                "communes": [territory["communes"][1].code],
            },
        )
        assert response.status_code == 302
        convention.refresh_from_db()
        assert convention.title == "CTG révisée" and convention.signed_on == datetime.date(2022, 3, 1)
        assert [c.name for c in convention.communes.all()] == ["Commune B"]
        page = client.get(url).content.decode()
        assert "Enregistrée : elle ne change plus." in page


class TestPhase:
    def test_forward_button_names_the_next_phase(self, client):
        convention = ConventionFactory(phase=Phase.DIAGNOSTIC)
        client.force_login(admin_of(convention))
        html = client.get(reverse("conventions_views:detail", args=[convention.pk])).content.decode()
        assert "Passer à la phase « Plan d&#x27;actions »" in html
        assert 'name="phase" value="plan"' in html
        assert "Revenir à la phase « Préparation »…" in html
        # No selector preselecting the previous phase any more.
        assert '<select name="phase"' not in html

    def test_reader_sees_no_button(self, client):
        convention = ConventionFactory(phase=Phase.DIAGNOSTIC)
        client.force_login(MembershipFactory(convention=convention, role=Role.CONTRIBUTEUR).user)
        html = client.get(reverse("conventions_views:detail", args=[convention.pk])).content.decode()
        assert "Passer à la phase" not in html and "Revenir à la phase" not in html

    def test_going_back_through_the_form_of_the_forward_button_needs_a_reason(self, client):
        convention = ConventionFactory(phase=Phase.PLAN)
        client.force_login(admin_of(convention))
        response = client.post(
            reverse("conventions_views:change_phase", args=[convention.pk]), {"phase": "diagnostic"}, follow=True
        )
        assert "Indiquez pourquoi la convention revient en phase" in response.content.decode()
        convention.refresh_from_db()
        assert convention.phase == Phase.PLAN

    def test_back_asks_confirmation_and_reason(self, client):
        convention = ConventionFactory(phase=Phase.PLAN)
        admin = admin_of(convention)
        client.force_login(admin)
        url = reverse("conventions_views:phase_back", args=[convention.pk])
        page = client.get(url)
        assert "Revenir à la phase « Diagnostic partagé » ?" in page.content.decode()
        convention.refresh_from_db()
        assert convention.phase == Phase.PLAN
        refused = client.post(url, {"reason": ""})
        assert refused.status_code == 400
        assert "Indiquez pourquoi la convention revient à la phase précédente." in refused.content.decode()
        response = client.post(url, {"reason": "Diagnostic à compléter (COPIL du 12 mars)."}, follow=True)
        html = response.content.decode()
        assert "La convention est revenue en phase « Diagnostic partagé »." in html
        assert "motif : « Diagnostic à compléter (COPIL du 12 mars). »" in html
        change = PhaseChange.objects.get()
        assert (change.to_phase, change.changed_by) == (Phase.DIAGNOSTIC, admin)

    def test_no_way_back_from_the_first_phase(self, client):
        convention = ConventionFactory(phase=Phase.PREPARATION)
        client.force_login(admin_of(convention))
        response = client.get(reverse("conventions_views:phase_back", args=[convention.pk]), follow=True)
        assert "ne peut pas revenir à une phase précédente" in response.content.decode()


class TestEndedConvention:
    def test_banner_on_every_convention_page_proposes_the_evaluation(self, client, caux_seine):
        convention = caux_seine["convention"]
        client.force_login(MembershipFactory(convention=convention, role=Role.LECTEUR).user)
        for name in ["conventions_views:detail", "plans_views:index", "offer_views:index"]:
            html = client.get(reverse(name, args=[convention.pk])).content.decode()
            assert "Convention arrivée à échéance" in html, name
            assert "sa période s'est terminée le 31 décembre 2024" in html, name
            assert "évaluer" in html.lower(), name

    def test_no_banner_while_running(self, client):
        convention = ConventionFactory(end_date=datetime.date(2099, 12, 31))
        client.force_login(admin_of(convention))
        html = client.get(reverse("conventions_views:detail", args=[convention.pk])).content.decode()
        assert "arrivée à échéance" not in html

    def test_closed_convention_says_so(self, client):
        convention = ConventionFactory(end_date=datetime.date(2024, 12, 31), phase=Phase.CLOSE)
        client.force_login(admin_of(convention))
        html = client.get(reverse("conventions_views:detail", args=[convention.pk])).content.decode()
        assert "Elle est clôturée" in html


class TestSignatories:
    def test_unauthorized_access(self, client):
        convention = ConventionFactory()
        signatory = signatory_add(convention=convention, organisation=convention.caf, role=SignatoryRole.CAF)
        client.force_login(MembershipFactory(convention=convention, role=Role.CONTRIBUTEUR).user)
        for name, kwargs in [
            ("signatory_create", {"pk": convention.pk}),
            ("signatory_edit", {"pk": convention.pk, "signatory_pk": signatory.pk}),
            ("signatory_delete", {"pk": convention.pk, "signatory_pk": signatory.pk}),
        ]:
            assert client.get(reverse(f"conventions_views:{name}", kwargs=kwargs)).status_code == 403
            assert client.post(reverse(f"conventions_views:{name}", kwargs=kwargs)).status_code == 403
        assert Signatory.objects.count() == 1

    def test_fill_the_demo_signature_dates(self, client, caux_seine):
        convention = caux_seine["convention"]
        client.force_login(admin_of(convention))
        detail = client.get(reverse("conventions_views:detail", args=[convention.pk])).content.decode()
        assert detail.count("non renseignée") >= 18
        bolbec = Signatory.objects.get(convention=convention, organisation__name="Commune de Bolbec")
        url = reverse("conventions_views:signatory_edit", args=[convention.pk, bolbec.pk])
        form = client.get(url).content.decode()
        assert "Commune de Bolbec" in form
        response = client.post(
            url,
            {
                "organisation": bolbec.organisation_id,
                "role": SignatoryRole.COMMUNE,
                "represented_by": "le Maire",
                "signed_on": "2021-09-06",
            },
        )
        assert response.status_code == 302
        assert response["Location"].endswith("#titre-signataires")
        bolbec.refresh_from_db()
        assert (bolbec.signed_on, bolbec.represented_by) == (datetime.date(2021, 9, 6), "le Maire")

    def test_add_and_remove(self, client):
        convention = ConventionFactory()
        client.force_login(admin_of(convention))
        msa = OrganisationFactory(kind=OrganisationKind.MSA, name="MSA Haute-Normandie")
        response = client.post(
            reverse("conventions_views:signatory_create", args=[convention.pk]),
            {"organisation": msa.pk, "role": SignatoryRole.PARTENAIRE, "represented_by": "", "signed_on": ""},
        )
        assert response.status_code == 302
        signatory = Signatory.objects.get()
        url = reverse("conventions_views:signatory_delete", args=[convention.pk, signatory.pk])
        assert "Retirer MSA Haute-Normandie des signataires ?" in client.get(url).content.decode()
        assert Signatory.objects.exists()
        client.post(url)
        assert not Signatory.objects.exists()

    def test_refusal_stays_on_the_form(self, client):
        convention = ConventionFactory()
        client.force_login(admin_of(convention))
        association = OrganisationFactory(name="Association des familles")
        response = client.post(
            reverse("conventions_views:signatory_create", args=[convention.pk]),
            {"organisation": association.pk, "role": SignatoryRole.EPCI},
        )
        assert response.status_code == 400
        assert "revient à une organisation de type « EPCI »" in response.content.decode()


class TestDocuments:
    def test_unauthorized_access(self, client):
        convention = ConventionFactory()
        client.force_login(MembershipFactory(convention=convention, role=Role.CONTRIBUTEUR).user)
        url = reverse("conventions_views:document_create", args=[convention.pk])
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 403

    def test_upload_then_download_journaled(self, client):
        convention = ConventionFactory(start_date=datetime.date(2021, 9, 6), end_date=datetime.date(2024, 12, 31))
        client.force_login(admin_of(convention))
        content = minimal_pdf("signée")
        response = client.post(
            reverse("conventions_views:document_create", args=[convention.pk]),
            {
                "kind": DocumentKind.SIGNED,
                "dated": "2021-09-06",
                "summary": "",
                "file": pdf_upload("ctg.pdf", content),
            },
        )
        assert response.status_code == 302
        document = ConventionDocument.objects.get()
        detail = client.get(reverse("conventions_views:detail", args=[convention.pk])).content.decode()
        assert "Convention signée le 6 septembre 2021" in detail
        reader = MembershipFactory(convention=convention, role=Role.LECTEUR).user
        client.force_login(reader)
        download = client.get(reverse("conventions_views:document_download", args=[convention.pk, document.pk]))
        assert download.status_code == 200
        assert download["Content-Type"] == "application/pdf"
        assert download["Content-Disposition"] == f'attachment; filename="convention-signee-{convention.pk}.pdf"'
        assert download["X-Content-Type-Options"] == "nosniff"
        assert b"".join(download.streaming_content) == content
        event = SecurityEvent.objects.get(kind=SecurityEventKind.EXPORT, user=reader)
        assert event.convention == convention and "ctg.pdf" in event.detail

    def test_a_renamed_file_is_refused(self, client):
        convention = ConventionFactory()
        client.force_login(admin_of(convention))
        response = client.post(
            reverse("conventions_views:document_create", args=[convention.pk]),
            {
                "kind": DocumentKind.AVENANT,
                "dated": "2023-05-02",
                "summary": "Ajoute deux communes.",
                "file": pdf_upload("avenant.pdf", b"PK\x03\x04 renamed workbook"),
            },
        )
        assert response.status_code == 400
        assert "ne correspond à aucun format accepté (PDF)" in response.content.decode()
        assert not ConventionDocument.objects.exists()

    def test_another_conventions_document_is_404(self, client):
        mine, other = ConventionFactory(), ConventionFactory()
        document = document_attach(
            convention=other,
            kind=DocumentKind.SIGNED,
            dated=datetime.date(2022, 3, 1),
            file=pdf_upload(),
            by=admin_of(other),
        )
        client.force_login(admin_of(mine))
        assert (
            client.get(reverse("conventions_views:document_download", args=[mine.pk, document.pk])).status_code == 404
        )
        assert (
            client.get(reverse("conventions_views:document_download", args=[other.pk, document.pk])).status_code == 404
        )

    def test_remove_an_avenant_after_confirmation(self, client, django_capture_on_commit_callbacks):
        convention = ConventionFactory()
        admin = admin_of(convention)
        avenant = document_attach(
            convention=convention,
            kind=DocumentKind.AVENANT,
            dated=datetime.date(2023, 5, 2),
            summary="Ajoute la commune de Bolbec.",
            file=pdf_upload("avenant-1.pdf"),
            by=admin,
        )
        stored = avenant.file.name
        client.force_login(admin)
        url = reverse("conventions_views:document_delete", args=[convention.pk, avenant.pk])
        page = client.get(url).content.decode()
        assert "Retirer Avenant du 02/05/2023 ?" in page and "avenant-1.pdf" in page
        assert "Ajoute la commune de Bolbec." in page
        assert ConventionDocument.objects.exists()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url)
        assert response.status_code == 302
        assert not ConventionDocument.objects.exists()
        assert not default_storage.exists(stored)
        record = ConventionDocument.history.first()
        assert (record.history_type, record.history_user, record.summary) == (
            "-",
            admin,
            "Ajoute la commune de Bolbec.",
        )

    def test_missing_file_is_404_in_french(self, client):
        convention = ConventionFactory()
        admin = admin_of(convention)
        document = document_attach(
            convention=convention,
            kind=DocumentKind.SIGNED,
            dated=datetime.date(2022, 3, 1),
            file=pdf_upload(),
            by=admin,
        )
        default_storage.delete(document.file.name)
        client.force_login(admin)
        response = client.get(reverse("conventions_views:document_download", args=[convention.pk, document.pk]))
        assert response.status_code == 404


class TestActionPastTheEnd:
    def test_warning_on_the_fiche_and_the_form(self, client, caux_seine):
        from tests.plans.factories import ActionFactory

        convention = caux_seine["convention"]
        action = ActionFactory(
            convention=convention,
            code="ZZ-99",
            planned_start=datetime.date(2026, 1, 1),
            planned_end=datetime.date(2027, 12, 31),
        )
        client.force_login(admin_of(convention))
        fiche = client.get(reverse("plans_views:action_detail", args=[convention.pk, action.pk])).content.decode()
        assert "Attention : Prévue à partir du 01/01/2026, après la fin de la convention (31/12/2024)." in fiche
        form = client.get(reverse("plans_views:action_edit", args=[convention.pk, action.pk])).content.decode()
        assert "Attention : Prévue à partir du 01/01/2026, après la fin de la convention (31/12/2024)." in form

    def test_no_warning_inside_the_period(self, client, caux_seine):
        from tests.plans.factories import ActionFactory

        convention = caux_seine["convention"]
        action = ActionFactory(
            convention=convention,
            code="ZZ-98",
            planned_start=datetime.date(2022, 1, 1),
            planned_end=datetime.date(2023, 12, 31),
        )
        client.force_login(admin_of(convention))
        fiche = client.get(reverse("plans_views:action_detail", args=[convention.pk, action.pk])).content.decode()
        assert "après la fin de la convention" not in fiche and "au-delà de la fin" not in fiche
        form = client.get(reverse("plans_views:action_edit", args=[convention.pk, action.pk])).content.decode()
        assert "La convention se termine le 31/12/2024." in form
