from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from ctg.accounts.models import DepartementAccess, Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["convention", "commune"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("Pilote CTG", {"fields": ("organisation",)}))
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
