"""Load the shipped INSEE extracts into Observations for tests, reading the files as published.

Only the variables of the catalogue are kept; the year of each variable is the one its name carries.
"""

import csv
import re

from django.conf import settings

from ctg.indicators.catalogue import CATALOGUE
from ctg.opendata.enums import GeoLevel, ObservationStatus
from ctg.opendata.models import Observation
from tests.indicators.factories import DatasetFactory

INSEE_DIR = settings.DATA_DIR / "insee"
FILES = {
    "base_cc_comparateur_2025_extrait_cauxseine50.csv": "Base comparateur de territoires",
    "dossier_complet_2025_extrait_cauxseine50.csv": "Dossier complet",
}
EXPLICIT_YEARS = {"NAIS1621": 2021, "SUPERF": 2025, "NAISD24": 2024}


def variable_year(name: str) -> int | None:
    if name in EXPLICIT_YEARS:
        return EXPLICIT_YEARS[name]
    if match := re.match(r"^[PC](\d\d)_", name):
        return 2000 + int(match.group(1))
    if match := re.match(r"^(?:MED|TP60)(\d\d)$", name):
        return 2000 + int(match.group(1))
    return None


def load_insee_extracts() -> int:
    wanted = set().union(*(i.variables for i in CATALOGUE))
    observations = []
    seen = set()
    for file_name, title in FILES.items():
        dataset = DatasetFactory(producer="INSEE", title=title, vintage="2025", file_name=file_name)
        with open(INSEE_DIR / file_name, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter=";"):
                for variable, raw in row.items():
                    year = variable_year(variable)
                    if variable not in wanted or year is None or (row["CODGEO"], variable) in seen:
                        continue
                    seen.add((row["CODGEO"], variable))
                    raw = raw.strip()
                    status = ObservationStatus.OK
                    value = None
                    if raw == "s":
                        status = ObservationStatus.SECRET
                    elif raw == "":
                        status = ObservationStatus.MISSING
                    else:
                        value = raw.replace(",", ".")
                    observations.append(
                        Observation(
                            dataset=dataset,
                            level=GeoLevel.COMMUNE,
                            code=row["CODGEO"],
                            variable=variable,
                            year=year,
                            value=value,
                            status=status,
                        )
                    )
    Observation.objects.bulk_create(observations)
    return len(observations)
