import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from ctg.accounts.enums import Role
from ctg.conventions.enums import Phase, SignatoryRole
from ctg.conventions.models import Convention, PhaseChange, Signatory
from ctg.diagnostic.enums import EnjeuStatus
from ctg.diagnostic.models import Enjeu
from ctg.plans.enums import ActionStatus
from ctg.plans.models import Action
from ctg.steering import services
from ctg.steering.enums import TACIT_LABEL, DecisionSubject, MeetingState, OutcomeKind, Side, Verdict
from ctg.steering.models import FollowUp, Meeting, MinutesVersion, Outcome
from ctg.steering.rules import minutes_reading
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.conventions.factories import ConventionFactory
from tests.diagnostic.factories import EnjeuFactory
from tests.organisations.factories import OrganisationFactory
from tests.plans.factories import ActionFactory, FundingLineFactory, IndicatorFactory
from tests.steering.factories import PARIS, AgendaItemFactory, BodyFactory, MeetingFactory

pytestmark = pytest.mark.django_db

# The meeting of the factories is on 12 March 2024 at 14:00 (Paris); these tests run on 20 March 2024.
TODAY = datetime.datetime(2024, 3, 20, 10, 0, tzinfo=PARIS)


@pytest.fixture
def on_20_march_2024():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def coordinator():
    return UserFactory(first_name="Camille", last_name="Fictive")


@pytest.fixture
def convention(coordinator):
    convention = ConventionFactory(phase=Phase.PLAN)
    MembershipFactory(convention=convention, user=coordinator, role=Role.ADMINISTRATEUR)
    for role in (SignatoryRole.CAF, SignatoryRole.EPCI):
        Signatory.objects.create(convention=convention, organisation=OrganisationFactory(), role=role)
    return convention


@pytest.fixture
def held(convention):
    """A COPIL meeting of the convention, held, with one agenda item."""
    meeting = MeetingFactory(body=BodyFactory(convention=convention), state=MeetingState.TENUE)
    AgendaItemFactory(meeting=meeting, title="Avancement du plan")
    return meeting


def _last(obj):
    """The latest history record of obj (by id: the fixtures are built at the real date, the tests at another)."""
    return obj.history.order_by("-history_id").first()


def _decide(meeting, by, **arguments):
    item = meeting.agenda_items.first()
    return services.outcome_create(
        agenda_item=item, kind=OutcomeKind.DECISION, text="Le COPIL décide.", by=by, **arguments
    )


