import datetime

import pytest
from django.core.exceptions import ValidationError

from ctg.accounts.enums import Role, SecurityEventKind
from ctg.accounts.models import SecurityEvent
from ctg.conventions.enums import Phase
from ctg.conventions.models import PhaseChange
from ctg.conventions.services import (
    convention_change_phase,
    convention_create,
    convention_set_communes,
    convention_set_public,
)
from tests.accounts.factories import MembershipFactory
from tests.conventions.factories import ConventionFactory
from tests.organisations.factories import OrganisationFactory
from tests.territories.factories import CommuneFactory, EpciFactory

pytestmark = pytest.mark.django_db


class TestPhaseTransitions:
    def test_forward_one_step(self):
        convention = ConventionFactory(phase=Phase.PREPARATION)
        convention_change_phase(convention=convention, phase=Phase.DIAGNOSTIC)
        convention.refresh_from_db()
        assert convention.phase == Phase.DIAGNOSTIC
        assert convention.history.first().phase == Phase.DIAGNOSTIC

    def test_skipping_a_phase_is_refused_in_french(self):
        convention = ConventionFactory(phase=Phase.PREPARATION)
        with pytest.raises(ValidationError) as exc:
            convention_change_phase(convention=convention, phase=Phase.EVALUATION)
        assert "Passage de « Préparation » à « Évaluation » impossible" in exc.value.messages[0]
        convention.refresh_from_db()
        assert convention.phase == Phase.PREPARATION

    def test_closed_convention_stays_closed(self):
        convention = ConventionFactory(phase=Phase.CLOSE)
        with pytest.raises(ValidationError, match="clôturée ne change plus"):
            convention_change_phase(convention=convention, phase=Phase.EVALUATION)

    def test_unknown_phase(self):
        convention = ConventionFactory()
        with pytest.raises(ValidationError, match="Phase inconnue"):
            convention_change_phase(convention=convention, phase="signature")

    def test_same_phase(self):
        convention = ConventionFactory(phase=Phase.PLAN)
        with pytest.raises(ValidationError, match="déjà en phase"):
            convention_change_phase(convention=convention, phase=Phase.PLAN)

    def test_step_back_for_correction_needs_a_reason_kept_in_the_history(self):
        convention = ConventionFactory(phase=Phase.PLAN)
        admin = MembershipFactory(convention=convention, role=Role.ADMINISTRATEUR).user
        with pytest.raises(ValidationError) as exc:
            convention_change_phase(convention=convention, phase=Phase.DIAGNOSTIC, reason="  ", by=admin)
        assert "Indiquez pourquoi la convention revient en phase « Diagnostic partagé »" in exc.value.messages[0]
        convention.refresh_from_db()
        assert convention.phase == Phase.PLAN
        assert not PhaseChange.objects.exists()

        reason = "Le diagnostic de la petite enfance n'était pas validé par le comité de pilotage du 12 mars."
        convention_change_phase(convention=convention, phase=Phase.DIAGNOSTIC, reason=reason, by=admin)
        convention.refresh_from_db()
        assert convention.phase == Phase.DIAGNOSTIC
        change = PhaseChange.objects.get()
        assert (change.from_phase, change.to_phase, change.reason, change.changed_by) == (
            Phase.PLAN,
            Phase.DIAGNOSTIC,
            reason,
            admin,
        )
        assert change.is_backwards
        record = convention.history.first()
        assert record.history_user == admin
        assert record.history_change_reason == reason[:100]

    def test_forward_move_is_recorded_without_reason(self):
        convention = ConventionFactory(phase=Phase.PREPARATION)
        convention_change_phase(convention=convention, phase=Phase.DIAGNOSTIC)
        change = PhaseChange.objects.get()
        assert (change.from_phase, change.to_phase, change.reason, change.is_backwards) == (
            Phase.PREPARATION,
            Phase.DIAGNOSTIC,
            "",
            False,
        )


class TestScopeCommunes:
    def test_communes_outside_the_epci_are_refused(self):
        convention = ConventionFactory()
        inside = CommuneFactory(epci=convention.epci)
        outside = CommuneFactory(epci=EpciFactory(), name="Ailleurs")
        with pytest.raises(ValidationError) as exc:
            convention_set_communes(convention=convention, communes=[inside, outside])
        assert f"Ailleurs ({outside.code})" in exc.value.messages[0]
        assert convention.communes.count() == 0

    def test_communes_of_the_epci_are_accepted(self):
        convention = ConventionFactory()
        communes = CommuneFactory.create_batch(3, epci=convention.epci)
        convention_set_communes(convention=convention, communes=communes)
        assert convention.communes.count() == 3


class TestCreate:
    def test_caf_must_be_a_caf(self):
        with pytest.raises(ValidationError, match="n'est pas une CAF"):
            convention_create(
                title="CTG",
                epci=EpciFactory(),
                caf=OrganisationFactory(),
                start_date=datetime.date(2022, 1, 1),
                end_date=datetime.date(2025, 12, 31),
            )

    def test_end_after_start(self):
        with pytest.raises(ValidationError, match="date de fin"):
            convention_create(
                title="CTG",
                epci=EpciFactory(),
                caf=OrganisationFactory(caf=True),
                start_date=datetime.date(2022, 1, 1),
                end_date=datetime.date(2021, 12, 31),
            )


class TestPublication:
    def test_publication_toggle_is_journaled(self):
        admin = MembershipFactory(role=Role.ADMINISTRATEUR)
        convention = convention_set_public(convention=admin.convention, is_public=True, by=admin.user)
        assert convention.is_public
        assert convention.history.first().history_user == admin.user
        assert SecurityEvent.objects.filter(kind=SecurityEventKind.PUBLICATION_CHANGED).count() == 1

    def test_unchanged_publication_writes_nothing(self):
        admin = MembershipFactory(role=Role.ADMINISTRATEUR)
        convention = convention_set_public(convention=admin.convention, is_public=False, by=admin.user)
        assert not convention.is_public
        assert not SecurityEvent.objects.filter(kind=SecurityEventKind.PUBLICATION_CHANGED).exists()
