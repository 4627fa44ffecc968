"""The plan workbook carries the version of each row's object: an old export never reverts newer edits."""

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from ctg.conventions.enums import SignatoryRole
from ctg.conventions.models import Signatory
from ctg.plans import services
from ctg.plans import workbook as wb
from ctg.plans.exports import build_xlsx
from ctg.plans.imports import plan_import_xlsx
from ctg.plans.models import Action, FundingLine
from tests.conventions.factories import ConventionFactory
from tests.organisations.factories import OrganisationFactory
from tests.plans.factories import ActionFactory, FundingLineFactory, IndicatorFactory, MeasureFactory, TargetFactory
from tests.plans.workbooks import edit_cells, plan_state

pytestmark = pytest.mark.django_db

REDO = "exportez à nouveau le classeur puis reportez-y vos changements."


@pytest.fixture
def plan():
    convention = ConventionFactory()
    funder = OrganisationFactory(name="CAF de test")
    action = ActionFactory(convention=convention, code="PE-01", title="Relais petite enfance")
    line = FundingLineFactory(action=action, funder=funder, year=2022, amount_planned=Decimal("1000"))
    indicator = IndicatorFactory(action=action, code="PE-01-I1")
    target = TargetFactory(indicator=indicator, date=datetime.date(2024, 1, 1))
    measure = MeasureFactory(indicator=indicator, date=datetime.date(2023, 1, 1))
    return {
        "convention": convention,
        "funder": funder,
        "action": action,
        "line": line,
        "indicator": indicator,
        "target": target,
        "measure": measure,
    }


def refused(plan, content) -> list[str]:
    before = plan_state(plan["convention"])
    report = plan_import_xlsx(convention=plan["convention"], content=content)
    assert not report.ok
    assert plan_state(plan["convention"]) == before
    return [str(error) for error in report.errors]


def test_every_data_sheet_ends_with_the_version_of_its_rows(plan):
    services.funding_line_update(line=plan["line"], expected_version=1, amount_planned=Decimal("1100"))
    book = load_workbook(io.BytesIO(build_xlsx(plan["convention"])))
    for name in (wb.ACTIONS_SHEET, wb.FUNDING_SHEET, wb.INDICATORS_SHEET):
        header = [cell.value for cell in book[name][1]]
        assert header[-1] == "Version (ne pas modifier)"
    assert book[wb.FUNDING_SHEET]["O2"].value == 2
    assert [row[-1] for row in book[wb.INDICATORS_SHEET].iter_rows(min_row=2, values_only=True)] == [1, 1, 1]
    book.close()


def test_stale_funding_row_refuses_the_whole_file(plan):
    export = build_xlsx(plan["convention"])
    services.funding_line_update(line=plan["line"], expected_version=1, amount_planned=Decimal("1500"))
    # The partner changed the title in the old export too: a valid change, not written since the file is refused.
    content = edit_cells(export, wb.FUNDING_SHEET, {"G2": 1200})
    content = edit_cells(content, wb.ACTIONS_SHEET, {"B2": "Relais étendu"})
    assert refused(plan, content) == [
        "feuille « Financements », ligne 2, colonne « Version (ne pas modifier) » : cette ligne a été modifiée dans "
        f"l'application depuis l'export (version 2, fichier version 1) ; {REDO}"
    ]
    assert FundingLine.objects.get().amount_planned == Decimal("1500.00")
    assert Action.objects.get().title == "Relais petite enfance"


def test_reimporting_an_old_export_untouched_reverts_nothing(plan):
    export = build_xlsx(plan["convention"])
    services.funding_line_update(line=plan["line"], expected_version=1, amount_planned=Decimal("1500"))
    services.action_update(action=plan["action"], expected_version=1, title="Relais étendu")
    messages = refused(plan, export)
    assert [m.split(" : ")[0] for m in messages] == [
        "feuille « Actions », ligne 2, colonne « Version (ne pas modifier) »",
        "feuille « Financements », ligne 2, colonne « Version (ne pas modifier) »",
    ]
    assert Action.objects.get().title == "Relais étendu"


