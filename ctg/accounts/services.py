"""Writes on accounts, memberships and invitations. Keyword-only, atomic, validated, journaled."""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from ctg.accounts.enums import Role, SecurityEventKind
from ctg.accounts.journal import security_event_record
from ctg.accounts.models import DepartementAccess, Invitation, Membership, ProConnectIdentity, SecurityEvent, User
from ctg.accounts.selectors import accounts_holding_address
from ctg.core.services import model_update
from ctg.core.text import control_character_message


def _journal(kind: str, user, convention, detail: str) -> None:
    """One entry of the security journal about the members of a convention, by the user who acted."""
    security_event_record(kind=kind, user=user, convention=convention, detail=detail)


def invitation_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _check_role(*, convention, role: str, commune):
    if role not in Role.values:
        raise ValidationError({"role": "Ce rôle n'existe pas."})
    if role == Role.COMMUNE:
        if commune is None:
            raise ValidationError({"commune": "Le rôle « commune » doit désigner la commune concernée."})
        if not convention.communes.filter(pk=commune.pk).exists():
            raise ValidationError({"commune": "Cette commune n'est pas engagée dans la convention."})
    elif commune is not None:
        raise ValidationError({"commune": "Seul le rôle « commune » désigne une commune."})


def _lock_membership(membership: Membership) -> Membership:
    """The membership re-read under lock, with its convention's administrators locked too.

    Locking every administrator row of the convention, always in primary-key order, serialises the changes that
    could each leave the convention without an administrator (two administrators removing each other at once).
    """
    list(
        Membership.objects.select_for_update()
        .filter(Q(convention_id=membership.convention_id, role=Role.ADMINISTRATEUR) | Q(pk=membership.pk))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    try:
        return Membership.objects.select_related("user", "convention").get(pk=membership.pk)
    except Membership.DoesNotExist:
        raise ValidationError(
            "Cette personne vient d'être retirée de la convention : rechargez la page des membres."
        ) from None


def _check_keeps_an_administrator(membership: Membership, *, new_role: str | None):
    """A convention keeps at least one administrator whose account can still log in."""
    if membership.role != Role.ADMINISTRATEUR or new_role == Role.ADMINISTRATEUR:
        return
    others = Membership.objects.filter(
        convention_id=membership.convention_id,
        role=Role.ADMINISTRATEUR,
        user__is_active=True,
        user__deleted_at__isnull=True,
    ).exclude(pk=membership.pk)
    if not others.exists():
        raise ValidationError("La convention doit garder au moins un administrateur dont le compte est actif.")


@transaction.atomic
def invitation_create(*, convention, email: str, role: str, commune=None, by: User) -> tuple[Invitation, str]:
    """Create an invitation and return it with its token (the only copy: it goes into the e-mail)."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Saisissez une adresse électronique valide."}) from None
    _check_role(convention=convention, role=role, commune=commune)
    if Membership.objects.filter(convention=convention, user__in=accounts_holding_address(email)).exists():
        raise ValidationError({"email": "Cette personne est déjà membre de la convention."})
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        convention=convention,
        email=email,
        role=role,
        commune=commune if role == Role.COMMUNE else None,
        token_hash=invitation_token_hash(token),
        invited_by=by,
        expires_at=timezone.now() + datetime.timedelta(days=settings.INVITATION_VALIDITY_DAYS),
    )
    _journal(SecurityEventKind.INVITATION_SENT, by, convention, f"{email} invité·e comme {Role(role).label}")
    return invitation, token


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation matching the token, whatever its state (the caller says why it cannot be used)."""
    return (
        Invitation.objects.select_related("convention", "commune")
        .filter(token_hash=invitation_token_hash(token or ""))
        .first()
    )


def _check_usable(invitation: Invitation):
    if invitation.accepted_at is not None:
        raise ValidationError("Cette invitation a déjà été utilisée.")
    if invitation.is_expired:
        raise ValidationError("Cette invitation a expiré : demandez-en une nouvelle à l'administrateur.")


@transaction.atomic
def invitation_accept(
    *, invitation: Invitation, by: User | None, first_name: str = "", last_name: str = "", password: str = ""
) -> User:
    """Use the invitation once: create the account (or take the logged-in one) and give it its role."""
    # The lock makes a double click wait for the first acceptance, then find the invitation used.
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("convention", "commune")
        .get(pk=invitation.pk)
    )
    _check_usable(invitation)
    if by is not None and by.is_authenticated:
        if not accounts_holding_address(invitation.email).filter(pk=by.pk).exists():
            raise ValidationError("Cette invitation est destinée à une autre adresse électronique.")
        user = by
    else:
        user = _account_for_invitation(invitation, first_name=first_name, last_name=last_name, password=password)
    if Membership.objects.filter(user=user, convention=invitation.convention).exists():
        raise ValidationError("Vous avez déjà un rôle sur cette convention.")
    try:
        # Another invitation to the same convention accepted at the same instant loses on the unique constraint.
        with transaction.atomic():
            Membership.objects.create(
                user=user, convention=invitation.convention, role=invitation.role, commune=invitation.commune
            )
    except IntegrityError:
        raise ValidationError("Vous avez déjà un rôle sur cette convention.") from None
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    _journal(
        SecurityEventKind.INVITATION_ACCEPTED,
        user,
        invitation.convention,
        f"{invitation.email} a rejoint la convention comme {invitation.get_role_display()}",
    )
    return user


