"""Who may do what on a convention. Each predicate states its business rule in its docstring.

Views call these and raise PermissionDenied; lookups outside the user's scope answer 404 through
`Convention.objects.for_user(user)` before any predicate is reached. The rules live with the conventions, which
depend on accounts (users, roles, memberships), never the reverse.
"""

from ctg.accounts.enums import Role
from ctg.accounts.models import Membership
from ctg.conventions.models import Convention
from ctg.organisations.enums import OrganisationKind
from ctg.territories.models import EPCI, Commune, Departement

EDITOR_ROLES = {Role.ADMINISTRATEUR, Role.CONTRIBUTEUR}


def membership_for(user, convention) -> Membership | None:
    """The user's membership on the convention, cached on the user object for the request."""
    if not user.is_authenticated or not user.is_active:
        return None
    cache = user.__dict__.setdefault("_membership_cache", {})
    if convention.pk not in cache:
        cache[convention.pk] = Membership.objects.filter(user=user, convention=convention).first()
    return cache[convention.pk]


def role_on(user, convention) -> str | None:
    membership = membership_for(user, convention)
    return membership.role if membership else None


def can_view_convention(user, convention) -> bool:
    """Members of the convention, readers of its département and superusers may read it."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or membership_for(user, convention):
        return True
    return Convention.objects.for_user(user).filter(pk=convention.pk).exists()


def can_edit_convention(user, convention) -> bool:
    """Only the convention's administrators (coordinators) change its parties, phase and members."""
    return user.is_superuser or role_on(user, convention) == Role.ADMINISTRATEUR


def can_edit_content(user, convention) -> bool:
    """Administrators and contributors edit the plan, the diagnostic and the offer of services."""
    return user.is_superuser or role_on(user, convention) in EDITOR_ROLES


def can_manage_members(user, convention) -> bool:
    """Only the convention's administrators invite members and change their roles."""
    return user.is_superuser or role_on(user, convention) == Role.ADMINISTRATEUR


def can_view_journal(user, convention) -> bool:
    """The security journal of a convention is read by its administrators only."""
    return can_manage_members(user, convention)


def can_edit_commune_data(user, convention, commune) -> bool:
    """Editors edit every commune's offer and data; a commune member edits only their own commune's."""
    if can_edit_content(user, convention):
        return True
    membership = membership_for(user, convention)
    return bool(
        membership and membership.role == Role.COMMUNE and commune is not None and membership.commune_id == commune.pk
    )


def can_edit_piloted(user, convention, *, pilot_ids) -> bool:
    """Editors edit every action; a pilot edits only the actions (and their indicators) they pilot."""
    if can_edit_content(user, convention):
        return True
    return role_on(user, convention) == Role.PILOTE and user.pk in set(pilot_ids)


def creation_departements(user):
    """The départements in which the user may open conventions (a queryset, empty for most users)."""
    if not user.is_authenticated or not user.is_active:
        return Departement.objects.none()
    if user.is_superuser:
        return Departement.objects.all()
    organisation = user.organisation
    if organisation is None or organisation.kind != OrganisationKind.CAF:
        return Departement.objects.none()
    return Departement.objects.filter(pk__in=user.departement_accesses.values("departement"))


def can_create_convention(user, epci: EPCI | None = None) -> bool:
    """A CAF user with a département's access opens conventions for the EPCI of that département (superusers too).

    Without `epci`: whether the user may open a convention at all (the link on the home page)."""
    departements = creation_departements(user)
    if epci is None:
        return departements.exists()
    return Commune.objects.filter(epci=epci, departement__in=departements).exists()


def can_download_documents(user, convention) -> bool:
    """Whoever may read the convention reads its signed copy and its amendments."""
    return can_view_convention(user, convention)