def test_row_identical_to_the_stored_object_is_accepted_whatever_its_version(plan):
    export = build_xlsx(plan["convention"])
    services.funding_line_update(line=plan["line"], expected_version=1, amount_planned=Decimal("1500"))
    services.funding_line_update(line=plan["line"], expected_version=2, amount_planned=Decimal("1000"))
    report = plan_import_xlsx(convention=plan["convention"], content=export)
    assert report.ok, [str(e) for e in report.errors]
    assert report.changed == 0


def test_fresh_export_updates_and_bumps_the_version(plan):
    services.funding_line_update(line=plan["line"], expected_version=1, amount_planned=Decimal("1500"))
    content = edit_cells(build_xlsx(plan["convention"]), wb.FUNDING_SHEET, {"G2": 1200})
    report = plan_import_xlsx(convention=plan["convention"], content=content)
    assert report.ok, [str(e) for e in report.errors]
    line = FundingLine.objects.get()
    assert (line.amount_planned, line.version) == (Decimal("1200.00"), 3)


def test_row_without_version_that_would_change_an_existing_object_is_a_conflict(plan):
    content = edit_cells(build_xlsx(plan["convention"]), wb.FUNDING_SHEET, {"G2": 1200, "O2": None})
    assert refused(plan, content) == [
        "feuille « Financements », ligne 2, colonne « Version (ne pas modifier) » : cette ligne modifierait un "
        "élément qui existe déjà (la ligne de financement PE-01 2022) sans indiquer sa version (colonne « Version "
        f"(ne pas modifier) ») : impossible de savoir s'il a changé depuis ; {REDO}"
    ]


def test_an_older_export_without_the_version_column_only_adds(plan):
    """Exports made before the version column: identical rows pass, new rows are created, changes are refused."""
    book = load_workbook(io.BytesIO(build_xlsx(plan["convention"])))
    for name in (wb.ACTIONS_SHEET, wb.FUNDING_SHEET, wb.INDICATORS_SHEET):
        book[name].delete_cols(book[name].max_column)
    book[wb.ACTIONS_SHEET].append(["PE-02", "Crèche"] + [None] * 17 + ["À venir", "Moyenne"])
    buffer = io.BytesIO()
    book.save(buffer)
    report = plan_import_xlsx(convention=plan["convention"], content=buffer.getvalue())
    assert report.ok, [str(e) for e in report.errors]
    assert report.created == {"actions": 1}
    changed = edit_cells(buffer.getvalue(), wb.ACTIONS_SHEET, {"B2": "Relais étendu"})
    (message,) = refused(plan, changed)
    assert message.startswith("feuille « Actions », ligne 2, colonne « Version (ne pas modifier) » : cette ligne ")


def test_row_whose_object_changed_key_or_was_deleted_is_a_conflict(plan):
    export = build_xlsx(plan["convention"])
    services.funding_line_update(line=plan["line"], expected_version=1, year=2023)
    services.measure_delete(measure=plan["measure"])
    messages = refused(plan, export)
    assert messages == [
        "feuille « Financements », ligne 2, colonne « Version (ne pas modifier) » : cette ligne vient d'un export "
        "(version 1) mais aucun élément de l'application ne lui correspond plus (la ligne de financement PE-01 2022) "
        ": sa clé (code, financeur, année, date…) a été modifiée ou il a été supprimé depuis l'export ; "
        f"{REDO} Pour créer un nouvel élément, videz la cellule « Version (ne pas modifier) ».",
        "feuille « Indicateurs », ligne 4, colonne « Version (ne pas modifier) » : cette ligne vient d'un export "
        "(version 1) mais aucun élément de l'application ne lui correspond plus (la mesure de PE-01-I1 au "
        "01/01/2023) : sa clé (code, financeur, année, date…) a été modifiée ou il a été supprimé depuis l'export ; "
        f"{REDO} Pour créer un nouvel élément, videz la cellule « Version (ne pas modifier) ».",
    ]
    assert FundingLine.objects.count() == 1


def test_stale_indicator_target_and_measure_rows(plan):
    export = build_xlsx(plan["convention"])
    services.indicator_update(indicator=plan["indicator"], expected_version=1, label="Places ouvertes")
    services.target_update(target=plan["target"], expected_version=1, value=Decimal("25"))
    services.measure_update(measure=plan["measure"], expected_version=1, value=Decimal("16"))
    content = edit_cells(export, wb.INDICATORS_SHEET, {"E2": "Autre libellé", "L3": 30, "L4": 17})
    messages = refused(plan, content)
    assert [m.split(" : ")[0] for m in messages] == [
        f"feuille « Indicateurs », ligne {line}, colonne « Version (ne pas modifier) »" for line in (2, 3, 4)
    ]
    assert all("(version 2, fichier version 1)" in m for m in messages)


