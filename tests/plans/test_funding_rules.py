"""The rules of a funding line's amounts: one function (`funding_problems`), used by the service and the workbook
import, and database constraints that say the same."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from openpyxl.utils import get_column_letter

from ctg.plans import services
from ctg.plans import workbook as wb
from ctg.plans.enums import FundingNature, FundingScheme
from ctg.plans.exports import build_xlsx
from ctg.plans.funding import PAID_WITHOUT_GRANTED, FundingProblem, funding_problems
from ctg.plans.imports import plan_import_xlsx
from ctg.plans.models import FundingLine
from tests.organisations.factories import OrganisationFactory
from tests.plans.factories import ActionFactory, FundingLineFactory
from tests.plans.workbooks import edit_cells, plan_state


class TestFundingProblems:
    def test_a_line_with_unknown_amounts_is_fine(self):
        assert funding_problems({}) == []
        assert funding_problems(dict.fromkeys(["amount_planned", "amount_granted", "amount_paid"])) == []

    @pytest.mark.parametrize("paid", ["0", "499.99", "500", "500.00"])
    def test_paid_up_to_granted(self, paid):
        assert funding_problems({"amount_granted": Decimal("500"), "amount_paid": Decimal(paid)}) == []

    def test_paid_above_granted(self):
        assert funding_problems({"amount_granted": Decimal("500.00"), "amount_paid": Decimal("500.01")}) == [
            FundingProblem(
                "amount_paid", "Le montant versé (500.01 €) ne peut dépasser le montant accordé (500.00 €)."
            )
        ]

    @pytest.mark.parametrize("paid", ["0", "10"])
    def test_paid_without_granted(self, paid):
        assert funding_problems({"amount_paid": Decimal(paid)}) == [
            FundingProblem("amount_paid", PAID_WITHOUT_GRANTED)
        ]

    def test_each_negative_amount_is_named(self):
        problems = funding_problems(
            {"amount_planned": Decimal("-1"), "amount_requested": Decimal("0"), "amount_granted": Decimal("-0.01")}
        )
        assert problems == [
            FundingProblem("amount_planned", "Le montant prévu (€) ne peut pas être négatif."),
            FundingProblem("amount_granted", "Le montant accordé (€) ne peut pas être négatif."),
        ]

    def test_a_negative_paid_amount_is_one_problem(self):
        assert [p.field for p in funding_problems({"amount_paid": Decimal("-5")})] == ["amount_paid"]


@pytest.mark.django_db
class TestDatabaseSaysTheSame:
    @pytest.mark.parametrize(
        "values",
        [
            {"amount_granted": None, "amount_paid": Decimal("10")},
            {"amount_granted": Decimal("100"), "amount_paid": Decimal("150")},
            {"amount_planned": Decimal("-1")},
            {"year": 1999},
            {"year": 2101},
        ],
    )
    def test_the_database_refuses_what_the_rules_refuse(self, values):
        line = FundingLineFactory(amount_granted=Decimal("100"), amount_paid=Decimal("50"))
        with pytest.raises(IntegrityError), transaction.atomic():
            FundingLine.objects.filter(pk=line.pk).update(**values)

    def test_full_clean_states_the_rule_in_french(self):
        line = FundingLineFactory.build(action=ActionFactory(), funder=OrganisationFactory(), amount_paid=Decimal("1"))
        with pytest.raises(ValidationError, match="un montant versé suppose un montant accordé"):
            line.full_clean()

    def test_bounds_accepted(self):
        line = FundingLineFactory(year=2000, amount_granted=Decimal("0"), amount_paid=Decimal("0"))
        FundingLine.objects.filter(pk=line.pk).update(year=2100)
        assert FundingLine.objects.get().year == 2100


@pytest.mark.django_db
class TestServiceAndImportShareTheRules:
    def test_the_service_refuses_with_the_rule_message(self):
        common = dict(
            action=ActionFactory(),
            funder=OrganisationFactory(),
            year=2022,
            nature=FundingNature.FONCTIONNEMENT,
            scheme=FundingScheme.FONDS_PROPRES,
        )
        with pytest.raises(ValidationError) as exc:
            services.funding_line_create(**common, amount_paid=Decimal("10"))
        assert exc.value.message_dict == {"amount_paid": [PAID_WITHOUT_GRANTED]}
        assert not FundingLine.objects.exists()

    def test_the_import_names_the_cell_with_the_same_rule(self):
        line = FundingLineFactory(action=ActionFactory(code="PE-01"), amount_planned=Decimal("1000"))
        convention = line.action.convention
        keys = [key for key, _ in wb.FUNDING_COLUMNS]
        paid = get_column_letter(keys.index("amount_paid") + 1)
        planned = get_column_letter(keys.index("amount_planned") + 1)
        content = edit_cells(build_xlsx(convention), wb.FUNDING_SHEET, {f"{paid}2": 10, f"{planned}2": -3})
        before = plan_state(convention)
        report = plan_import_xlsx(convention=convention, content=content)
        labels = dict(wb.FUNDING_COLUMNS)
        assert [str(error) for error in report.errors] == [
            f"feuille « {wb.FUNDING_SHEET} », ligne 2, colonne « {labels['amount_planned']} » : "
            "le montant prévu (€) ne peut pas être négatif.",
            f"feuille « {wb.FUNDING_SHEET} », ligne 2, colonne « {labels['amount_paid']} » : "
            "un montant versé suppose un montant accordé : renseignez d'abord l'accord.",
        ]
        assert plan_state(convention) == before