def _checked_names(first_name: str, last_name: str) -> tuple[str, str]:
    """The names stripped; refused when empty or holding a control character (it would break every export)."""
    names = {"first_name": (first_name or "").strip(), "last_name": (last_name or "").strip()}
    labels = {"first_name": "Prénom", "last_name": "Nom"}
    errors = {field: "Ce champ est obligatoire." for field, value in names.items() if not value}
    for field, value in names.items():
        message = control_character_message(value)
        if message is not None:
            errors[field] = f"{labels[field]} : {message}"
    if errors:
        raise ValidationError(errors)
    return names["first_name"], names["last_name"]


def _account_for_invitation(invitation: Invitation, *, first_name: str, last_name: str, password: str) -> User:
    """A new account named after the invited address; refused when an account already holds that address."""
    existing = "Un compte existe déjà pour cette adresse : connectez-vous pour accepter l'invitation."
    if accounts_holding_address(invitation.email).exists():
        raise ValidationError(existing)
    first_name, last_name = _checked_names(first_name, last_name)
    user = User(username=invitation.email, email=invitation.email, first_name=first_name, last_name=last_name)
    validate_password(password, user)
    user.set_password(password)
    try:
        # Two invitations to one address (two conventions) accepted at the same instant: the second loses here.
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ValidationError(existing) from None
    return user


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: User) -> None:
    if invitation.accepted_at is not None:
        raise ValidationError("Cette invitation a déjà été acceptée.")
    _journal(SecurityEventKind.MEMBER_REMOVED, by, invitation.convention, f"invitation de {invitation.email} annulée")
    invitation.delete()


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, commune=None, by: User) -> Membership:
    membership = _lock_membership(membership)
    _check_role(convention=membership.convention, role=role, commune=commune)
    _check_keeps_an_administrator(membership, new_role=role)
    previous = membership.get_role_display()
    data = {"role": role, "commune": commune if role == Role.COMMUNE else None}
    membership, _ = model_update(instance=membership, fields=data, data=data, by=by)
    _journal(
        SecurityEventKind.ROLE_CHANGED,
        by,
        membership.convention,
        f"{membership.user.username} : {previous} → {membership.get_role_display()}",
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by: User) -> None:
    membership = _lock_membership(membership)
    _check_keeps_an_administrator(membership, new_role=None)
    _journal(
        SecurityEventKind.MEMBER_REMOVED,
        by,
        membership.convention,
        f"{membership.user.username} ({membership.get_role_display()}) retiré·e de la convention",
    )
    membership.delete()