@pytest.mark.usefixtures("on_20_march_2024")
class TestTransitions:
    def test_each_step_through_the_service_with_history(self, convention, coordinator):
        meeting = MeetingFactory(body=BodyFactory(convention=convention))
        item = AgendaItemFactory(meeting=meeting)
        services.meeting_transition(meeting=meeting, state=MeetingState.TENUE, by=coordinator)
        services.minutes_save(meeting=meeting, texts={item.pk: "Le point a été présenté."}, by=coordinator)
        services.meeting_transition(meeting=meeting, state=MeetingState.CR_ENVOYE, by=coordinator)
        services.meeting_transition(meeting=meeting, state=MeetingState.CR_APPROUVE, by=coordinator)
        meeting.refresh_from_db()
        assert meeting.state == MeetingState.CR_APPROUVE
        states = list(meeting.history.order_by("history_date", "history_id").values_list("state", "history_user"))
        assert states == [
            (MeetingState.PREPAREE, None),
            (MeetingState.TENUE, coordinator.pk),
            (MeetingState.CR_ENVOYE, coordinator.pk),
            (MeetingState.CR_APPROUVE, coordinator.pk),
        ]
        version = MinutesVersion.objects.get(meeting=meeting)
        assert (version.sent_on, version.approved_on) == (datetime.date(2024, 3, 20), datetime.date(2024, 3, 20))

    def test_skipping_a_step_is_refused_in_french(self, convention, coordinator):
        meeting = MeetingFactory(body=BodyFactory(convention=convention))
        with pytest.raises(ValidationError) as refused:
            services.meeting_transition(meeting=meeting, state=MeetingState.CR_ENVOYE, by=coordinator)
        assert refused.value.messages == [
            "Passage de « Préparée » à « Compte rendu envoyé » impossible. Étape suivante possible : « Tenue »."
        ]
        meeting.refresh_from_db()
        assert meeting.state == MeetingState.PREPAREE
        assert meeting.history.count() == 1

    def test_a_future_meeting_cannot_be_held(self, convention, coordinator):
        meeting = MeetingFactory(
            body=BodyFactory(convention=convention), starts_at=datetime.datetime(2024, 4, 2, 9, 30, tzinfo=PARIS)
        )
        with pytest.raises(ValidationError, match="prévue le 02/04/2024"):
            services.meeting_transition(meeting=meeting, state=MeetingState.TENUE, by=coordinator)

    def test_empty_minutes_are_not_sent(self, held, coordinator):
        with pytest.raises(ValidationError, match="Le compte rendu est vide"):
            services.meeting_transition(meeting=held, state=MeetingState.CR_ENVOYE, by=coordinator)
        assert Meeting.objects.get(pk=held.pk).state == MeetingState.TENUE

    def test_the_approved_state_is_final(self, held, coordinator):
        held.state = MeetingState.CR_APPROUVE
        held.save()
        with pytest.raises(ValidationError, match="déjà à l'état « Compte rendu approuvé »"):
            services.meeting_transition(meeting=held, state=MeetingState.CR_APPROUVE, by=coordinator)
        with pytest.raises(ValidationError, match="impossible"):
            services.meeting_transition(meeting=held, state=MeetingState.TENUE, by=coordinator)


