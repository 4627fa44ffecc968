from django.contrib import admin

from ctg.opendata.models import Dataset, IrisZone, Observation


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = ["file_name", "producer", "title", "vintage", "row_count", "observation_count", "imported_at"]
    list_filter = ["producer", "format"]
    search_fields = ["file_name", "title", "sha256"]
    # Provenance is written by the import service only.
    readonly_fields = [field.name for field in Dataset._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Observation)
class ObservationAdmin(admin.ModelAdmin):
    list_display = ["variable", "year", "level", "code", "value", "status", "incomplete", "dataset"]
    list_filter = ["level", "status", "incomplete", "year"]
    search_fields = ["=code", "=variable"]
    list_select_related = ["dataset"]
    show_full_result_count = False
    readonly_fields = [field.name for field in Observation._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IrisZone)
class IrisZoneAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "commune_code", "kind", "vintage"]
    search_fields = ["=code", "=commune_code", "name"]
    readonly_fields = ["code", "commune_code", "name", "kind", "vintage"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
