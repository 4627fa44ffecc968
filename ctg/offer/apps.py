from django.apps import AppConfig


class OfferConfig(AppConfig):
    name = "ctg.offer"
    default_auto_field = "django.db.models.BigAutoField"
