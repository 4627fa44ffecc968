from django.contrib import admin

from ctg.indicators.models import IndicatorSeries, IndicatorValue


class ReadOnlyAdmin(admin.ModelAdmin):
    """Computed data: refreshed only by indicators_compute, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(IndicatorSeries)
class IndicatorSeriesAdmin(ReadOnlyAdmin):
    list_display = ["indicator", "year", "source", "computed_at"]
    list_filter = ["year"]
    search_fields = ["indicator"]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(ReadOnlyAdmin):
    list_display = ["indicator", "level", "code", "year", "value", "status", "parts_present", "parts_expected"]
    list_filter = ["level", "status", "year"]
    search_fields = ["indicator", "code"]
    show_full_result_count = False
