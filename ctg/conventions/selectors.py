"""Reads for convention pages: plain data, a bounded number of queries."""

from django.db.models import Count, Q, Sum

from ctg.conventions.enums import PHASE_ORDER, DocumentKind, Phase
from ctg.conventions.models import Convention, ConventionDocument, PhaseChange, Signatory
from ctg.organisations.models import Organisation
from ctg.territories.models import EPCI, Commune, Departement

PHASE_HISTORY_SIZE = 20


def conventions_for_home(user):
    return (
        Convention.objects.for_user(user)
        .select_related("epci", "caf")
        .annotate(engaged_count=Count("communes", distinct=True))
        .order_by("-start_date", "title")
    )


def convention_detail(convention: Convention) -> dict:
    signatories = list(
        Signatory.objects.filter(convention=convention)
        .select_related("organisation")
        .order_by("role", "organisation__name")
    )
    themes = list(convention.themes.all())
    communes = list(
        Commune.objects.filter(epci_id=convention.epci_id).only(
            "code", "name", "population", "population_year", "geometry"
        )
    )
    engaged_codes = set(convention.communes.values_list("code", flat=True))
    totals = Commune.objects.filter(epci_id=convention.epci_id).aggregate(population=Sum("population"))
    engaged_population = sum(c.population or 0 for c in communes if c.code in engaged_codes)
    phase_index = PHASE_ORDER.index(Phase(convention.phase))
    return {
        "signatories": signatories,
        "themes": themes,
        "communes": communes,
        "engaged": [c for c in communes if c.code in engaged_codes],
        "engaged_codes": engaged_codes,
        "epci_population": totals["population"],
        "engaged_population": engaged_population,
        "phases": [
            {
                "value": p.value,
                "label": p.label,
                "state": "done" if i < phase_index else "current" if i == phase_index else "todo",
            }
            for i, p in enumerate(PHASE_ORDER)
        ],
    }


def convention_records(convention: Convention) -> dict:
    """What only members read beside the facts: the signed copy, the amendments and the phase history."""
    documents = list(ConventionDocument.objects.filter(convention=convention).select_related("uploaded_by"))
    return {
        "signed_document": next((d for d in documents if d.kind == DocumentKind.SIGNED), None),
        "avenants": [d for d in documents if d.kind == DocumentKind.AVENANT],
        "phase_changes": list(
            PhaseChange.objects.filter(convention=convention).select_related("changed_by")[:PHASE_HISTORY_SIZE]
        ),
    }


def epcis_for_creation(departements):
    """EPCI with at least one commune in the given départements, for the creation form's list."""
    return EPCI.objects.filter(pk__in=Commune.objects.filter(departement__in=departements).values("epci_id")).order_by(
        "name"
    )


def cafs_for_creation(departements):
    """The CAF organisations of the given départements."""
    return Organisation.objects.filter(kind="caf", departement__in=departements).order_by("name")


def epci_departements(epci: EPCI):
    return Departement.objects.filter(pk__in=Commune.objects.filter(epci=epci).values("departement_id"))


def signatory_organisations(convention: Convention):
    """Organisations that may sign a convention: those of its territory (its EPCI, its communes, its départements)
    and the partners attached to no territory (MSA, associations…), plus its current signatories."""
    departements = epci_departements(convention.epci)
    return (
        Organisation.objects.filter(
            Q(epci=convention.epci)
            | Q(commune__epci=convention.epci)
            | Q(departement__in=departements)
            | Q(commune__isnull=True, epci__isnull=True, departement__isnull=True)
            | Q(signatures__convention=convention)
        )
        .distinct()
        .order_by("kind", "name")
    )


def convention_lineage(convention: Convention, user) -> dict:
    """The convention before and after this one (`Convention.previous`), each with whether `user` may read it:
    a convention the user may not read is mentioned without its title."""
    visible = Convention.objects.for_user(user)
    predecessor = Convention.objects.filter(pk=convention.previous_id).first() if convention.previous_id else None
    successor = Convention.objects.filter(previous=convention).first()
    return {
        "predecessor": predecessor,
        "predecessor_visible": predecessor is not None and visible.filter(pk=predecessor.pk).exists(),
        "successor": successor,
        "successor_visible": successor is not None and visible.filter(pk=successor.pk).exists(),
    }
