"""Who may change data. Official datasets are shared by every convention: their rule is instance-wide and belongs
to a platform role (data administration), never to a convention role. Local data belongs to one convention."""

from ctg.conventions.perms import can_edit_content, can_view_convention

MANAGE_OFFICIAL_DATA = "opendata.manage_official_data"


def can_manage_official_data(user) -> bool:
    """Only data administrators (the platform permission, and superusers) import or withdraw official files."""
    return bool(user.is_authenticated and user.is_active and user.has_perm(MANAGE_OFFICIAL_DATA))


def can_see_official_importers(user) -> bool:
    """The people who imported official files are named to data administrators only."""
    return can_manage_official_data(user)


def can_view_local_data(user, convention) -> bool:
    """Whoever reads a convention reads its local data."""
    return can_view_convention(user, convention)


def can_manage_local_data(user, convention) -> bool:
    """The convention's administrators and contributors import and withdraw its local data."""
    return can_edit_content(user, convention)
