"""The Caux Seine agglo demo: the CTG signed on 6 September 2021 with the CAF de la Seine-Maritime.

Only documented facts (data/README.md, data/ctg-caux-seine/) are loaded as real. Demo accounts are fictitious
people and say so. Idempotent: running it again changes nothing.
"""

import csv
import dataclasses
import datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import transaction

from ctg.accounts.enums import Role
from ctg.accounts.models import DepartementAccess, Membership, User
from ctg.conventions.enums import Phase, SignatoryRole
from ctg.conventions.models import Convention, Signatory, Theme
from ctg.conventions.services import convention_create, convention_set_communes, signatory_add, themes_ensure_reference
from ctg.organisations.enums import OrganisationKind
from ctg.organisations.models import Organisation
from ctg.territories.models import EPCI, Commune, Departement

DEMO_DIR = Path(settings.DATA_DIR) / "ctg-caux-seine"
EPCI_SIREN = "200010700"
DEPARTEMENT_CODE = "76"
TITLE = "CTG Caux Seine agglo – CAF de la Seine-Maritime 2021-2024"
SIGNED_ON = datetime.date(2021, 9, 6)
# The convention "runs until 2024" (signature article); the exact end day is not published.
END_DATE = datetime.date(2024, 12, 31)
DEMO_PASSWORD = "demo-pilote-ctg"  # noqa: S105 (the documented password of the fictitious demo accounts)


@dataclasses.dataclass(frozen=True)
class DemoAccount:
    username: str
    first_name: str
    last_name: str
    role: str | None
    organisation: str
    description: str
    commune_code: str | None = None
    departement_reader: bool = False
    # The platform role that imports official open data (no role on any convention).
    data_administrator: bool = False


DEMO_ACCOUNTS = [
    DemoAccount("coordination", "Camille", "Démo", Role.ADMINISTRATEUR, "epci", "coordinatrice CTG de l'EPCI"),
    DemoAccount(
        "caf",
        "Dominique",
        "Démo",
        Role.CONTRIBUTEUR,
        "caf",
        "conseiller·ère territorial·e CAF",
        departement_reader=True,
    ),
    DemoAccount("pilote", "Alex", "Démo", Role.PILOTE, "epci", "pilote d'actions"),
    DemoAccount("bolbec", "Sacha", "Démo", Role.COMMUNE, "commune:76114", "agent de la commune de Bolbec", "76114"),
    DemoAccount("lecteur", "Claude", "Démo", Role.LECTEUR, "epci", "lecteur (élu·e, partenaire)"),
    DemoAccount(
        "donnees",
        "Maxime",
        "Démo",
        None,
        "",
        "administration des données officielles de la plateforme",
        data_administrator=True,
    ),
]


def read_engaged_communes(path: Path = DEMO_DIR / "communes_signataires.csv") -> list[str]:
    with open(path, encoding="utf-8", newline="") as handle:
        return [row["code_insee"].strip() for row in csv.DictReader(handle)]


def _organisation(name: str, kind: str, **territory) -> Organisation:
    organisation, _ = Organisation.objects.get_or_create(kind=kind, name=name, defaults=territory)
    return organisation


@transaction.atomic
def load_demo() -> dict:
    """Create (or find) the demo convention, its parties and demo accounts; returns what the terminal prints."""
    try:
        epci = EPCI.objects.get(siren=EPCI_SIREN)
        departement = Departement.objects.get(code=DEPARTEMENT_CODE)
    except (EPCI.DoesNotExist, Departement.DoesNotExist):
        raise RuntimeError(
            "Le référentiel territorial n'est pas chargé : lancez d'abord « python manage.py import_territories »."
        ) from None
    themes_ensure_reference()
    caf = _organisation("CAF de la Seine-Maritime", OrganisationKind.CAF, departement=departement)
    agglo = _organisation("Caux Seine agglo", OrganisationKind.EPCI, epci=epci, siren=epci.siren)

    engaged_codes = read_engaged_communes()
    communes = list(Commune.objects.filter(code__in=engaged_codes))
    missing = set(engaged_codes) - {c.code for c in communes}
    if missing:
        raise RuntimeError(f"Communes engagées absentes du référentiel : {', '.join(sorted(missing))}.")

    convention = Convention.objects.filter(title=TITLE, epci=epci).first()
    created = convention is None
    if convention is None:
        convention = convention_create(
            title=TITLE,
            epci=epci,
            caf=caf,
            start_date=SIGNED_ON,
            end_date=END_DATE,
            signed_on=SIGNED_ON,
            themes=list(Theme.objects.reference()),
        )
        convention_set_communes(convention=convention, communes=communes)
        # The territorial diagnostic with ARFOS started in September 2021, the last documented step.
        Convention.objects.filter(pk=convention.pk).update(phase=Phase.DIAGNOSTIC)
        convention.refresh_from_db()

    if not Signatory.objects.filter(convention=convention).exists():
        signatory_add(
            convention=convention,
            organisation=agglo,
            role=SignatoryRole.EPCI,
            signed_on=SIGNED_ON,
            represented_by="Présidente de Caux Seine agglo",
        )
        signatory_add(convention=convention, organisation=caf, role=SignatoryRole.CAF, signed_on=SIGNED_ON)
        for commune in sorted(communes, key=lambda c: c.name):
            commune_organisation = _organisation(
                f"Commune de {commune.name}", OrganisationKind.COMMUNE, commune=commune, siren=commune.siren
            )
            # The mayors were present at the signing; the article does not say each commune signed that day.
            signatory_add(convention=convention, organisation=commune_organisation, role=SignatoryRole.COMMUNE)

    accounts = []
    for account in DEMO_ACCOUNTS:
        organisation: Organisation | None
        if account.organisation == "caf":
            organisation = caf
        elif account.organisation.startswith("commune:"):
            organisation = Organisation.objects.get(kind=OrganisationKind.COMMUNE, commune_id=account.commune_code)
        elif account.organisation == "epci":
            organisation = agglo
        else:
            organisation = None
        user = User.objects.filter(username=account.username).first()
        if user is None:
            user = User.objects.create_user(
                username=account.username,
                email=f"{account.username}@demo.pilote-ctg.invalid",
                password=DEMO_PASSWORD,
                first_name=account.first_name,
                last_name=account.last_name,
                organisation=organisation,
            )
        if account.role:
            Membership.objects.get_or_create(
                user=user,
                convention=convention,
                defaults={"role": account.role, "commune_id": account.commune_code},
            )
        if account.departement_reader:
            DepartementAccess.objects.get_or_create(user=user, departement=departement)
        if account.data_administrator:
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label="opendata", codename="manage_official_data")
            )
        accounts.append((account, user))
    return {"convention": convention, "created": created, "accounts": accounts, "password": DEMO_PASSWORD}
