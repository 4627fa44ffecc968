from django.contrib import admin

from ctg.evaluation.models import DiagnosticSnapshot


@admin.register(DiagnosticSnapshot)
class DiagnosticSnapshotAdmin(admin.ModelAdmin):
    """Read only: a snapshot is never changed once taken."""

    list_display = ["convention", "kind", "reference_date", "reconstructed", "value_count", "taken_at"]
    list_filter = ["kind", "reconstructed"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