@pytest.mark.usefixtures("on_20_march_2024")
class TestDecisions:
    def test_adopting_the_plan_moves_the_phase_with_the_decision_reason(self, held, convention, coordinator):
        outcome = _decide(held, coordinator, subject=DecisionSubject.ADOPT_PLAN)
        convention.refresh_from_db()
        assert convention.phase == Phase.MISE_EN_OEUVRE
        record = _last(convention)
        assert record.phase == Phase.MISE_EN_OEUVRE
        assert record.history_change_reason == "décision du COPIL du 12/03/2024"
        assert record.history_user == coordinator
        assert outcome.subject == DecisionSubject.ADOPT_PLAN
        change = PhaseChange.objects.get(convention=convention)
        assert (change.from_phase, change.to_phase, change.reason, change.changed_by) == (
            Phase.PLAN,
            Phase.MISE_EN_OEUVRE,
            "décision du COPIL du 12/03/2024",
            coordinator,
        )

    def test_an_invalid_adoption_is_refused_and_changes_nothing(self, held, convention, coordinator):
        Convention.objects.filter(pk=convention.pk).update(phase=Phase.DIAGNOSTIC)
        history_before = convention.history.count()
        with pytest.raises(ValidationError) as refused:
            _decide(held, coordinator, subject=DecisionSubject.ADOPT_PLAN)
        assert refused.value.messages == [
            "La décision n'est pas enregistrée : rien n'a été modifié.",
            "Passage de « Diagnostic partagé » à « Mise en œuvre et pilotage » impossible. Phases possibles : "
            "« Plan d'actions », « Préparation ».",
        ]
        convention.refresh_from_db()
        assert convention.phase == Phase.DIAGNOSTIC
        assert convention.history.count() == history_before
        assert not PhaseChange.objects.exists()
        assert not Outcome.objects.exists()

    def test_validating_the_enjeux_validates_them_and_moves_diagnostic_to_plan(self, held, convention, coordinator):
        Convention.objects.filter(pk=convention.pk).update(phase=Phase.DIAGNOSTIC)
        enjeux = [EnjeuFactory(convention=convention), EnjeuFactory(convention=convention)]
        _decide(held, coordinator, subject=DecisionSubject.VALIDATE_ENJEUX, enjeux=enjeux)
        convention.refresh_from_db()
        assert convention.phase == Phase.PLAN
        for enjeu in Enjeu.objects.filter(pk__in=[e.pk for e in enjeux]):
            assert (enjeu.status, enjeu.validated_on) == (EnjeuStatus.VALIDE, datetime.date(2024, 3, 12))
            assert _last(enjeu).history_change_reason == "décision du COPIL du 12/03/2024"

    def test_validating_the_enjeux_in_preparation_is_refused_and_leaves_them_proposed(
        self, held, convention, coordinator
    ):
        Convention.objects.filter(pk=convention.pk).update(phase=Phase.PREPARATION)
        enjeu = EnjeuFactory(convention=convention)
        with pytest.raises(ValidationError, match="Passage de « Préparation » à « Plan d'actions » impossible"):
            _decide(held, coordinator, subject=DecisionSubject.VALIDATE_ENJEUX, enjeux=[enjeu])
        enjeu.refresh_from_db()
        assert enjeu.status == EnjeuStatus.PROPOSE
        assert Convention.objects.get(pk=convention.pk).phase == Phase.PREPARATION

    def test_changing_an_action_status_writes_history_with_the_decision_reason(self, held, convention, coordinator):
        action = ActionFactory(convention=convention, status=ActionStatus.A_VENIR)
        _decide(
            held, coordinator, subject=DecisionSubject.ACTION_STATUS, action=action, new_status=ActionStatus.EN_COURS
        )
        action = Action.objects.get(pk=action.pk)
        assert action.status == ActionStatus.EN_COURS
        record = _last(action)
        assert (record.status, record.history_change_reason, record.history_user) == (
            ActionStatus.EN_COURS,
            "décision du COPIL du 12/03/2024",
            coordinator,
        )
        assert [r.status for r in action.history.order_by("history_id")] == [
            ActionStatus.A_VENIR,
            ActionStatus.EN_COURS,
        ]

    def test_an_action_of_another_convention_is_refused(self, held, coordinator):
        foreign = ActionFactory()
        with pytest.raises(ValidationError) as refused:
            _decide(held, coordinator, subject=DecisionSubject.ACTION_STATUS, action=foreign, new_status="realisee")
        assert refused.value.message_dict == {"action": ["Cette action n'appartient pas à cette convention."]}
        assert Action.objects.get(pk=foreign.pk).status == ActionStatus.A_VENIR

    def test_accepting_a_funding_line_grants_it_on_the_meeting_date(self, held, convention, coordinator):
        line = FundingLineFactory(action=ActionFactory(convention=convention), amount_requested=Decimal("5000"))
        _decide(
            held,
            coordinator,
            subject=DecisionSubject.ACCEPT_FUNDING,
            funding_line=line,
            amount_granted=Decimal("4500"),
        )
        line.refresh_from_db()
        assert (line.amount_granted, line.granted_on) == (Decimal("4500.00"), datetime.date(2024, 3, 12))

    def test_setting_a_target(self, held, convention, coordinator):
        indicator = IndicatorFactory(action=ActionFactory(convention=convention))
        _decide(
            held,
            coordinator,
            subject=DecisionSubject.SET_TARGET,
            indicator=indicator,
            target_date=datetime.date(2025, 12, 31),
            target_value=Decimal("50"),
        )
        target = indicator.targets.get()
        assert (target.date, target.value) == (datetime.date(2025, 12, 31), Decimal("50.000"))
        assert target.history.get().history_change_reason == "décision du COPIL du 12/03/2024"

    def test_a_decision_names_what_it_decides(self, held, coordinator):
        with pytest.raises(ValidationError) as refused:
            _decide(held, coordinator, subject=DecisionSubject.ACTION_STATUS)
        assert refused.value.message_dict == {
            "action": ["Choisissez l'action concernée."],
            "new_status": ["Choisissez le nouveau statut de l'action."],
        }

    def test_outcomes_wait_until_the_meeting_is_held(self, convention, coordinator):
        item = AgendaItemFactory(meeting=MeetingFactory(body=BodyFactory(convention=convention)))
        with pytest.raises(ValidationError, match="une fois la réunion tenue"):
            services.outcome_create(
                agenda_item=item, kind=OutcomeKind.INFORMATION, text="Point d'étape.", by=coordinator
            )

    def test_a_task_opens_a_follow_up(self, held, convention, coordinator):
        item = held.agenda_items.get()
        outcome = services.outcome_create(
            agenda_item=item,
            kind=OutcomeKind.TASK,
            text="Recenser les places d'accueil.",
            assignee=coordinator,
            due_date=datetime.date(2024, 5, 1),
            by=coordinator,
        )
        follow_up = FollowUp.objects.get(outcome=outcome)
        assert (follow_up.convention, follow_up.assignee, follow_up.due_date) == (
            convention,
            coordinator,
            datetime.date(2024, 5, 1),
        )
        services.follow_up_set_done(follow_up=follow_up, done_on=datetime.date(2024, 3, 19), by=coordinator)
        assert FollowUp.objects.open().count() == 0
        with pytest.raises(ValidationError) as refused:
            services.outcome_create(
                agenda_item=item, kind=OutcomeKind.TASK, text="Autre tâche.", assignee=UserFactory(), by=coordinator
            )
        assert refused.value.message_dict == {"assignee": ["Cette personne n'a pas de rôle sur cette convention."]}


