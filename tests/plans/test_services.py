import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from ctg.accounts.enums import Role
from ctg.plans import services
from ctg.plans.enums import ActionStatus, BaselineState, FundingNature, FundingScheme
from ctg.plans.history import activity
from ctg.plans.models import Action, FundingLine
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.conventions.factories import ConventionFactory
from tests.organisations.factories import OrganisationFactory
from tests.plans.factories import (
    ActionFactory,
    FundingLineFactory,
    IndicatorFactory,
    MeasureFactory,
    MilestoneFactory,
    ObjectiveFactory,
    TargetFactory,
    ThemeFactory,
)
from tests.territories.factories import CommuneFactory

pytestmark = pytest.mark.django_db


class TestActionServices:
    def test_create_with_m2m_and_unique_code(self):
        convention = ConventionFactory()
        theme = ThemeFactory()
        convention.themes.add(theme)
        commune = CommuneFactory(epci=convention.epci)
        action = services.action_create(
            convention=convention, code="pe-03", title=" Relais ", themes=[theme], communes=[commune]
        )
        assert action.code == "PE-03" and action.title == "Relais"
        assert list(action.themes.all()) == [theme]
        with pytest.raises(ValidationError, match="porte déjà ce code"):
            services.action_create(convention=convention, code="PE-03", title="Doublon")

    def test_communes_outside_the_territory_are_refused(self):
        convention = ConventionFactory()
        stranger = CommuneFactory(name="Ailleurs")
        with pytest.raises(ValidationError, match="hors du territoire de la convention : Ailleurs"):
            services.action_create(convention=convention, code="A-1", title="T", communes=[stranger])

    def test_sub_actions_are_one_level_deep(self):
        parent = ActionFactory()
        child = services.action_create(convention=parent.convention, code="A-1", title="Sous", parent=parent)
        with pytest.raises(ValidationError, match="un seul niveau"):
            services.action_create(convention=parent.convention, code="A-2", title="Sous-sous", parent=child)

    def test_pilot_must_be_a_member(self):
        action = ActionFactory()
        outsider = UserFactory()
        with pytest.raises(ValidationError, match="n'a pas de rôle"):
            services.action_update(action=action, expected_version=1, pilot_user=outsider)

    def test_history_entry_for_every_changed_field(self):
        convention = ConventionFactory()
        editor = MembershipFactory(convention=convention, role=Role.CONTRIBUTEUR).user
        theme = ThemeFactory()
        convention.themes.add(theme)
        action = services.action_create(convention=convention, code="PE-01", title="Avant", by=editor)
        services.action_update(
            action=action,
            expected_version=1,
            title="Après",
            status=ActionStatus.EN_COURS,
            planned_end=datetime.date(2024, 12, 31),
            themes=[theme],
            by=editor,
        )
        entries = activity(action_id=action.pk)
        assert entries[0].who == str(editor)
        assert entries[0].kind == "Modification"
        changes = {c.field: (c.old, c.new) for c in entries[0].changes}
        assert changes == {
            "intitulé": ("Avant", "Après"),
            "statut": ("À venir", "En cours"),
            "fin prévue": ("—", "31/12/2024"),
            "thématiques": ("—", theme.label),
        }
        assert entries[-1].kind == "Création"
        # Saving the same values again leaves no history and keeps the version.
        before = action.history.count()
        services.action_update(action=action, expected_version=2, title="Après", by=editor)
        assert action.history.count() == before
        action.refresh_from_db()
        assert action.version == 2

    def test_concurrent_edit_is_refused_with_what_changed(self):
        convention = ConventionFactory()
        first = MembershipFactory(convention=convention, role=Role.CONTRIBUTEUR).user
        second = MembershipFactory(convention=convention, role=Role.ADMINISTRATEUR).user
        action = services.action_create(convention=convention, code="PE-01", title="Relais", by=first)
        opened_version = action.version
        services.action_update(action=action, expected_version=opened_version, title="Relais étendu", by=first)
        with pytest.raises(services.ConcurrentEditError) as exc:
            services.action_update(
                action=Action.objects.get(pk=action.pk),
                expected_version=opened_version,
                title="Autre titre",
                by=second,
            )
        assert "modifiée par quelqu'un d'autre" in exc.value.messages[0]
        assert "intitulé : Relais → Relais étendu" in exc.value.messages[0]
        assert str(first) in exc.value.messages[0]
        action.refresh_from_db()
        assert action.title == "Relais étendu"


