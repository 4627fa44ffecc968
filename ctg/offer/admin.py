from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ctg.offer.models import OfferItem, OfferTotal


@admin.register(OfferItem)
class OfferItemAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "commune", "capacity", "reference_year", "convention"]
    list_filter = ["kind"]
    search_fields = ["name", "commune__name", "manager_name"]
    raw_id_fields = ["convention", "commune"]
    filter_horizontal = ["covered_communes"]


@admin.register(OfferTotal)
class OfferTotalAdmin(SimpleHistoryAdmin):
    list_display = ["indicator", "year", "quantity", "convention"]
    list_filter = ["indicator", "year"]
    raw_id_fields = ["convention"]