@pytest.mark.usefixtures("on_20_march_2024")
class TestAgenda:
    def test_an_item_links_an_object_of_the_same_convention_only(self, convention, coordinator):
        meeting = MeetingFactory(body=BodyFactory(convention=convention))
        own = ActionFactory(convention=convention)
        item = services.agenda_item_create(meeting=meeting, title="Fiche", action=own, by=coordinator)
        assert (item.action, item.order) == (own, 1)
        with pytest.raises(ValidationError) as refused:
            services.agenda_item_create(meeting=meeting, title="Autre", enjeu=EnjeuFactory(), by=coordinator)
        assert refused.value.message_dict == {"enjeu": ["Cet objet n'appartient pas à cette convention."]}
        with pytest.raises(ValidationError, match="un seul objet"):
            services.agenda_item_create(
                meeting=meeting, title="Deux", action=own, enjeu=EnjeuFactory(convention=convention), by=coordinator
            )
        assert meeting.agenda_items.count() == 1


def _send(meeting, by):
    item = meeting.agenda_items.first()
    services.minutes_save(meeting=meeting, texts={item.pk: "Texte du compte rendu."}, by=by)
    services.meeting_transition(meeting=meeting, state=MeetingState.CR_ENVOYE, by=by)


def _reading(meeting):
    meeting = Meeting.objects.get(pk=meeting.pk)
    version = services.current_version(meeting)
    observation = version.approvals.filter(verdict=Verdict.OBSERVATION).exists()
    return minutes_reading(meeting, version, has_observation=observation, today=timezone.localdate())


