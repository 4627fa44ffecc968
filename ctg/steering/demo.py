"""The Caux Seine agglo demo governance: a COPIL and a comité technique with the signatory organisations.

The bodies are not documented by the sources: their members are the convention's signatories, each represented
by a fictitious person who says so (the demo accounts, « … Démo », or a name marked « personne fictive »). Their
frequency is « non précisée ». No meeting, agenda, decision or minutes is created: none is documented. The
documented dates (signature on 6 September 2021, diagnostic with ARFOS from September 2021) are already those of
the convention and of its DIAG-01 fiche. Idempotent: a body that exists (by kind) is left as it is.
"""

from django.db import transaction

from ctg.accounts.models import User
from ctg.conventions.enums import SignatoryRole
from ctg.conventions.models import Convention, Signatory
from ctg.steering.enums import BodyKind, Frequency, MemberRole, Side
from ctg.steering.models import Body
from ctg.steering.services import body_create, member_add

FICTITIOUS = "personne fictive de démonstration"
SIDES: dict[str, str] = {
    SignatoryRole.CAF: Side.CAF,
    SignatoryRole.EPCI: Side.EPCI,
    SignatoryRole.COMMUNE: Side.COMMUNE,
    SignatoryRole.PARTENAIRE: Side.PARTENAIRE,
}
# The demo accounts (ctg.conventions.demo) who sit for their organisation, by the organisation's signatory role;
# the coordination keeps the minutes of both bodies.
SEATS: dict[str, dict[str, list[tuple[str, str]]]] = {
    BodyKind.COPIL: {
        SignatoryRole.EPCI: [("coordination", MemberRole.SECRETAIRE)],
        SignatoryRole.CAF: [("caf", MemberRole.MEMBRE)],
    },
    BodyKind.COTECH: {
        SignatoryRole.EPCI: [("coordination", MemberRole.SECRETAIRE), ("pilote", MemberRole.MEMBRE)],
        SignatoryRole.CAF: [("caf", MemberRole.MEMBRE)],
    },
}
COMMUNE_ACCOUNTS = {"76114": "bolbec"}


@transaction.atomic
def load_demo_steering(*, convention: Convention) -> dict:
    """Create the COPIL and the comité technique of the demo convention; returns how many bodies and seats."""
    signatories = list(Signatory.objects.filter(convention=convention).select_related("organisation"))
    users = {u.username: u for u in User.objects.filter(memberships__convention=convention)}
    created_bodies = created_seats = 0
    for kind in (BodyKind.COPIL, BodyKind.COTECH):
        if Body.objects.filter(convention=convention, kind=kind).exists():
            continue
        body = body_create(convention=convention, kind=kind, frequency=Frequency.NON_PRECISEE, by=None)
        created_bodies += 1
        for signatory in signatories:
            organisation = signatory.organisation
            seats = SEATS[kind].get(signatory.role, [])
            if signatory.role == SignatoryRole.COMMUNE and organisation.commune_id in COMMUNE_ACCOUNTS:
                seats = [(COMMUNE_ACCOUNTS[organisation.commune_id], MemberRole.MEMBRE)]
            accounts = [(users[name], role) for name, role in seats if name in users]
            if not accounts:
                member_add(
                    body=body,
                    organisation=organisation,
                    side=SIDES[signatory.role],
                    role=MemberRole.MEMBRE,
                    person_name=f"Représentant·e de {organisation.name} ({FICTITIOUS})",
                    by=None,
                )
                created_seats += 1
            for user, role in accounts:
                member_add(
                    body=body, organisation=organisation, side=SIDES[signatory.role], role=role, user=user, by=None
                )
                created_seats += 1
    return {"bodies": created_bodies, "seats": created_seats}
