"""The Caux Seine agglo demo plan: only what the documented facts state (data/README.md, data/ctg-caux-seine/).

The territorial diagnostic with the consultancy ARFOS (from September 2021, for six months, financed 10,900 € by
Caux Seine agglo and 7,500 € by the CAF) and one fiche per aim named at the signing. No date, status, amount or
value is added beyond the facts: the aims' fiches are "à venir" without dates, and the relais coverage indicator
has its baseline left to enter. Idempotent: existing fiches (matched by code) are left as they are.
"""

import datetime
from decimal import Decimal

from django.db import transaction

from ctg.conventions.models import Convention, Theme
from ctg.organisations.enums import OrganisationKind
from ctg.organisations.models import Organisation
from ctg.plans import services
from ctg.plans.enums import ActionStatus, BaselineState, FundingNature, FundingScheme
from ctg.plans.models import Action, FollowUpIndicator

SIGNING_FACTS = "Orientation annoncée à la signature de la convention, le 6 septembre 2021."
DIAGNOSTIC_SOURCE = "Article d'annonce de la signature de la CTG (septembre 2021)"

AIMS = [
    (
        "PE-01",
        "Favoriser le retour à l'emploi et la formation des parents par des modes d'accueil adaptés",
        ["petite-enfance", "parentalite"],
        "Adapter les modes d'accueil des jeunes enfants et accompagner les parents pour qu'ils puissent "
        "reprendre un emploi ou suivre une formation.",
    ),
    (
        "HAN-01",
        "Faciliter l'accès des enfants en situation de handicap aux services",
        ["handicap"],
        "Rendre les modes d'accueil et les loisirs accessibles aux enfants en situation de handicap.",
    ),
    (
        "PE-02",
        "Étendre la couverture du Relais petite enfance (ex-RAM) aux 50 communes",
        ["petite-enfance"],
        "Faire couvrir l'ensemble des 50 communes du territoire par le Relais petite enfance (anciennement "
        "relais assistants maternels).",
    ),
    (
        "PAR-01",
        "Soutenir la parentalité pour prévenir le décrochage scolaire",
        ["parentalite"],
        "Développer le soutien aux parents comme levier contre le décrochage scolaire.",
    ),
    (
        "AD-01",
        "Améliorer l'accès aux droits",
        ["acces-aux-droits"],
        "Améliorer l'accès des habitants à leurs droits.",
    ),
    (
        "AD-02",
        "Renforcer l'accompagnement au numérique dans les communes rurales",
        ["acces-aux-droits"],
        "Renforcer l'accompagnement des habitants aux démarches numériques dans les communes rurales.",
    ),
]


def _organisation(name: str, kind: str) -> Organisation:
    organisation, _ = Organisation.objects.get_or_create(kind=kind, name=name)
    return organisation


@transaction.atomic
def load_demo_plan(*, convention: Convention) -> dict:
    """Give the demo convention its documented actions; returns how many fiches were created."""
    agglo = _organisation("Caux Seine agglo", OrganisationKind.EPCI)
    caf = _organisation("CAF de la Seine-Maritime", OrganisationKind.CAF)
    arfos = _organisation("ARFOS", OrganisationKind.BUREAU_ETUDES)
    themes = {t.code: t for t in Theme.objects.reference()}
    existing = set(Action.objects.filter(convention=convention).values_list("code", flat=True))
    created = 0
    if "DIAG-01" not in existing:
        diagnostic = services.action_create(
            convention=convention,
            code="DIAG-01",
            title="Diagnostic territorial partagé avec le cabinet ARFOS",
            description="Diagnostic du territoire conduit avec le cabinet ARFOS, après un pré-diagnostic ; il "
            "précède le plan d'actions et les outils de pilotage.",
            expected_results="Un diagnostic partagé par les partenaires, base du plan d'actions.",
            lead_organisation=agglo,
            partners=[caf, arfos],
            all_communes=True,
            # From September 2021 for six months: the planned dates follow; actual dates are not documented.
            planned_start=datetime.date(2021, 9, 1),
            planned_end=datetime.date(2022, 2, 28),
            status=ActionStatus.EN_COURS,
        )
        for funder, amount, scheme, detail in (
            (agglo, Decimal("10900"), FundingScheme.FONDS_PROPRES, ""),
            (caf, Decimal("7500"), FundingScheme.AUTRE, "dispositif non précisé par la source"),
        ):
            services.funding_line_create(
                action=diagnostic,
                funder=funder,
                year=2021,
                nature=FundingNature.FONCTIONNEMENT,
                scheme=scheme,
                scheme_detail=detail,
                amount_planned=amount,
                comment=f"Montant annoncé à la signature. Source : {DIAGNOSTIC_SOURCE}.",
            )
        created += 1
    for code, title, theme_codes, description in AIMS:
        if code in existing:
            continue
        action = services.action_create(
            convention=convention,
            code=code,
            title=title,
            description=f"{description} {SIGNING_FACTS}",
            themes=[themes[c] for c in theme_codes if c in themes],
            all_communes=code == "PE-02",
            status=ActionStatus.A_VENIR,
        )
        created += 1
        if code == "PE-02" and not FollowUpIndicator.objects.filter(convention=convention, code="PE-02-I1").exists():
            indicator = services.indicator_create(
                convention=convention,
                action=action,
                code="PE-02-I1",
                label="Communes couvertes par le Relais petite enfance",
                unit="communes",
                source="Registre de l'offre : communes couvertes par chaque relais",
                baseline_state=BaselineState.A_RENSEIGNER,
            )
            # The aim is all 50 communes by the end of the convention (it runs until 2024).
            services.target_set(indicator=indicator, date=convention.end_date, value=Decimal("50"))
    return {"created": created}
