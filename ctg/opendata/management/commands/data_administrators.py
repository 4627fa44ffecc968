from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError

from ctg.accounts.enums import SecurityEventKind
from ctg.accounts.journal import security_event_record


class Command(BaseCommand):
    help = (
        "Liste, nomme ou retire les administrateurs des données de la plateforme : eux seuls importent et retirent "
        "les données officielles (INSEE, CAF), partagées par toutes les conventions."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--add", metavar="IDENTIFIANT", help="Donne le rôle à ce compte.")
        group.add_argument("--remove", metavar="IDENTIFIANT", help="Retire le rôle à ce compte.")

    def handle(self, *args, add, remove, **options):
        permission = Permission.objects.get(content_type__app_label="opendata", codename="manage_official_data")
        if add or remove:
            user = self._user(add or remove)
            if add:
                user.user_permissions.add(permission)
            else:
                user.user_permissions.remove(permission)
            action = "donné à" if add else "retiré à"
            security_event_record(
                kind=SecurityEventKind.ROLE_CHANGED,
                user=user,
                detail=f"Rôle d'administration des données {action} {user.username} (commande d'administration).",
            )
            self.stdout.write(f"Rôle d'administration des données {action} {user.username}.")
        holders = get_user_model().objects.filter(user_permissions=permission, is_active=True).order_by("username")
        names = ", ".join(holders.values_list("username", flat=True)) or "aucun"
        self.stdout.write(f"Administrateurs des données (hors superutilisateurs) : {names}.")

    def _user(self, username):
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"Aucun compte n'a l'identifiant « {username} ».") from None
