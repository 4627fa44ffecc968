import altair
from django.apps import AppConfig


class ChartsConfig(AppConfig):
    name = "ctg.charts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Altair checks every object it builds against the Vega-Lite schema as it is built, and the whole spec again
        # when it is written: most of the time of a map. The specs are checked once per kind of map by
        # tests/charts/test_maps.py (test_every_kind_of_map_is_valid_vega_lite), not at each drawing.
        altair.utils.schemapi.disable_debug_mode()
