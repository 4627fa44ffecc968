from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ctg.plans.models import Action, FollowUpIndicator, FundingLine, Objective


class VersionedAdmin(SimpleHistoryAdmin):
    """A change saved here is a new version too: an edit form or an export opened before it becomes stale."""

    readonly_fields = ["version"]

    def save_model(self, request, obj, form, change):
        if change and form.has_changed():
            obj.version += 1
        super().save_model(request, obj, form, change)


@admin.register(Objective)
class ObjectiveAdmin(VersionedAdmin):
    list_display = ["code", "title", "theme", "convention"]
    search_fields = ["code", "title"]
    raw_id_fields = ["convention", "parent"]


@admin.register(Action)
class ActionAdmin(VersionedAdmin):
    list_display = ["code", "title", "status", "convention"]
    list_filter = ["status", "priority"]
    search_fields = ["code", "title"]
    raw_id_fields = ["convention", "parent", "lead_organisation", "pilot_user"]


@admin.register(FundingLine)
class FundingLineAdmin(VersionedAdmin):
    list_display = ["action", "funder", "year", "nature", "scheme", "amount_planned", "amount_granted", "amount_paid"]
    raw_id_fields = ["action", "funder"]


@admin.register(FollowUpIndicator)
class FollowUpIndicatorAdmin(VersionedAdmin):
    list_display = ["code", "label", "baseline_state", "convention"]
    raw_id_fields = ["convention", "action", "objective"]
