"""Reads of open-data provenance for pages."""

from django.db.models import Count, Max

from ctg.opendata.models import Dataset, IrisZone


def datasets_for_index():
    """Every imported file with its provenance and who imported it, newest first, in one query."""
    return Dataset.objects.select_related("imported_by").order_by("-imported_at", "-pk")


def iris_reference_summary() -> dict:
    """Number of IRIS in the reference and its latest vintage (count 0 when it is not imported)."""
    return IrisZone.objects.aggregate(count=Count("pk"), vintage=Max("vintage"))
