from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ctg.conventions.models import Convention, Signatory, Theme


class SignatoryInline(admin.TabularInline):
    model = Signatory
    extra = 0
    raw_id_fields = ["organisation"]


@admin.register(Convention)
class ConventionAdmin(SimpleHistoryAdmin):
    list_display = ["title", "epci", "caf", "start_date", "end_date", "phase", "is_public"]
    list_filter = ["phase", "is_public"]
    search_fields = ["title", "epci__name"]
    raw_id_fields = ["epci", "caf", "previous"]
    filter_horizontal = ["communes", "themes"]
    inlines = [SignatoryInline]
    # Phase changes go through convention_change_phase, which enforces the allowed transitions.
    readonly_fields = ["phase"]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "order", "convention"]
    search_fields = ["code", "label"]
