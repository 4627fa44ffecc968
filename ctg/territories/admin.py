from django.contrib import admin

from ctg.territories.models import EPCI, Commune, Departement, FormerCommune, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Departement)
class DepartementAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region"]
    search_fields = ["code", "name"]
    exclude = ["geometry"]


@admin.register(EPCI)
class EpciAdmin(admin.ModelAdmin):
    list_display = ["siren", "name", "kind", "population", "population_year"]
    list_filter = ["kind"]
    search_fields = ["siren", "name"]
    exclude = ["geometry"]


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "departement", "epci", "population", "population_year"]
    list_filter = ["departement__region"]
    search_fields = ["code", "name", "siren"]
    raw_id_fields = ["departement", "epci"]
    exclude = ["geometry"]


@admin.register(FormerCommune)
class FormerCommuneAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "commune", "kind", "effective"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "commune__code", "commune__name"]
    raw_id_fields = ["commune"]
