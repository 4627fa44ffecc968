from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ctg.organisations.models import Organisation


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "siren", "siret", "proconnect_required"]
    list_filter = ["kind", "proconnect_required"]
    search_fields = ["name", "siren", "siret"]
    raw_id_fields = ["commune", "epci", "departement"]
