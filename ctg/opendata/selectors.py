"""Reads of open-data provenance for pages."""

from django.db.models import Count, Max

from ctg.opendata.models import Dataset, IrisZone, LocalObservation


def datasets_for_index():
    """Every official file with its provenance and who imported it, newest first, in one query."""
    return Dataset.objects.official().select_related("imported_by").order_by("-imported_at", "-pk")


def iris_reference_summary() -> dict:
    """Number of IRIS in the reference and its latest vintage (count 0 when it is not imported)."""
    return IrisZone.objects.aggregate(count=Count("pk"), vintage=Max("vintage"))


def local_datasets_of(convention):
    """The local files of one convention, newest first, with who brought them and how many values remain."""
    return (
        Dataset.objects.local_to(convention)
        .select_related("imported_by")
        .annotate(values_in_place=Count("local_observations"))
        .order_by("-imported_at", "-pk")
    )


def local_values_of(convention):
    """The local figures of one convention with the file each comes from, ordered by variable, year, place."""
    return (
        LocalObservation.objects.filter(convention=convention)
        .select_related("dataset", "dataset__imported_by")
        .order_by("variable", "-year", "level", "code")
    )
