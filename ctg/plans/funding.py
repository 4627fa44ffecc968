"""The rules of a co-financing line's amounts, as pure functions of its values.

The service refuses a line that breaks them (ctg.plans.services), the workbook import names the cell
(ctg.plans.imports), and the database constraints of FundingLine state the same rules, so that no way in —
the admin, a shell, a future import — can store what the other two refuse. An empty amount means "not known".
"""

import dataclasses
from collections.abc import Mapping
from decimal import Decimal

from ctg.core.formatting import format_euros
from ctg.plans.models import FundingLine

AMOUNT_FIELDS = ("amount_planned", "amount_requested", "amount_granted", "amount_paid")
AMOUNT_LABELS = {field.name: field.verbose_name for field in FundingLine._meta.fields if field.name in AMOUNT_FIELDS}
PAID_WITHOUT_GRANTED = "Un montant versé suppose un montant accordé : renseignez d'abord l'accord."


@dataclasses.dataclass(frozen=True)
class FundingProblem:
    field: str
    message: str


def granted_above_requested(line: FundingLine) -> str:
    """A warning, not a refusal, when a line's amount granted exceeds the amount requested (a funder may grant
    more, but it is more often a typing slip); empty otherwise or when either is unknown."""
    granted, requested = line.amount_granted, line.amount_requested
    if granted is None or requested is None or granted <= requested:
        return ""
    return (
        f"Le montant accordé ({format_euros(granted)}) dépasse le montant demandé ({format_euros(requested)}) : "
        "vérifiez la notification du financeur."
    )


def funding_problems(values: Mapping[str, Decimal | None]) -> list[FundingProblem]:
    """What is wrong with a line's amounts (absent keys count as unknown): no amount is negative, and an amount
    paid needs an amount granted that it does not exceed."""
    problems = [
        FundingProblem(name, f"Le {AMOUNT_LABELS[name]} ne peut pas être négatif.")
        for name in AMOUNT_FIELDS
        if (value := values.get(name)) is not None and Decimal(value) < 0
    ]
    paid, granted = values.get("amount_paid"), values.get("amount_granted")
    if paid is None or any(p.field == "amount_paid" for p in problems):
        return problems
    if granted is None:
        problems.append(FundingProblem("amount_paid", PAID_WITHOUT_GRANTED))
    elif Decimal(paid) > Decimal(granted):
        problems.append(
            FundingProblem(
                "amount_paid", f"Le montant versé ({paid} €) ne peut dépasser le montant accordé ({granted} €)."
            )
        )
    return problems