@transaction.atomic
def user_update_profile(*, user: User, first_name: str, last_name: str, by: User) -> User:
    if by.pk != user.pk:
        raise ValidationError("Chacun ne modifie que son propre profil.")
    first_name, last_name = _checked_names(first_name, last_name)
    data = {"first_name": first_name[:150], "last_name": last_name[:150]}
    user, _ = model_update(instance=user, fields=data, data=data, by=by)
    return user


def user_personal_data(user: User) -> dict:
    """Everything the application holds about the person, as plain data (right of access)."""
    memberships = Membership.objects.filter(user=user).select_related("convention", "commune")
    events = SecurityEvent.objects.filter(user=user).select_related("convention").order_by("created_at")
    return {
        "compte": {
            "identifiant": user.username,
            "prenom": user.first_name,
            "nom": user.last_name,
            "adresse_electronique": user.email,
            "organisation": user.organisation.name if user.organisation else None,
            "cree_le": user.date_joined.isoformat(),
            "derniere_connexion": user.last_login.isoformat() if user.last_login else None,
        },
        "roles": [
            {
                "convention": m.convention.title,
                "role": m.get_role_display(),
                "commune": m.commune.name if m.commune else None,
                "depuis": m.created_at.isoformat(),
            }
            for m in memberships
        ],
        "identite_proconnect": [
            {"adresse": link.email, "siret": link.siret, "liee_le": link.linked_at.isoformat()}
            for link in ProConnectIdentity.objects.filter(user=user)
        ],
        "acces_departementaux": list(
            DepartementAccess.objects.filter(user=user).values_list("departement__name", flat=True)
        ),
        "journal": [
            {
                "date": e.created_at.isoformat(),
                "evenement": e.get_kind_display(),
                "convention": e.convention.title if e.convention else None,
                "detail": e.detail,
                "adresse_ip": e.ip_address,
            }
            for e in events
        ],
    }


@transaction.atomic
def user_delete(*, user: User, by: User) -> None:
    """Delete a person's account: scrub and deactivate the row so history keeps an anonymous author."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    if by.pk != user.pk:
        raise ValidationError("Chacun ne supprime que son propre compte.")
    if user.is_superuser:
        raise ValidationError("Un super-utilisateur se supprime par l'administration du site.")
    for membership in Membership.objects.filter(user=user, role=Role.ADMINISTRATEUR).order_by("pk"):
        membership = _lock_membership(membership)
        try:
            _check_keeps_an_administrator(membership, new_role=None)
        except ValidationError:
            raise ValidationError(
                f"Vous êtes le seul administrateur de « {membership.convention} » : "
                "désignez un autre administrateur avant de supprimer votre compte."
            ) from None
    old_username = user.username
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username=old_username).delete()
    Membership.objects.filter(user=user).delete()
    DepartementAccess.objects.filter(user=user).delete()
    ProConnectIdentity.objects.filter(user=user).delete()
    Invitation.objects.filter(email__iexact=user.email, accepted_at__isnull=True).delete()
    SecurityEvent.objects.filter(user=user).update(username="", ip_address=None)
    SecurityEvent.objects.filter(user__isnull=True, username=old_username).update(username="", ip_address=None)
    user.username = f"compte-supprime-{user.pk}"
    user.email = f"compte-supprime-{user.pk}@pilote-ctg.invalid"
    user.first_name = ""
    user.last_name = ""
    user.organisation = None
    user.is_active = False
    user.is_staff = False
    user.deleted_at = timezone.now()
    user.set_unusable_password()
    user.save()
    security_event_record(kind=SecurityEventKind.ACCOUNT_DELETED, user=user, detail="compte supprimé à la demande")


@transaction.atomic
def accounts_purge_expired(*, now=None) -> dict:
    """Delete journal entries older than the retention period and invitations expired for a month or more."""
    now = now or timezone.now()
    journal_limit = now - datetime.timedelta(days=settings.SECURITY_JOURNAL_RETENTION_DAYS)
    events, _ = SecurityEvent.objects.filter(created_at__lt=journal_limit).delete()
    invitations, _ = Invitation.objects.filter(
        accepted_at__isnull=True, expires_at__lt=now - datetime.timedelta(days=30)
    ).delete()
    return {"events": events, "invitations": invitations}
