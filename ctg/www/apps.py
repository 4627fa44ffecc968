from django.apps import AppConfig


class WwwConfig(AppConfig):
    name = "ctg.www"
    label = "www"
