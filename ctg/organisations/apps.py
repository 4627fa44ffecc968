from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "ctg.organisations"
    default_auto_field = "django.db.models.BigAutoField"
