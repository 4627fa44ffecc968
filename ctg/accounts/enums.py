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
    PROCONNECT_LOGIN_FAILED = "proconnect_failed", "Échec de connexion ProConnect"
    PROCONNECT_LINKED = "proconnect_linked", "Compte lié à ProConnect"
    PROCONNECT_SIRET_MISMATCH = "proconnect_siret", "SIRET ProConnect différent de l'organisation"


class OidcFailure(models.TextChoices):
    """Why a ProConnect sign-in stopped; the error page says what to do for each."""

    NOT_CONFIGURED = "not_configured", "Connexion ProConnect non configurée"
    CONSENT_REFUSED = "consent_refused", "Autorisation refusée chez ProConnect"
    PROVIDER_REFUSED = "provider_refused", "Connexion refusée par ProConnect"
    STATE_INVALID = "state_invalid", "Retour de ProConnect inconnu ou déjà utilisé"
    STATE_EXPIRED = "state_expired", "Connexion trop ancienne"
    PROVIDER_DOWN = "provider_down", "ProConnect ne répond pas"
    PROVIDER_ERROR = "provider_error", "Réponse de ProConnect invalide"
    TOKEN_INVALID = "token_invalid", "Jeton d'identité refusé"
    NONCE_MISMATCH = "nonce_mismatch", "Jeton d'identité rejoué"
    CLAIMS_MISSING = "claims_missing", "Informations d'identité manquantes"
    NO_ACCOUNT = "no_account", "Aucun compte Pilote CTG"
    ACCOUNT_INACTIVE = "account_inactive", "Compte désactivé"
    INVITATION_UNUSABLE = "invitation_unusable", "Invitation inutilisable"
    ALREADY_LINKED = "already_linked", "Compte déjà lié à une autre identité ProConnect"
