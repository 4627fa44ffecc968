"""Demo offer of Caux Seine agglo: the EPCI-level figures of 2022 published by the agglomeration.

Only the shipped file is loaded (data/ctg-caux-seine/offre_petite_enfance_2022.csv). It gives totals for the
whole EPCI: no equipment and no relais coverage per commune is created, since none is published.
"""

import csv
from pathlib import Path

from django.conf import settings
from django.db import transaction

from ctg.accounts.models import User
from ctg.conventions.models import Convention
from ctg.offer.services import offer_total_record

DEMO_OFFER_FILE = Path(settings.DATA_DIR) / "ctg-caux-seine" / "offre_petite_enfance_2022.csv"


def read_epci_totals(path: Path = DEMO_OFFER_FILE) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as handle:
        return [
            {
                "territory_code": row["territoire_code"].strip(),
                "level": row["territoire_type"].strip(),
                "year": int(row["annee"]),
                "indicator": row["indicateur"].strip(),
                "quantity": int(row["valeur"]),
                "source": row["source"].strip(),
            }
            for row in csv.DictReader(handle)
        ]


@transaction.atomic
def load_demo_offer(*, convention: Convention, by: User | None = None) -> dict[str, int]:
    """Record the published EPCI totals of the convention's EPCI; idempotent. Returns counts."""
    rows = [r for r in read_epci_totals() if r["level"] == "epci" and r["territory_code"] == convention.epci_id]
    changed = 0
    for row in rows:
        _, was_changed = offer_total_record(
            convention=convention,
            indicator=row["indicator"],
            year=row["year"],
            quantity=row["quantity"],
            source=row["source"],
            by=by,
        )
        changed += was_changed
    return {"read": len(rows), "changed": changed}