class TestLedger:
    def test_negative_amounts_and_paid_above_granted_are_refused(self):
        action = ActionFactory()
        funder = OrganisationFactory()
        common = dict(
            action=action,
            funder=funder,
            year=2022,
            nature=FundingNature.FONCTIONNEMENT,
            scheme=FundingScheme.FONDS_PROPRES,
        )
        with pytest.raises(ValidationError, match="ne peut pas être négatif"):
            services.funding_line_create(**common, amount_planned=Decimal("-1"))
        with pytest.raises(ValidationError, match=r"versé \(600.00 €\) ne peut dépasser le montant accordé"):
            services.funding_line_create(**common, amount_granted=Decimal("500.00"), amount_paid=Decimal("600.00"))
        with pytest.raises(ValidationError, match="suppose un montant accordé"):
            services.funding_line_create(**common, amount_paid=Decimal("10"))
        line = services.funding_line_create(**common, amount_granted=Decimal("500"), amount_paid=Decimal("500"))
        with pytest.raises(ValidationError, match="ne peut dépasser"):
            services.funding_line_update(line=line, expected_version=1, amount_granted=Decimal("400"))
        assert FundingLine.objects.get().amount_granted == Decimal("500")

    def test_database_refuses_paid_above_granted_too(self):
        line = FundingLineFactory(amount_granted=Decimal("100"), amount_paid=Decimal("50"))
        from django.db import IntegrityError, transaction

        with pytest.raises(IntegrityError), transaction.atomic():
            FundingLine.objects.filter(pk=line.pk).update(amount_paid=Decimal("150"))


class TestIndicators:
    def test_baseline_is_mandatory_unless_marked_to_enter(self):
        action = ActionFactory()
        with pytest.raises(ValidationError, match="ligne de base"):
            services.indicator_create(
                convention=action.convention, action=action, code="I-1", label="Taux", source="CAF"
            )
        indicator = services.indicator_create(
            convention=action.convention,
            action=action,
            code="I-1",
            label="Taux",
            source="CAF",
            baseline_state=BaselineState.A_RENSEIGNER,
        )
        assert indicator.baseline_value is None

    def test_objective_tree(self):
        objective = ObjectiveFactory()
        objective.convention.themes.add(objective.theme)
        child = services.objective_create(
            convention=objective.convention, theme=objective.theme, code="OO1", title="Op", parent=objective
        )
        with pytest.raises(ValidationError, match="pas à un autre opérationnel"):
            services.objective_create(
                convention=objective.convention, theme=objective.theme, code="OO2", title="x", parent=child
            )


def test_objective_cites_enjeux_of_its_convention_only():
    from tests.diagnostic.factories import EnjeuFactory

    objective = ObjectiveFactory()
    objective.convention.themes.add(objective.theme)
    mine = EnjeuFactory(convention=objective.convention)
    services.objective_update(objective=objective, expected_version=1, enjeux=[mine])
    assert list(objective.enjeux.all()) == [mine]
    assert objective.version == 2
    with pytest.raises(ValidationError, match="enjeux n'appartient pas"):
        services.objective_update(objective=objective, expected_version=2, enjeux=[EnjeuFactory()])


def test_ledger_totals_per_funder_year_theme_and_convention():
    from ctg.plans.selectors import ledger_totals

    convention = ConventionFactory()
    theme_a, theme_b = ThemeFactory(label="A"), ThemeFactory(label="B")
    first = ActionFactory(convention=convention)
    first.themes.add(theme_a, theme_b)
    second = ActionFactory(convention=convention)
    second.themes.add(theme_b)
    caf, agglo = OrganisationFactory(name="CAF"), OrganisationFactory(name="Agglo")
    FundingLineFactory(action=first, funder=caf, year=2022, amount_planned=Decimal("100"), amount_granted=None)
    FundingLineFactory(
        action=first, funder=agglo, year=2023, amount_planned=Decimal("50"), amount_granted=Decimal("40")
    )
    FundingLineFactory(action=second, funder=caf, year=2023, amount_planned=None, amount_granted=Decimal("10"))
    FundingLineFactory(amount_planned=Decimal("999"))  # another convention
    totals = ledger_totals(convention=convention)
    # Planned: 100 + 50 (the third line's planned amount is unknown, not zero); granted: 40 + 10.
    assert totals["overall"]["lines"] == 3
    assert totals["overall"]["amount_planned"] == Decimal("150")
    assert totals["overall"]["amount_granted"] == Decimal("50")
    assert totals["overall"]["amount_paid"] is None  # nothing known: not 0
    per_funder = {row["funder__name"]: (row["lines"], row["amount_planned"]) for row in totals["per_funder"]}
    assert per_funder == {"Agglo": (1, Decimal("50")), "CAF": (2, Decimal("100"))}
    per_year = {row["year"]: row["amount_granted"] for row in totals["per_year"]}
    assert per_year == {2022: None, 2023: Decimal("50")}
    # Theme A: first action only (150 planned); theme B: both actions (150 planned, 50 granted).
    per_theme = {
        row["action__themes__label"]: (row["amount_planned"], row["amount_granted"]) for row in totals["per_theme"]
    }
    assert per_theme == {"A": (Decimal("150"), Decimal("40")), "B": (Decimal("150"), Decimal("50"))}
    assert ledger_totals(action=second)["overall"]["amount_granted"] == Decimal("10")