class TestOrganisations:
    def test_only_the_conventions_organisations_are_listed(self, plan):
        signatory = OrganisationFactory(name="Département de test")
        Signatory.objects.create(convention=plan["convention"], organisation=signatory, role=SignatoryRole.PARTENAIRE)
        partner = OrganisationFactory(name="Centre social")
        plan["action"].partners.add(partner)
        lead = OrganisationFactory(name="Association porteuse")
        Action.objects.filter(pk=plan["action"].pk).update(lead_organisation=lead)
        stranger = OrganisationFactory(name="Commune d'une autre convention")
        FundingLineFactory(action=ActionFactory(convention=ConventionFactory()), funder=stranger)
        book = load_workbook(io.BytesIO(build_xlsx(plan["convention"])))
        sheet = book[wb.LISTS_SHEET]
        column = [cell.value for cell in sheet[1]].index("Organisations") + 1
        names = [row[0] for row in sheet.iter_rows(min_row=2, min_col=column, max_col=column, values_only=True)]
        book.close()
        assert [name for name in names if name] == [
            "Association porteuse",
            "CAF de test",
            "Centre social",
            "Département de test",
        ]

    def test_another_conventions_organisation_is_not_resolved(self, plan):
        stranger = OrganisationFactory(name="Commune d'une autre convention")
        FundingLineFactory(action=ActionFactory(convention=ConventionFactory()), funder=stranger)
        export = build_xlsx(plan["convention"])
        content = edit_cells(export, wb.FUNDING_SHEET, {"A3": "PE-01", "B3": stranger.name, "C3": 2023})
        content = edit_cells(content, wb.FUNDING_SHEET, {"D3": "Fonctionnement", "E3": "Fonds propres"})
        content = edit_cells(content, wb.ACTIONS_SHEET, {"K2": stranger.name})
        assert refused(plan, content) == [
            "feuille « Actions », ligne 2, colonne « Structure porteuse » : organisation inconnue de cette "
            "convention : « Commune d'une autre convention » (sont reconnues les organisations signataires et "
            "celles déjà citées dans le plan ; ajoutez-la d'abord depuis une fiche action).",
            "feuille « Financements », ligne 3, colonne « Financeur » : organisation inconnue de cette convention : "
            "« Commune d'une autre convention » (sont reconnues les organisations signataires et celles déjà citées "
            "dans le plan ; ajoutez-la d'abord depuis une fiche action).",
        ]

    def test_a_signatory_may_fund_a_new_line(self, plan):
        signatory = OrganisationFactory(name="Département de test")
        Signatory.objects.create(convention=plan["convention"], organisation=signatory, role=SignatoryRole.PARTENAIRE)
        content = edit_cells(
            build_xlsx(plan["convention"]),
            wb.FUNDING_SHEET,
            {"A3": "PE-01", "B3": signatory.name, "C3": 2023, "D3": "Fonctionnement", "E3": "Fonds propres"},
        )
        report = plan_import_xlsx(convention=plan["convention"], content=content)
        assert report.ok, [str(e) for e in report.errors]
        assert FundingLine.objects.filter(funder=signatory).count() == 1


def test_history_of_an_import_names_its_file(plan):
    from ctg.accounts.enums import Role
    from ctg.plans.history import activity
    from tests.accounts.factories import MembershipFactory

    by = MembershipFactory(convention=plan["convention"], role=Role.CONTRIBUTEUR).user
    content = edit_cells(build_xlsx(plan["convention"]), wb.ACTIONS_SHEET, {"B2": "Relais étendu"})
    assert plan_import_xlsx(convention=plan["convention"], content=content, by=by, file_name="plan 2024.xlsx").ok
    entry = activity(convention_id=plan["convention"].pk)[0]
    assert entry.subject == "Fiche PE-01 « Relais étendu »" and entry.who == str(by)
    assert entry.reason == "import du fichier «\u00a0plan 2024.xlsx\u00a0»"
