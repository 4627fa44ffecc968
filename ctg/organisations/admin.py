from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ctg.organisations.models import Organisation


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "siren"]
    list_filter = ["kind"]
    search_fields = ["name", "siren"]
    raw_id_fields = ["commune", "epci", "departement"]
