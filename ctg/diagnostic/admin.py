from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ctg.diagnostic.models import Enjeu


@admin.register(Enjeu)
class EnjeuAdmin(SimpleHistoryAdmin):
    list_display = ["title", "theme", "priority", "status", "validated_on", "convention"]
    list_filter = ["status", "priority", "theme"]
    search_fields = ["title", "text"]
    raw_id_fields = ["convention", "validated_by"]
    # Validation goes through enjeu_validate, which checks the date and who records it.
    readonly_fields = ["status", "validated_on", "validated_by", "version"]

    def save_model(self, request, obj, form, change):
        # A change saved here makes an open edit form stale, as a change saved in the app does.
        if change and form.has_changed():
            obj.version += 1
        super().save_model(request, obj, form, change)