class TestMinutesApproval:
    def test_tacit_approval_after_the_delay(self, held, coordinator):
        with time_machine.travel(datetime.datetime(2024, 3, 14, 9, 0, tzinfo=PARIS), tick=False):
            _send(held, coordinator)
        with time_machine.travel(datetime.datetime(2024, 3, 23, 23, 59, tzinfo=PARIS), tick=False):
            reading = _reading(held)
            assert (reading.state, reading.tacit) == (MeetingState.CR_ENVOYE, False)
            assert reading.label == "Compte rendu envoyé le 14/03/2024 : approuvé sans observation le 24/03/2024"
        with time_machine.travel(datetime.datetime(2024, 3, 24, 0, 1, tzinfo=PARIS), tick=False):
            reading = _reading(held)
            assert (reading.state, reading.tacit, reading.label) == (MeetingState.CR_APPROUVE, True, TACIT_LABEL)
            assert TACIT_LABEL == "Compte rendu approuvé (sans observation)"
            with pytest.raises(ValidationError, match="délai d'observation est écoulé"):
                services.minutes_answer(meeting=held, side=Side.CAF, verdict=Verdict.APPROUVE, by=coordinator)

    @override_settings(STEERING_TACIT_APPROVAL_DAYS=3)
    def test_the_delay_is_a_setting(self, held, coordinator):
        with time_machine.travel(datetime.datetime(2024, 3, 14, 9, 0, tzinfo=PARIS), tick=False):
            _send(held, coordinator)
        with time_machine.travel(datetime.datetime(2024, 3, 17, 9, 0, tzinfo=PARIS), tick=False):
            assert _reading(held).tacit

    def test_an_observation_prevents_tacit_approval(self, held, coordinator):
        with time_machine.travel(datetime.datetime(2024, 3, 14, 9, 0, tzinfo=PARIS), tick=False):
            _send(held, coordinator)
            services.minutes_answer(
                meeting=held, side=Side.CAF, verdict=Verdict.OBSERVATION, comment="Point 1 à préciser.", by=coordinator
            )
        with time_machine.travel(datetime.datetime(2024, 4, 30, 9, 0, tzinfo=PARIS), tick=False):
            reading = _reading(held)
            assert (reading.state, reading.tacit) == (MeetingState.CR_ENVOYE, False)
            assert reading.label == "Compte rendu envoyé le 14/03/2024 : observations reçues"

    @pytest.mark.usefixtures("on_20_march_2024")
    def test_approved_when_every_signatory_side_approves(self, held, coordinator):
        _send(held, coordinator)
        services.minutes_answer(meeting=held, side=Side.CAF, verdict=Verdict.APPROUVE, by=coordinator)
        assert Meeting.objects.get(pk=held.pk).state == MeetingState.CR_ENVOYE
        with pytest.raises(ValidationError, match="a déjà répondu"):
            services.minutes_answer(meeting=held, side=Side.CAF, verdict=Verdict.APPROUVE, by=coordinator)
        with pytest.raises(ValidationError) as refused:
            services.minutes_answer(meeting=held, side=Side.COMMUNE, verdict=Verdict.APPROUVE, by=coordinator)
        assert refused.value.message_dict == {"side": ["Ce collège n'est pas signataire de la convention."]}
        services.minutes_answer(meeting=held, side=Side.EPCI, verdict=Verdict.APPROUVE, by=coordinator)
        assert Meeting.objects.get(pk=held.pk).state == MeetingState.CR_APPROUVE
        assert services.current_version(held).approved_on == datetime.date(2024, 3, 20)

    def test_approved_minutes_are_frozen_and_a_correction_is_a_new_version(self, held, coordinator):
        item = held.agenda_items.get()
        with time_machine.travel(datetime.datetime(2024, 3, 14, 9, 0, tzinfo=PARIS), tick=False):
            _send(held, coordinator)
            services.meeting_transition(meeting=held, state=MeetingState.CR_APPROUVE, by=coordinator)
        with time_machine.travel(datetime.datetime(2024, 4, 2, 9, 0, tzinfo=PARIS), tick=False):
            version = services.minutes_save(meeting=held, texts={item.pk: "Texte corrigé."}, by=coordinator)
        assert version.number == 2
        first, second = MinutesVersion.objects.filter(meeting=held).order_by("number")
        assert [e.text for e in first.entries.all()] == ["Texte du compte rendu."]
        assert (first.sent_on, first.approved_on) == (datetime.date(2024, 3, 14), datetime.date(2024, 3, 14))
        assert [e.text for e in second.entries.all()] == ["Texte corrigé."]
        assert (second.sent_on, second.approved_on) == (None, None)
        held.refresh_from_db()
        assert held.state == MeetingState.TENUE
        assert _last(held).history_change_reason == "compte rendu corrigé (version 2)"

    @pytest.mark.usefixtures("on_20_march_2024")
    def test_saving_the_same_text_creates_no_version(self, held, coordinator):
        _send(held, coordinator)
        item = held.agenda_items.get()
        services.minutes_save(meeting=held, texts={item.pk: "Texte du compte rendu."}, by=coordinator)
        assert MinutesVersion.objects.filter(meeting=held).count() == 1
        assert Meeting.objects.get(pk=held.pk).state == MeetingState.CR_ENVOYE
