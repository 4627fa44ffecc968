"""Users and their memberships: a membership gives a user one role on one convention."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from ctg.accounts.enums import Role, SecurityEventKind
from ctg.organisations.models import Organisation


class User(AbstractUser):
    email = models.EmailField("adresse électronique", unique=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="users"
    )
    # A deleted account keeps its row, scrubbed and deactivated, so that history rows still name an author.
    deleted_at = models.DateTimeField("compte supprimé le", null=True, blank=True)

    class Meta:
        verbose_name = "utilisateur"
        ordering = ["last_name", "first_name"]

    def __str__(self):
        if self.deleted_at:
            return "Compte supprimé"
        return self.get_full_name() or self.username


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    convention = models.ForeignKey("conventions.Convention", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    # Only for the "commune" role: the commune whose offer and data the member may edit.
    commune = models.ForeignKey(
        "territories.Commune", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "rôle sur une convention"
        verbose_name_plural = "rôles sur les conventions"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "convention"],
                name="membership_one_role_per_convention",
                violation_error_message="Cette personne a déjà un rôle sur cette convention.",
            ),
            models.CheckConstraint(
                condition=models.Q(role="commune", commune__isnull=False) | ~models.Q(role="commune"),
                name="membership_commune_role_needs_commune",
                violation_error_message="Le rôle « commune » doit désigner la commune concernée.",
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} – {self.convention}"


class DepartementAccess(models.Model):
    """Read access to every convention of a département (a CAF advisor's portfolio)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="departement_accesses")
    departement = models.ForeignKey("territories.Departement", on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = "accès en lecture à un département"
        verbose_name_plural = "accès en lecture aux départements"
        constraints = [
            models.UniqueConstraint(fields=["user", "departement"], name="departement_access_unique"),
        ]

    def __str__(self):
        return f"{self.user} – {self.departement}"


class SecurityEvent(models.Model):
    kind = models.CharField("événement", max_length=30, choices=SecurityEventKind.choices)
    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Kept as typed at the time (failed logins name no existing user); blanked when the account is deleted.
    username = models.CharField("identifiant", max_length=150, blank=True)
    convention = models.ForeignKey(
        "conventions.Convention", on_delete=models.CASCADE, null=True, blank=True, related_name="security_events"
    )
    detail = models.CharField("détail", max_length=1000, blank=True)
    ip_address = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    created_at = models.DateTimeField("date", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "événement de sécurité"
        verbose_name_plural = "journal de sécurité"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{timezone.localtime(self.created_at):%d/%m/%Y %H:%M} {self.get_kind_display()} {self.username}"


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """An e-mailed, expiring, single-use link that gives its holder a role on a convention.

    Only a hash of the token is stored: the link in the e-mail is the only copy of the secret.
    """

    convention = models.ForeignKey("conventions.Convention", on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField("adresse électronique")
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    commune = models.ForeignKey(
        "territories.Commune", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField("envoyée le", auto_now_add=True)
    expires_at = models.DateTimeField("expire le")
    accepted_at = models.DateTimeField("acceptée le", null=True, blank=True)
    accepted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = "invitation"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="commune", commune__isnull=False) | ~models.Q(role="commune"),
                name="invitation_commune_role_needs_commune",
                violation_error_message="Le rôle « commune » doit désigner la commune concernée.",
            ),
        ]

    def __str__(self):
        return f"{self.email} – {self.get_role_display()} – {self.convention}"

    @property
    def is_expired(self):
        return self.expires_at <= timezone.now()

    @property
    def is_usable(self):
        return self.accepted_at is None and not self.is_expired


class ProConnectIdentity(models.Model):
    """A ProConnect identity linked to an account, found again by the provider's stable subject (never the e-mail).

    The SIRET is the one ProConnect declared at the last sign-in; `siret_mismatch` says it differs from the
    account's organisation (flagged to the conventions' administrators, never blocking).
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="proconnect_identity")
    issuer = models.CharField("émetteur", max_length=300)
    subject = models.CharField("identifiant ProConnect (sub)", max_length=255)
    email = models.EmailField("adresse déclarée par ProConnect", blank=True)
    siret = models.CharField("SIRET déclaré par ProConnect", max_length=14, blank=True)
    siret_mismatch = models.BooleanField("SIRET différent de l'organisation du compte", default=False)
    idp_id = models.CharField("fournisseur d'identité", max_length=255, blank=True)
    linked_at = models.DateTimeField("liée le", auto_now_add=True)
    last_login_at = models.DateTimeField("dernière connexion", null=True, blank=True)

    class Meta:
        verbose_name = "identité ProConnect"
        verbose_name_plural = "identités ProConnect"
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"],
                name="proconnect_identity_unique_subject",
                violation_error_message="Cette identité ProConnect est déjà liée à un autre compte.",
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.subject}"