def test_convention_activity_shows_ledger_changes_with_before_and_after():
    convention = ConventionFactory()
    editor = MembershipFactory(convention=convention, role=Role.CONTRIBUTEUR).user
    action = services.action_create(convention=convention, code="PE-01", title="Relais", by=editor)
    line = services.funding_line_create(
        action=action,
        funder=OrganisationFactory(name="CAF"),
        year=2022,
        nature=FundingNature.FONCTIONNEMENT,
        scheme=FundingScheme.PRESTATION_SERVICE,
        amount_planned=Decimal("1000"),
        by=editor,
    )
    services.funding_line_update(line=line, expected_version=1, amount_granted=Decimal("800.50"), year=2023, by=editor)
    entries = activity(convention_id=convention.pk)
    latest = entries[0]
    assert latest.subject == "Ligne de financement 2023" and latest.who == str(editor)
    assert {(c.field, c.old, c.new) for c in latest.changes} == {
        ("année", "2022", "2023"),
        ("montant accordé (€)", "—", "800,50"),
    }
    assert [e.kind for e in entries] == ["Modification", "Création", "Création"]

    assert latest.fiche == "PE-01" and entries[-1].fiche == ""  # the fiche's own creation does not repeat it


def test_history_of_a_measure_names_its_fiche_and_a_change_without_account_its_reason():
    from ctg.core.history import history_reason

    indicator = IndicatorFactory(action=ActionFactory(code="JEU-03"))
    with history_reason("import du fichier « suivi.xlsx »"):
        MeasureFactory(indicator=indicator, date=datetime.date(2023, 1, 1))
    entry = activity(action_id=indicator.action_id)[0]
    assert entry.subject == "Mesure du 01/01/2023" and entry.fiche == "JEU-03"
    assert entry.who == "Import du fichier « suivi.xlsx »" and entry.reason == ""


STALE_CASES = [
    (lambda: ObjectiveFactory(), services.objective_update, "objective", {"title": "Autre"}, "Cet objectif"),
    (lambda: ActionFactory(), services.action_update, "action", {"title": "Autre"}, "Cette fiche"),
    (lambda: MilestoneFactory(), services.milestone_update, "milestone", {"title": "Autre"}, "Ce jalon"),
    (
        lambda: FundingLineFactory(),
        services.funding_line_update,
        "line",
        {"amount_planned": Decimal("5")},
        "Cette ligne de financement",
    ),
    (lambda: IndicatorFactory(), services.indicator_update, "indicator", {"label": "Autre"}, "Cet indicateur"),
    (lambda: TargetFactory(), services.target_update, "target", {"value": Decimal("5")}, "Cette cible"),
    (lambda: MeasureFactory(), services.measure_update, "measure", {"value": Decimal("5")}, "Cette mesure"),
]


@pytest.mark.parametrize("build, update, argument, changes, subject", STALE_CASES)
def test_every_update_refuses_a_stale_version_and_keeps_the_first_save(build, update, argument, changes, subject):
    obj = build()
    model = type(obj)
    stale = model.objects.get(pk=obj.pk)
    first = {name: (value + 1 if isinstance(value, Decimal) else value + " 1") for name, value in changes.items()}
    update(**{argument: obj}, expected_version=1, **first)
    assert obj.version == 2
    with pytest.raises(services.ConcurrentEditError) as exc:
        update(**{argument: stale}, expected_version=1, **changes)
    assert exc.value.messages[0].startswith(f"{subject} a été ")
    assert "(version 2, vous étiez parti·e de la version 1)" in exc.value.messages[0]
    stored = model.objects.get(pk=obj.pk)
    assert stored.version == 2
    assert all(getattr(stored, name) == value for name, value in first.items())


@pytest.mark.parametrize("build, update, argument, changes, subject", STALE_CASES)
def test_every_update_requires_the_version(build, update, argument, changes, subject):
    with pytest.raises(TypeError, match="expected_version"):
        update(**{argument: build()}, **changes)


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_saves_cannot_both_pass_the_version_check():
    """The first save holds the row lock until it commits; the second waits for it, then sees the new version."""
    import threading
    import time

    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("Row locks (SELECT … FOR UPDATE) are a PostgreSQL matter; SQLite serialises every write.")
    line = FundingLineFactory(amount_planned=Decimal("1000"))
    first_saved, release = threading.Event(), threading.Event()
    outcome = {}

    def first():
        try:
            with transaction.atomic():
                services.funding_line_update(line=line, expected_version=1, amount_planned=Decimal("1500"))
                first_saved.set()
                release.wait(30)
            outcome["first"] = "saved"
        finally:
            connection.close()

    def second():
        first_saved.wait(30)
        try:
            services.funding_line_update(line=line, expected_version=1, amount_planned=Decimal("1200"))
            outcome["second"] = "saved"
        except services.ConcurrentEditError:
            outcome["second"] = "refused"
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_saved.wait(30)
    with connection.cursor() as cursor:  # wait until the second save is blocked on the row lock, then commit
        for _ in range(10_000):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                break
            time.sleep(0.01)
    release.set()
    for thread in threads:
        thread.join(30)
    assert outcome == {"first": "saved", "second": "refused"}
    assert FundingLine.objects.get().amount_planned == Decimal("1500.00")
