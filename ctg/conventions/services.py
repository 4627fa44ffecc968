"""Writes on conventions. Each function is keyword-only, atomic, validates before saving, leaves history."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ctg.accounts.enums import SecurityEventKind
from ctg.accounts.journal import security_event_record
from ctg.accounts.models import User
from ctg.conventions.enums import ALLOWED_TRANSITIONS, Phase
from ctg.conventions.models import Convention, Signatory, Theme
from ctg.conventions.signals import convention_signed
from ctg.core.history import set_history_author
from ctg.core.saving import model_save
from ctg.core.services import model_update
from ctg.organisations.enums import OrganisationKind
from ctg.organisations.models import Organisation
from ctg.territories.models import EPCI, Commune

REFERENCE_THEMES = [
    ("acces-aux-droits", "Accès aux droits", 10),
    ("petite-enfance", "Petite enfance", 20),
    ("enfance-jeunesse", "Enfance et jeunesse", 30),
    ("parentalite", "Parentalité", 40),
    ("animation-vie-sociale", "Animation de la vie sociale", 50),
    ("logement", "Logement et gens du voyage", 60),
    ("handicap", "Handicap à visée inclusive", 70),
]


@transaction.atomic
def themes_ensure_reference() -> int:
    """Create the seven CAF reference themes if missing; returns how many were created."""
    created = 0
    for code, label, order in REFERENCE_THEMES:
        _, was_created = Theme.objects.get_or_create(
            code=code, convention=None, defaults={"label": label, "order": order}
        )
        created += was_created
    return created


@transaction.atomic
def convention_create(
    *,
    title: str,
    epci: EPCI,
    caf: Organisation,
    start_date: datetime.date,
    end_date: datetime.date,
    signed_on: datetime.date | None = None,
    previous: Convention | None = None,
    themes: list[Theme] | None = None,
    by=None,
) -> Convention:
    if caf.kind != OrganisationKind.CAF:
        raise ValidationError({"caf": "L'organisation choisie n'est pas une CAF."})
    if end_date <= start_date:
        raise ValidationError({"end_date": "La date de fin doit suivre la date de début."})
    convention = Convention(
        title=title.strip(),
        epci=epci,
        caf=caf,
        start_date=start_date,
        end_date=end_date,
        signed_on=signed_on,
        previous=previous,
    )
    model_save(convention, by=by)
    if themes:
        convention.themes.set(themes)
    return convention


@transaction.atomic
def convention_change_phase(*, convention: Convention, phase: str, by=None) -> Convention:
    """Move a convention to another phase; only the transitions of ALLOWED_TRANSITIONS are accepted."""
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    current = Phase(convention.phase)
    try:
        target = Phase(phase)
    except ValueError:
        raise ValidationError({"phase": f"Phase inconnue : « {phase} »."}) from None
    if target == current:
        raise ValidationError({"phase": f"La convention est déjà en phase « {current.label} »."})
    if target not in ALLOWED_TRANSITIONS[current]:
        allowed = ", ".join(f"« {Phase(p).label} »" for p in sorted(ALLOWED_TRANSITIONS[current]))
        detail = f" Phases possibles : {allowed}." if allowed else " Une convention close ne change plus de phase."
        raise ValidationError({"phase": f"Passage de « {current.label} » à « {target.label} » impossible.{detail}"})
    convention.phase = target
    set_history_author(convention, by)
    convention.save(update_fields=["phase", "updated_at"])
    return convention


@transaction.atomic
def convention_sign(*, convention: Convention, signed_on: datetime.date, by=None) -> Convention:
    """Record the convention's signature date, once; sends `convention_signed` in the same transaction."""
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    if convention.signed_on is not None:
        raise ValidationError({"signed_on": f"La convention est déjà signée (le {convention.signed_on:%d/%m/%Y})."})
    if signed_on > timezone.localdate():
        raise ValidationError({"signed_on": "La date de signature ne peut pas être dans le futur."})
    convention.signed_on = signed_on
    set_history_author(convention, by)
    convention.save(update_fields=["signed_on", "updated_at"])
    convention_signed.send(sender=Convention, convention=convention, by=by)
    return convention


@transaction.atomic
def convention_set_public(*, convention: Convention, is_public: bool, by: User) -> Convention:
    """Publish or withdraw the convention's public read-only page."""
    # The history of the convention records who published it.
    convention, changed = model_update(instance=convention, fields=["is_public"], data={"is_public": is_public}, by=by)
    if not changed:
        return convention
    security_event_record(
        kind=SecurityEventKind.PUBLICATION_CHANGED,
        user=by,
        convention=convention,
        detail="page publique ouverte" if is_public else "page publique retirée",
    )
    return Convention.objects.get(pk=convention.pk)


@transaction.atomic
def convention_set_communes(*, convention: Convention, communes: list[Commune], by=None) -> Convention:
    """Set the engaged communes; each must belong to the convention's EPCI."""
    outside = sorted((c for c in communes if c.epci_id != convention.epci_id), key=lambda c: c.code)
    if outside:
        names = ", ".join(f"{c.name} ({c.code})" for c in outside)
        raise ValidationError(
            {"communes": f"Ces communes n'appartiennent pas à l'EPCI {convention.epci.name} : {names}."}
        )
    set_history_author(convention, by)
    convention.communes.set(communes)
    return convention


@transaction.atomic
def signatory_add(
    *,
    convention: Convention,
    organisation: Organisation,
    role: str,
    signed_on: datetime.date | None = None,
    represented_by: str = "",
    by=None,
) -> Signatory:
    signatory = Signatory(
        convention=convention,
        organisation=organisation,
        role=role,
        signed_on=signed_on,
        represented_by=represented_by,
    )
    return model_save(signatory, by=by)
