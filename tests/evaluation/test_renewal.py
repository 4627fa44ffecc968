"""Preparing the convention that follows an ending one: what is carried over, and nothing else."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from ctg.accounts.models import Membership
from ctg.conventions.enums import Phase, SignatoryRole
from ctg.conventions.models import Convention, Signatory, Theme
from ctg.diagnostic.enums import EnjeuStatus
from ctg.diagnostic.models import Enjeu
from ctg.evaluation.models import CarriedAction, CarriedEnjeu, CarriedIndicator, Renewal
from ctg.evaluation.services import convention_renew, renewal_default_period
from ctg.plans.enums import ActionStatus, BaselineState
from ctg.plans.models import Action, FollowUpIndicator, IndicatorMeasure, IndicatorTarget
from tests.accounts.factories import MembershipFactory
from tests.conventions.factories import ConventionFactory
from tests.diagnostic.factories import EnjeuFactory
from tests.diagnostic.factories import ThemeFactory as LocalThemeFactory
from tests.organisations.factories import OrganisationFactory
from tests.plans.factories import (
    ActionFactory,
    FundingLineFactory,
    IndicatorFactory,
    MeasureFactory,
    MilestoneFactory,
    ObjectiveFactory,
    TargetFactory,
)
from tests.territories.factories import CommuneFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.datetime(2025, 10, 1, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def old():
    convention = ConventionFactory(phase=Phase.EVALUATION)
    communes = [CommuneFactory(epci=convention.epci, name=f"Commune {n}") for n in range(3)]
    convention.communes.set(communes[:2])
    reference = Theme.objects.get(code="petite-enfance", convention=None)
    local = LocalThemeFactory(convention=convention, code="mobilite", label="Mobilité")
    convention.themes.set([reference, local])
    admin = MembershipFactory(convention=convention, role="administrateur").user
    reader = MembershipFactory(convention=convention, role="lecteur").user
    commune_member = MembershipFactory(convention=convention, role="commune", commune=communes[1]).user
    epci_org = OrganisationFactory(name="EPCI signataire")
    commune_org = OrganisationFactory(name="Mairie 1", commune=communes[1])
    Signatory.objects.create(
        convention=convention, organisation=convention.caf, role=SignatoryRole.CAF, signed_on=datetime.date(2022, 3, 1)
    )
    Signatory.objects.create(convention=convention, organisation=epci_org, role=SignatoryRole.EPCI)
    Signatory.objects.create(convention=convention, organisation=commune_org, role=SignatoryRole.COMMUNE)
    validated = EnjeuFactory(
        convention=convention,
        theme=local,
        title="Mobilité des familles",
        status=EnjeuStatus.VALIDE,
        validated_on=datetime.date(2022, 2, 1),
    )
    proposed = EnjeuFactory(convention=convention, theme=reference, title="Accueil du jeune enfant")
    objective = ObjectiveFactory(convention=convention, theme=reference)
    unfinished = ActionFactory(
        convention=convention,
        code="A1",
        status=ActionStatus.EN_COURS,
        pilot_user=admin,
        actual_start=datetime.date(2022, 5, 1),
    )
    unfinished.themes.set([local])
    unfinished.objectives.set([objective])
    unfinished.communes.set(communes[:2])
    measured = IndicatorFactory(action=unfinished, code="I1", baseline_value=Decimal("10"))
    MeasureFactory(indicator=measured, date=datetime.date(2023, 12, 31), value=Decimal("14"))
    MeasureFactory(indicator=measured, date=datetime.date(2024, 12, 31), value=Decimal("17"))
    MeasureFactory(indicator=measured, date=datetime.date(2022, 12, 31), value=Decimal("12"))
    TargetFactory(indicator=measured)
    unmeasured = IndicatorFactory(action=unfinished, code="I2")
    MilestoneFactory(action=unfinished)
    FundingLineFactory(action=unfinished)
    done = ActionFactory(convention=convention, code="A2", status=ActionStatus.REALISEE)
    IndicatorFactory(action=done, code="I3")
    return {
        "convention": convention,
        "communes": communes,
        "admin": admin,
        "reader": reader,
        "commune_member": commune_member,
        "enjeux": [validated, proposed],
        "unfinished": unfinished,
        "done": done,
        "measured": measured,
        "unmeasured": unmeasured,
        "local": local,
        "reference": reference,
    }


def renew(old, *, actions=None, communes=None, **overrides):
    convention = old["convention"]
    start, end = renewal_default_period(convention)
    arguments = {
        "predecessor": convention,
        "title": "CTG suivante",
        "start_date": start,
        "end_date": end,
        "communes": communes if communes is not None else [old["communes"][0], old["communes"][2]],
        "actions": actions if actions is not None else [old["unfinished"]],
        "by": old["admin"],
        **overrides,
    }
    return convention_renew(**arguments)


def test_the_default_period_is_the_next_four_years():
    convention = ConventionFactory.build(start_date=datetime.date(2021, 1, 1), end_date=datetime.date(2024, 12, 31))
    assert renewal_default_period(convention) == (datetime.date(2025, 1, 1), datetime.date(2028, 12, 31))


def test_renewal_copies_parties_territory_themes_and_enjeux_as_proposals(old):
    renewal = renew(old)
    new = renewal.successor
    assert new.previous == old["convention"] and new.phase == Phase.PREPARATION
    assert (new.epci, new.caf) == (old["convention"].epci, old["convention"].caf)
    assert (new.start_date, new.end_date) == (datetime.date(2026, 1, 1), datetime.date(2029, 12, 31))
    # Communes: one kept, one removed, one added.
    assert set(new.communes.all()) == {old["communes"][0], old["communes"][2]}
    assert renewal.carried["communes_retirees"] == ["Commune 1"]
    assert renewal.carried["communes_ajoutees"] == ["Commune 2"]
    # Themes: the reference theme shared, the local theme copied into the successor.
    themes = list(new.themes.order_by("label"))
    assert [t.label for t in themes] == ["Mobilité", "Petite enfance"]
    local_copy = next(t for t in themes if t.label == "Mobilité")
    assert local_copy.convention == new and local_copy.pk != old["local"].pk
    assert old["reference"] in themes
    # Signatories without a signature date; the removed commune's signatory is left out and said so.
    signatories = {(s.organisation.name, s.role, s.signed_on) for s in new.signatories.select_related("organisation")}
    assert signatories == {
        (old["convention"].caf.name, SignatoryRole.CAF, None),
        ("EPCI signataire", SignatoryRole.EPCI, None),
    }
    assert any("Mairie 1" in line for line in renewal.carried["non_repris"])
    # Members: same roles; the member of the removed commune is left out.
    members = set(Membership.objects.filter(convention=new).values_list("user", "role"))
    assert members == {(old["admin"].pk, "administrateur"), (old["reader"].pk, "lecteur")}
    # Every enjeu copied as a proposal, linked to its origin.
    copies = Enjeu.objects.filter(convention=new).order_by("title")
    assert [(e.title, e.status, e.validated_on) for e in copies] == [
        ("Accueil du jeune enfant", EnjeuStatus.PROPOSE, None),
        ("Mobilité des familles", EnjeuStatus.PROPOSE, None),
    ]
    assert copies[1].theme == local_copy
    assert {(c.origin, c.copy) for c in CarriedEnjeu.objects.all()} == {
        (old["enjeux"][1], copies[0]),
        (old["enjeux"][0], copies[1]),
    }
    # The predecessor is left as it was.
    assert Enjeu.objects.get(pk=old["enjeux"][0].pk).status == EnjeuStatus.VALIDE
    assert Signatory.objects.filter(convention=old["convention"]).count() == 3


def test_chosen_actions_are_carried_with_the_latest_measure_as_baseline_and_nothing_else(old):
    renewal = renew(old)
    new = renewal.successor
    assert list(Action.objects.filter(convention=new).values_list("code", flat=True)) == ["A1"]
    copy = Action.objects.get(convention=new)
    assert copy.carried_from.origin == old["unfinished"]
    assert (copy.status, copy.actual_start, copy.planned_start, copy.pilot_user) == (
        ActionStatus.A_VENIR,
        None,
        None,
        old["admin"],
    )
    assert list(copy.themes.all()) == [new.themes.get(label="Mobilité")]
    assert list(copy.communes.all()) == [old["communes"][0]]
    assert not copy.objectives.exists() and not copy.milestones.exists() and not copy.funding_lines.exists()
    indicators = {i.code: i for i in FollowUpIndicator.objects.filter(convention=new)}
    assert set(indicators) == {"I1", "I2"}
    assert (indicators["I1"].baseline_state, indicators["I1"].baseline_value, indicators["I1"].baseline_date) == (
        BaselineState.RENSEIGNEE,
        Decimal("17"),
        datetime.date(2024, 12, 31),
    )
    assert (indicators["I2"].baseline_state, indicators["I2"].baseline_value) == (BaselineState.A_RENSEIGNER, None)
    link = CarriedIndicator.objects.get(copy=indicators["I1"])
    assert link.origin == old["measured"] and link.baseline_measure.value == Decimal("17")
    assert not IndicatorMeasure.objects.filter(indicator__convention=new).exists()
    assert not IndicatorTarget.objects.filter(indicator__convention=new).exists()
    # The finished action was not chosen: not carried.
    assert not CarriedAction.objects.filter(origin=old["done"]).exists()


def test_an_action_is_carried_over_once_only(old):
    renew(old)
    with pytest.raises(ValidationError) as exc:
        renew(old, title="Une seconde suivante")
    assert "déjà été préparée" in str(exc.value)
    # Even when the successor link was cut, the action itself refuses a second carry-over.
    Convention.objects.filter(previous=old["convention"]).update(previous=None)
    with pytest.raises(ValidationError) as exc:
        renew(
            old,
            start_date=datetime.date(2030, 1, 1),
            end_date=datetime.date(2033, 12, 31),
            title="Une seconde suivante",
        )
    assert "a déjà été reprise dans la convention « CTG suivante »" in str(exc.value)
    assert Convention.objects.filter(title="Une seconde suivante").count() == 0
    assert Renewal.objects.count() == 1


def test_a_refusal_leaves_nothing_half_created(old):
    foreign = ActionFactory()
    count = Convention.objects.count()
    with pytest.raises(ValidationError) as exc:
        renew(old, actions=[old["unfinished"], foreign])
    assert "ne sont pas des fiches de la convention" in str(exc.value)
    with pytest.raises(ValidationError):
        renew(old, end_date=datetime.date(2025, 6, 1))
    assert Convention.objects.count() == count
    assert not Renewal.objects.exists() and not Enjeu.objects.exclude(convention=old["convention"]).exists()


def test_a_convention_far_from_its_end_is_not_renewed_yet(old):
    convention = old["convention"]
    Convention.objects.filter(pk=convention.pk).update(
        phase=Phase.MISE_EN_OEUVRE, end_date=datetime.date(2027, 12, 31)
    )
    convention.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        renew(old)
    assert "dernière année" in str(exc.value)
