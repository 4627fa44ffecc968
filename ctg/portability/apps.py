from django.apps import AppConfig


class PortabilityConfig(AppConfig):
    name = "ctg.portability"
    verbose_name = "Portabilité des conventions"
