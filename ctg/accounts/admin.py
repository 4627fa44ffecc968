from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from ctg.accounts.models import DepartementAccess, Invitation, Membership, ProConnectIdentity, SecurityEvent, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["convention", "commune"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), ("Pilote CTG", {"fields": ("organisation", "deleted_at")}))
    readonly_fields = ["deleted_at"]
    list_display = ["username", "email", "first_name", "last_name", "organisation", "is_active"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "convention", "role", "commune"]
    list_filter = ["role"]
    raw_id_fields = ["user", "convention", "commune"]


@admin.register(DepartementAccess)
class DepartementAccessAdmin(admin.ModelAdmin):
    list_display = ["user", "departement"]
    raw_id_fields = ["user"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are created from the members page (the token is e-mailed, never shown); here they are read."""

    list_display = ["email", "convention", "role", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role"]
    exclude = ["token_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """The journal is append-only: read, never edited."""

    list_display = ["created_at", "kind", "username", "convention", "detail", "ip_address"]
    list_filter = ["kind"]
    search_fields = ["username", "detail"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ProConnectIdentity)
class ProConnectIdentityAdmin(admin.ModelAdmin):
    """Links are made by signing in; an administrator reads them and may delete one (the person links again)."""

    list_display = ["user", "email", "siret", "siret_mismatch", "linked_at", "last_login_at"]
    list_filter = ["siret_mismatch"]
    search_fields = ["user__username", "email", "siret", "subject"]
    readonly_fields = [f.name for f in ProConnectIdentity._meta.get_fields() if f.concrete]

    def has_add_permission(self, request):
        return False
