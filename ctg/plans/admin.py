from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ctg.plans.models import Action, FollowUpIndicator, FundingLine, Objective


@admin.register(Objective)
class ObjectiveAdmin(SimpleHistoryAdmin):
    list_display = ["code", "title", "theme", "convention"]
    search_fields = ["code", "title"]
    raw_id_fields = ["convention", "parent"]


@admin.register(Action)
class ActionAdmin(SimpleHistoryAdmin):
    list_display = ["code", "title", "status", "convention"]
    list_filter = ["status", "priority"]
    search_fields = ["code", "title"]
    raw_id_fields = ["convention", "parent", "lead_organisation", "pilot_user"]
    # Edits go through the plan pages and services (history author, versions, validations).
    readonly_fields = ["version"]


@admin.register(FundingLine)
class FundingLineAdmin(SimpleHistoryAdmin):
    list_display = ["action", "funder", "year", "nature", "scheme", "amount_planned", "amount_granted", "amount_paid"]
    raw_id_fields = ["action", "funder"]


@admin.register(FollowUpIndicator)
class FollowUpIndicatorAdmin(SimpleHistoryAdmin):
    list_display = ["code", "label", "baseline_state", "convention"]
    raw_id_fields = ["convention", "action", "objective"]
