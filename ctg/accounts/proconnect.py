"""ProConnect identities and accounts: who an identity signs in as, linking, the SIRET check.

Rules: an identity is found again only by the provider's stable subject (issuer + `sub`), never by its e-mail.
A new account is created only through an invitation; an existing account that holds the same address links
itself only once its owner has typed its password. The SIRET ProConnect declares is compared with the account's
organisation; a difference is flagged in the journal of the member's conventions, never blocking.
"""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ctg.accounts.enums import SecurityEventKind
from ctg.accounts.journal import security_event_record
from ctg.accounts.models import Invitation, Membership, ProConnectIdentity, User
from ctg.accounts.oidc import Identity, is_configured
from ctg.accounts.selectors import accounts_holding_address
from ctg.accounts.services import invitation_accept
from ctg.organisations.models import Organisation


class ProConnectBackend(ModelBackend):
    """Keeps logged in the accounts that ProConnect identified; it authenticates no credentials itself."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        return None


def proconnect_required_for(user: User) -> bool:
    """A member of an organisation that requires ProConnect signs in only through it, once ProConnect is configured."""
    organisation = user.organisation if user.organisation_id else None
    return bool(is_configured() and organisation is not None and organisation.proconnect_required)


def proconnect_link_for(identity: Identity) -> ProConnectIdentity | None:
    """The link of this identity, by the provider's subject only."""
    return (
        ProConnectIdentity.objects.select_related("user", "user__organisation")
        .filter(issuer=identity.issuer, subject=identity.subject)
        .first()
    )


def siret_matches(organisation: Organisation | None, siret: str) -> bool | None:
    """Whether the declared SIRET is the organisation's (its SIREN at least); None when nothing can be compared."""
    if organisation is None or not siret:
        return None
    if organisation.siret:
        return organisation.siret == siret
    if organisation.siren:
        return siret[:9] == organisation.siren
    return None


def _check_siret(link: ProConnectIdentity, identity: Identity) -> None:
    """Record the declared SIRET; a new difference with the organisation goes to the conventions' journals."""
    user = link.user
    organisation = user.organisation if user.organisation_id else None
    mismatch = siret_matches(organisation, identity.siret) is False
    newly_flagged = mismatch and (not link.siret_mismatch or link.siret != identity.siret)
    link.siret, link.siret_mismatch = identity.siret, mismatch
    if not newly_flagged or organisation is None:
        return
    reference = organisation.siret or f"SIREN {organisation.siren}"
    detail = (
        f"{user.username} : SIRET déclaré par ProConnect {identity.siret}, "
        f"différent de celui de l'organisation « {organisation.name} » ({reference})"
    )
    memberships = Membership.objects.filter(user=user).select_related("convention").order_by("pk")
    for membership in memberships:
        security_event_record(
            kind=SecurityEventKind.PROCONNECT_SIRET_MISMATCH,
            user=user,
            convention=membership.convention,
            detail=detail,
        )
    if not memberships:
        security_event_record(kind=SecurityEventKind.PROCONNECT_SIRET_MISMATCH, user=user, detail=detail)


def _refresh(link: ProConnectIdentity, identity: Identity) -> ProConnectIdentity:
    _check_siret(link, identity)
    link.email = identity.email
    link.idp_id = identity.idp_id[:255]
    link.last_login_at = timezone.now()
    link.save()
    return link


@transaction.atomic
def proconnect_sign_in_known(*, link: ProConnectIdentity, identity: Identity) -> User:
    """A returning identity: its account, with the declared e-mail and SIRET refreshed."""
    link = ProConnectIdentity.objects.select_for_update(of=("self",)).select_related("user").get(pk=link.pk)
    if not link.user.is_active or link.user.deleted_at is not None:
        raise ValidationError("Ce compte est désactivé.")
    _refresh(link, identity)
    return link.user


@transaction.atomic
def proconnect_identity_link(*, user: User, identity: Identity, ip_address: str | None = None) -> ProConnectIdentity:
    """Link the identity to an existing account.

    The caller has had the account's password typed and checked (django.contrib.auth.authenticate, so that failed
    attempts count towards the lockout): a matching e-mail alone never links anything.
    """
    if not user.is_active or user.deleted_at is not None:
        raise ValidationError("Ce compte est désactivé.")
    if ProConnectIdentity.objects.filter(user=user).exclude(issuer=identity.issuer, subject=identity.subject).exists():
        raise ValidationError("Ce compte est déjà lié à une autre identité ProConnect.")
    try:
        with transaction.atomic():
            link = ProConnectIdentity.objects.create(user=user, issuer=identity.issuer, subject=identity.subject)
    except IntegrityError:
        raise ValidationError("Cette identité ProConnect est déjà liée à un autre compte.") from None
    link.user = user
    _refresh(link, identity)
    security_event_record(
        kind=SecurityEventKind.PROCONNECT_LINKED,
        user=user,
        detail=f"identité ProConnect {identity.email} liée après saisie du mot de passe",
        ip_address=ip_address,
    )
    return link


@transaction.atomic
def proconnect_account_create(*, invitation: Invitation, identity: Identity, ip_address: str | None = None) -> User:
    """A new account for the person invited, linked to the identity they signed in with, and the invitation used."""
    invitation = Invitation.objects.select_for_update(of=("self",)).get(pk=invitation.pk)
    if not invitation.is_usable:
        raise ValidationError("Cette invitation a déjà été utilisée ou a expiré.")
    if accounts_holding_address(invitation.email).exists():
        raise ValidationError("Un compte existe déjà pour cette adresse.")
    if ProConnectIdentity.objects.filter(issuer=identity.issuer, subject=identity.subject).exists():
        raise ValidationError("Cette identité ProConnect est déjà liée à un autre compte.")
    user = User(
        username=invitation.email,
        email=invitation.email,
        first_name=identity.given_name[:150],
        last_name=identity.usual_name[:150],
    )
    # The account signs in through ProConnect; a password can be set later by the reset link.
    user.set_unusable_password()
    # The organisation whose SIRET ProConnect declares, when exactly one has it.
    organisations = list(Organisation.objects.filter(siret=identity.siret)[:2]) if identity.siret else []
    user.organisation = organisations[0] if len(organisations) == 1 else None
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ValidationError("Un compte existe déjà pour cette adresse.") from None
    link = ProConnectIdentity.objects.create(user=user, issuer=identity.issuer, subject=identity.subject)
    invitation_accept(invitation=invitation, by=user)
    security_event_record(
        kind=SecurityEventKind.PROCONNECT_LINKED,
        user=user,
        convention=invitation.convention,
        detail=f"compte créé par invitation avec l'identité ProConnect {identity.email}",
        ip_address=ip_address,
    )
    _refresh(link, identity)
    return user
