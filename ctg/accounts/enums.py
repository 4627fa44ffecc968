from django.db import models


class Role(models.TextChoices):
    ADMINISTRATEUR = "administrateur", "Administrateur (coordination)"
    CONTRIBUTEUR = "contributeur", "Contributeur"
    PILOTE = "pilote", "Pilote d'actions"
    COMMUNE = "commune", "Commune"
    LECTEUR = "lecteur", "Lecteur"


class SecurityEventKind(models.TextChoices):
    LOGIN = "login", "Connexion"
    LOGIN_FAILED = "login_failed", "Échec de connexion"
    LOGOUT = "logout", "Déconnexion"
    ROLE_CHANGED = "role_changed", "Changement de rôle"
    INVITATION_SENT = "invitation_sent", "Invitation envoyée"
    INVITATION_ACCEPTED = "invitation_accepted", "Invitation acceptée"
    EXPORT = "export", "Export"
    IMPORT = "import", "Import"
    ACCOUNT_DELETED = "account_deleted", "Compte supprimé"
    PASSWORD_RESET = "password_reset", "Réinitialisation du mot de passe"
    PASSWORD_RESET_THROTTLED = "password_reset_throttled", "Demande de réinitialisation au-delà de la limite"
    MEMBER_REMOVED = "member_removed", "Retrait d'un membre"
    PUBLICATION_CHANGED = "publication_changed", "Publication de la page publique"
    PERSONAL_DATA_EXPORT = "personal_data_export", "Export des données personnelles"
