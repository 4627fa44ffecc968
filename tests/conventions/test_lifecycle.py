"""The convention's own life: opened by its CAF with its coordinator invited, its parties, its signed copy and
amendments, and what its period means for the rest (ended convention, actions planned past its end)."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage

from ctg.accounts.enums import Role, SecurityEventKind
from ctg.accounts.models import Invitation, SecurityEvent
from ctg.conventions.enums import DocumentKind, Phase, SignatoryRole, next_phase, previous_phase
from ctg.conventions.models import Convention, ConventionDocument, Signatory, Theme
from ctg.conventions.perms import can_create_convention
from ctg.conventions.services import (
    convention_open,
    convention_update,
    document_attach,
    signatory_add,
    signatory_remove,
    signatory_update,
    themes_ensure_reference,
)
from ctg.organisations.enums import OrganisationKind
from tests.accounts.factories import DepartementAccessFactory, MembershipFactory, UserFactory
from tests.conventions.factories import ConventionFactory, minimal_pdf, pdf_upload
from tests.organisations.factories import OrganisationFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, EpciFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def territory():
    themes_ensure_reference()
    departement = DepartementFactory(code="76", name="Seine-Maritime")
    epci = EpciFactory(name="CA synthétique de Seine-Maritime")
    communes = [CommuneFactory(epci=epci, departement=departement) for _ in range(3)]
    caf = OrganisationFactory(caf=True, name="CAF fictive de Seine-Maritime", departement=departement)
    caf_user = UserFactory(organisation=caf)
    DepartementAccessFactory(user=caf_user, departement=departement)
    return {"departement": departement, "epci": epci, "communes": communes, "caf": caf, "caf_user": caf_user}


def open_convention(territory, **overrides):
    arguments = {
        "epci": territory["epci"],
        "caf": territory["caf"],
        "title": "CTG synthétique 2025-2028",
        "start_date": datetime.date(2025, 1, 1),
        "end_date": datetime.date(2028, 12, 31),
        "themes": list(Theme.objects.reference()[:3]),
        "communes": territory["communes"][:2],
        "coordinator_email": "Coordination@Agglo.example ",
        "by": territory["caf_user"],
        **overrides,
    }
    return convention_open(**arguments)


class TestWhoOpensAConvention:
    def test_caf_user_with_the_departement_access(self, territory):
        assert can_create_convention(territory["caf_user"])
        assert can_create_convention(territory["caf_user"], territory["epci"])

    def test_not_for_an_epci_of_another_departement(self, territory):
        elsewhere = EpciFactory()
        CommuneFactory(epci=elsewhere, departement=DepartementFactory(code="27"))
        assert not can_create_convention(territory["caf_user"], elsewhere)
        with pytest.raises(PermissionDenied):
            open_convention(territory, epci=elsewhere, communes=[])
        assert not Convention.objects.exists()

    @pytest.mark.parametrize("role", [Role.ADMINISTRATEUR, Role.CONTRIBUTEUR, Role.LECTEUR])
    def test_a_convention_role_is_not_enough(self, territory, role):
        other = ConventionFactory(epci=territory["epci"])
        member = MembershipFactory(convention=other, role=role, user__organisation=None).user
        assert not can_create_convention(member)
        assert not can_create_convention(member, territory["epci"])

    def test_departement_reader_outside_a_caf(self, territory):
        reader = DepartementAccessFactory(
            departement=territory["departement"], user__organisation=OrganisationFactory(kind=OrganisationKind.EPCI)
        ).user
        assert not can_create_convention(reader, territory["epci"])

    def test_caf_user_without_departement_access(self, territory):
        assert not can_create_convention(UserFactory(organisation=territory["caf"]))

    def test_anonymous_and_superuser(self, territory):
        from django.contrib.auth.models import AnonymousUser

        assert not can_create_convention(AnonymousUser())
        assert can_create_convention(UserFactory(is_superuser=True), territory["epci"])


class TestConventionOpen:
    def test_creates_the_convention_and_invites_the_coordinator(self, territory):
        convention, invitation, token = open_convention(territory)
        assert convention.epci == territory["epci"] and convention.caf == territory["caf"]
        assert convention.phase == Phase.PREPARATION
        assert set(convention.communes.all()) == set(territory["communes"][:2])
        assert convention.themes.count() == 3
        assert convention.history.first().history_user == territory["caf_user"]
        assert (invitation.email, invitation.role, invitation.convention) == (
            "coordination@agglo.example",
            Role.ADMINISTRATEUR,
            convention,
        )
        assert token and Invitation.objects.pending().count() == 1
        assert SecurityEvent.objects.filter(kind=SecurityEventKind.INVITATION_SENT, convention=convention).exists()

    def test_follows_the_epcis_previous_convention(self, territory):
        old = ConventionFactory(
            epci=territory["epci"], start_date=datetime.date(2021, 9, 6), end_date=datetime.date(2024, 12, 31)
        )
        convention, _, _ = open_convention(territory)
        assert convention.previous == old

    def test_every_refusal_is_named_by_field_and_nothing_is_written(self, territory):
        foreign = CommuneFactory()
        with pytest.raises(ValidationError) as exc:
            open_convention(
                territory,
                title=" ",
                start_date=datetime.date(2028, 1, 1),
                end_date=datetime.date(2025, 1, 1),
                communes=[foreign],
                coordinator_email="pas-une-adresse",
            )
        errors = exc.value.message_dict
        assert errors["title"] == ["Donnez un intitulé à la convention."]
        assert errors["end_date"] == ["La date de fin doit suivre la date de début."]
        assert f"{foreign.name} ({foreign.code})" in errors["communes"][0]
        assert "adresse électronique" in errors["coordinator_email"][0]
        assert not Convention.objects.exists() and not Invitation.objects.exists()

    def test_a_bad_address_alone_leaves_nothing(self, territory):
        with pytest.raises(ValidationError) as exc:
            open_convention(territory, coordinator_email="coordination@")
        assert list(exc.value.message_dict) == ["coordinator_email"]
        assert not Convention.objects.exists()

    def test_overlapping_period_of_the_same_epci_is_refused(self, territory):
        ConventionFactory(
            epci=territory["epci"],
            title="CTG en cours",
            start_date=datetime.date(2022, 1, 1),
            end_date=datetime.date(2025, 12, 31),
        )
        with pytest.raises(ValidationError) as exc:
            open_convention(territory)
        assert "« CTG en cours » couvre déjà une partie de cette période" in exc.value.message_dict["start_date"][0]

    def test_caf_of_another_departement_is_refused(self, territory):
        other_caf = OrganisationFactory(caf=True, departement=DepartementFactory(code="27"))
        with pytest.raises(ValidationError) as exc:
            open_convention(territory, caf=other_caf)
        assert "n'est pas la CAF d'un département de l'EPCI" in exc.value.message_dict["caf"][0]

    def test_not_a_caf(self, territory):
        with pytest.raises(ValidationError) as exc:
            open_convention(territory, caf=OrganisationFactory())
        assert exc.value.message_dict["caf"] == ["L'organisation choisie n'est pas une CAF."]

    def test_local_theme_of_another_convention_is_refused(self, territory):
        local = Theme.objects.create(code="local", label="Mobilité locale", convention=ConventionFactory())
        with pytest.raises(ValidationError) as exc:
            open_convention(territory, themes=[local])
        assert "Mobilité locale" in exc.value.message_dict["themes"][0]


class TestPhaseNavigation:
    def test_next_and_previous(self):
        assert next_phase(Phase.PREPARATION) == Phase.DIAGNOSTIC
        assert next_phase(Phase.EVALUATION) == Phase.CLOSE
        assert next_phase(Phase.CLOSE) is None
        assert previous_phase(Phase.PREPARATION) is None
        assert previous_phase(Phase.PLAN) == Phase.DIAGNOSTIC
        assert previous_phase(Phase.CLOSE) is None
        assert Phase.CLOSE.label == "Clôturée"


class TestSignatories:
    @pytest.fixture
    def convention(self):
        return ConventionFactory(start_date=datetime.date(2021, 9, 6), end_date=datetime.date(2024, 12, 31))

    def test_update_fills_the_missing_signature(self, convention):
        admin = MembershipFactory(convention=convention, role=Role.ADMINISTRATEUR).user
        commune = OrganisationFactory(kind=OrganisationKind.COMMUNE, name="Commune de Bolbec")
        signatory = signatory_add(convention=convention, organisation=commune, role=SignatoryRole.COMMUNE)
        signatory_update(
            signatory=signatory,
            organisation=commune,
            role=SignatoryRole.COMMUNE,
            signed_on=datetime.date(2021, 9, 6),
            represented_by=" le Maire ",
            by=admin,
        )
        signatory.refresh_from_db()
        assert (signatory.signed_on, signatory.represented_by) == (datetime.date(2021, 9, 6), "le Maire")
        assert signatory.history.first().history_user == admin

    def test_refusals_in_french(self, convention):
        association = OrganisationFactory(name="Association des familles")
        with pytest.raises(ValidationError) as exc:
            signatory_add(
                convention=convention,
                organisation=association,
                role=SignatoryRole.CAF,
                signed_on=datetime.date(2030, 1, 1),
                represented_by="la\x07Présidente",
            )
        errors = exc.value.message_dict
        assert "Le rôle « CAF signataire » revient à une organisation de type « CAF »" in errors["organisation"][0]
        assert errors["signed_on"] == ["La date de signature ne peut pas être dans le futur."]
        assert "caractère de contrôle" in errors["represented_by"][0]
        assert not Signatory.objects.exists()

    def test_same_organisation_twice(self, convention):
        caf = convention.caf
        signatory_add(convention=convention, organisation=caf, role=SignatoryRole.CAF)
        with pytest.raises(ValidationError, match="déjà signataire"):
            signatory_add(convention=convention, organisation=caf, role=SignatoryRole.CAF)

    def test_remove_keeps_history(self, convention):
        admin = MembershipFactory(convention=convention, role=Role.ADMINISTRATEUR).user
        signatory = signatory_add(convention=convention, organisation=convention.caf, role=SignatoryRole.CAF)
        signatory_remove(signatory=signatory, by=admin)
        assert not Signatory.objects.exists()
        record = Signatory.history.first()
        assert (record.history_type, record.history_user) == ("-", admin)


class TestDocuments:
    @pytest.fixture
    def convention(self):
        return ConventionFactory(start_date=datetime.date(2021, 9, 6), end_date=datetime.date(2024, 12, 31))

    @pytest.fixture
    def admin(self, convention):
        return MembershipFactory(convention=convention, role=Role.ADMINISTRATEUR).user

    def test_signed_copy_is_stored_through_the_storage(self, convention, admin):
        content = minimal_pdf("CTG signée")
        document = document_attach(
            convention=convention,
            kind=DocumentKind.SIGNED,
            dated=datetime.date(2021, 9, 6),
            file=pdf_upload("CTG Caux Seine signée.pdf", content),
            by=admin,
        )
        assert default_storage.exists(document.file.name)
        assert document.file.name.startswith(f"conventions/{convention.pk}/")
        with default_storage.open(document.file.name, "rb") as handle:
            assert handle.read() == content
        assert (document.original_name, document.size, document.uploaded_by) == (
            "CTG Caux Seine signée.pdf",
            len(content),
            admin,
        )
        assert document.download_name == f"convention-signee-{convention.pk}.pdf"

    def test_a_new_signed_copy_replaces_the_previous_one(self, convention, admin, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            first = document_attach(
                convention=convention,
                kind=DocumentKind.SIGNED,
                dated=datetime.date(2021, 9, 6),
                file=pdf_upload(),
                by=admin,
            )
        first_name = first.file.name
        with django_capture_on_commit_callbacks(execute=True):
            second = document_attach(
                convention=convention,
                kind=DocumentKind.SIGNED,
                dated=datetime.date(2021, 9, 7),
                file=pdf_upload(),
                by=admin,
            )
        assert list(ConventionDocument.objects.values_list("pk", flat=True)) == [second.pk]
        assert not default_storage.exists(first_name)
        assert default_storage.exists(second.file.name)

    def test_avenant_says_what_it_changes(self, convention, admin):
        with pytest.raises(ValidationError) as exc:
            document_attach(
                convention=convention,
                kind=DocumentKind.AVENANT,
                dated=datetime.date(2023, 5, 2),
                file=pdf_upload(),
                by=admin,
            )
        assert "Dites ce que change l'avenant" in exc.value.message_dict["summary"][0]
        avenant = document_attach(
            convention=convention,
            kind=DocumentKind.AVENANT,
            dated=datetime.date(2023, 5, 2),
            summary="Prolonge la convention jusqu'au 31 décembre 2025.",
            file=pdf_upload("avenant 1.pdf"),
            by=admin,
        )
        assert str(avenant) == "Avenant du 02/05/2023"

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            (b"PK\x03\x04 not a pdf", "ne correspond à aucun format accepté (PDF)"),
            (b"MZ\x90\x00 a program", "Ce fichier est un programme"),
            (b"", "Le fichier est vide."),
            (minimal_pdf()[:-20], "Ce PDF est incomplet"),
            (b"Bonjour, ceci est un texte.", "ne correspond à aucun format accepté (PDF)"),
        ],
    )
    def test_only_pdf_content_is_accepted_whatever_the_name(self, convention, admin, content, message):
        with pytest.raises(ValidationError) as exc:
            document_attach(
                convention=convention,
                kind=DocumentKind.SIGNED,
                dated=datetime.date(2021, 9, 6),
                file=pdf_upload("convention.pdf", content),
                by=admin,
            )
        assert message in exc.value.message_dict["file"][0]
        assert not ConventionDocument.objects.exists()

    def test_future_date_and_missing_file(self, convention, admin):
        with time_machine.travel(datetime.datetime(2026, 11, 30, 12, tzinfo=datetime.UTC)):
            with pytest.raises(ValidationError) as exc:
                document_attach(
                    convention=convention,
                    kind=DocumentKind.SIGNED,
                    dated=datetime.date(2026, 12, 1),
                    file=None,
                    by=admin,
                )
        errors = exc.value.message_dict
        assert errors["dated"] == ["La date du document ne peut pas être dans le futur."]
        assert errors["file"] == ["Choisissez le fichier PDF à déposer."]


class TestConventionPeriod:
    def test_is_over(self):
        convention = ConventionFactory(start_date=datetime.date(2021, 9, 6), end_date=datetime.date(2024, 12, 31))
        assert not convention.is_over(datetime.date(2024, 12, 31))
        assert convention.is_over(datetime.date(2025, 1, 1))

    def test_action_planned_past_the_end_is_warned(self):
        convention = ConventionFactory(start_date=datetime.date(2021, 9, 6), end_date=datetime.date(2024, 12, 31))
        # Demo PAR-02: planned 2026-2027, past the convention's end.
        assert convention.period_overrun(start=datetime.date(2026, 1, 1), end=datetime.date(2027, 12, 31)) == (
            "Prévue à partir du 01/01/2026, après la fin de la convention (31/12/2024)."
        )
        assert convention.period_overrun(start=datetime.date(2024, 1, 1), end=datetime.date(2025, 6, 30)) == (
            "Prévue jusqu'au 30/06/2025, au-delà de la fin de la convention (31/12/2024)."
        )
        assert convention.period_overrun(start=datetime.date(2022, 1, 1), end=datetime.date(2024, 12, 31)) is None
        assert convention.period_overrun(start=None, end=None) is None


class TestConventionUpdate:
    @pytest.fixture
    def convention(self, territory):
        convention, _, _ = open_convention(territory)
        return convention

    def test_changes_period_themes_communes_in_one_history_record(self, convention, territory):
        admin = MembershipFactory(convention=convention, role=Role.ADMINISTRATEUR).user
        records = convention.history.count()
        convention_update(
            convention=convention,
            title="CTG synthétique renouvelée",
            start_date=datetime.date(2025, 1, 1),
            end_date=datetime.date(2029, 6, 30),
            themes=list(Theme.objects.reference()),
            communes=territory["communes"],
            by=admin,
        )
        convention.refresh_from_db()
        assert convention.end_date == datetime.date(2029, 6, 30)
        assert convention.communes.count() == 3 and convention.themes.count() == 7
        assert convention.history.count() == records + 1
        assert convention.history.first().history_user == admin

    def test_signature_recorded_once_sends_the_signal(self, convention, territory):
        from ctg.conventions.signals import convention_signed

        received = []

        def receiver(**kwargs):
            received.append(kwargs["convention"].signed_on)

        convention_signed.connect(receiver, dispatch_uid="test-lifecycle")
        try:
            arguments = {
                "convention": convention,
                "title": convention.title,
                "start_date": convention.start_date,
                "end_date": convention.end_date,
                "themes": [],
                "communes": [],
            }
            convention_update(**arguments, signed_on=datetime.date(2025, 2, 3))
            assert received == [datetime.date(2025, 2, 3)]
            with pytest.raises(ValidationError) as exc:
                convention_update(**arguments, signed_on=datetime.date(2025, 2, 4))
            assert "La signature est déjà enregistrée (le 03/02/2025)" in exc.value.message_dict["signed_on"][0]
        finally:
            convention_signed.disconnect(dispatch_uid="test-lifecycle")

    def test_commune_with_members_cannot_be_dropped(self, convention, territory):
        commune = territory["communes"][0]
        MembershipFactory(convention=convention, role=Role.COMMUNE, commune=commune)
        with pytest.raises(ValidationError) as exc:
            convention_update(
                convention=convention,
                title=convention.title,
                start_date=convention.start_date,
                end_date=convention.end_date,
                themes=[],
                communes=[],
            )
        assert f"représentent ces communes : {commune.name}" in exc.value.message_dict["communes"][0]
        assert convention.communes.count() == 2

    def test_overlap_with_another_convention_but_not_itself(self, convention, territory):
        ConventionFactory(
            epci=territory["epci"], start_date=datetime.date(2029, 1, 1), end_date=datetime.date(2032, 12, 31)
        )
        with pytest.raises(ValidationError) as exc:
            convention_update(
                convention=convention,
                title=convention.title,
                start_date=convention.start_date,
                end_date=datetime.date(2029, 6, 30),
                themes=[],
                communes=territory["communes"][:2],
            )
        assert "couvre déjà une partie de cette période" in exc.value.message_dict["start_date"][0]


def test_signed_copy_records_the_signature_once():
    convention = ConventionFactory(signed_on=None, end_date=datetime.date(2024, 12, 31))
    admin = MembershipFactory(convention=convention, role=Role.ADMINISTRATEUR).user
    document_attach(
        convention=convention, kind=DocumentKind.SIGNED, dated=datetime.date(2022, 3, 4), file=pdf_upload(), by=admin
    )
    convention.refresh_from_db()
    assert convention.signed_on == datetime.date(2022, 3, 4)
    document_attach(
        convention=convention, kind=DocumentKind.SIGNED, dated=datetime.date(2022, 3, 5), file=pdf_upload(), by=admin
    )
    convention.refresh_from_db()
    assert convention.signed_on == datetime.date(2022, 3, 4)
