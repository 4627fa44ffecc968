"""Who may import open-data files. Datasets are shared by every convention, so the rule is instance-wide."""

from ctg.accounts.enums import Role
from ctg.accounts.models import Membership


def can_import_datasets(user) -> bool:
    """Superusers and the administrators or contributors of at least one convention import open-data files."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return Membership.objects.filter(user=user, role__in=[Role.ADMINISTRATEUR, Role.CONTRIBUTEUR]).exists()
