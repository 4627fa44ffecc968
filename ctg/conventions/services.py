"""Writes on conventions. Each function is keyword-only, atomic, validates before saving, leaves history."""

import datetime
import os

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from ctg.accounts.enums import Role, SecurityEventKind
from ctg.accounts.journal import security_event_record
from ctg.accounts.models import Invitation, Membership, User
from ctg.accounts.services import invitation_create
from ctg.accounts.uploads import validate_upload
from ctg.conventions.enums import ALLOWED_TRANSITIONS, PHASE_ORDER, DocumentKind, Phase, SignatoryRole
from ctg.conventions.models import Convention, ConventionDocument, PhaseChange, Signatory, Theme
from ctg.conventions.perms import can_create_convention, creation_departements
from ctg.conventions.signals import convention_signed
from ctg.core.history import set_history_author
from ctg.core.saving import model_save
from ctg.core.services import model_update
from ctg.core.text import control_character_message
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


def _check_period(start_date, end_date) -> dict[str, str]:
    errors = {}
    if start_date is None:
        errors["start_date"] = "Indiquez la date de début de la convention."
    if end_date is None:
        errors["end_date"] = "Indiquez la date de fin de la convention."
    if start_date and end_date and end_date <= start_date:
        errors["end_date"] = "La date de fin doit suivre la date de début."
    return errors


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
    communes: list[Commune] | None = None,
    by=None,
) -> Convention:
    """Create a convention between a CAF and an EPCI; every refusal is collected and named by field."""
    errors = _check_period(start_date, end_date)
    title = (title or "").strip()
    if not title:
        errors["title"] = "Donnez un intitulé à la convention."
    if caf.kind != OrganisationKind.CAF:
        errors["caf"] = "L'organisation choisie n'est pas une CAF."
    elif caf.departement_id and not Commune.objects.filter(epci=epci, departement_id=caf.departement_id).exists():
        errors["caf"] = f"{caf.name} n'est pas la CAF d'un département de l'EPCI {epci.name}."
    local = [theme.label for theme in themes or [] if not theme.is_reference]
    if local:
        errors["themes"] = f"Une nouvelle convention ne reprend que des thématiques de référence ({', '.join(local)})."
    outside = sorted((c for c in communes or [] if c.epci_id != epci.pk), key=lambda c: c.code)
    if outside:
        names = ", ".join(f"{c.name} ({c.code})" for c in outside)
        errors["communes"] = f"Ces communes n'appartiennent pas à l'EPCI {epci.name} : {names}."
    if "start_date" not in errors and "end_date" not in errors:
        overlapping = Convention.objects.filter(epci=epci, start_date__lte=end_date, end_date__gte=start_date).first()
        if overlapping:
            errors["start_date"] = (
                f"La convention « {overlapping.title} » couvre déjà une partie de cette période pour cet EPCI "
                f"({overlapping.start_date:%d/%m/%Y} – {overlapping.end_date:%d/%m/%Y})."
            )
    if errors:
        raise ValidationError(errors)
    convention = Convention(
        title=title,
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
    if communes:
        convention.communes.set(communes)
    return convention


@transaction.atomic
def convention_open(
    *,
    epci: EPCI,
    caf: Organisation,
    title: str,
    start_date: datetime.date,
    end_date: datetime.date,
    themes: list[Theme],
    communes: list[Commune],
    coordinator_email: str,
    by: User,
) -> tuple[Convention, Invitation, str]:
    """A CAF user opens a convention for an EPCI of their département and invites its coordinator as administrator.

    Returns the convention, the invitation and its token (the only copy: it goes into the e-mail). The convention
    follows the EPCI's last convention that ended before it and has no renewal yet."""
    if not can_create_convention(by, epci):
        raise PermissionDenied("Seul un agent de la CAF ayant accès au département de l'EPCI ouvre sa convention.")
    errors: dict[str, str] = {}
    if caf.departement_id and not creation_departements(by).filter(pk=caf.departement_id).exists():
        errors["caf"] = f"Vous n'avez pas accès au département de {caf.name}."
    email = (coordinator_email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        errors["coordinator_email"] = "Saisissez l'adresse électronique de la coordinatrice ou du coordinateur CTG."
    previous = None
    if start_date:
        previous = (
            Convention.objects.filter(epci=epci, end_date__lt=start_date, renewal__isnull=True)
            .order_by("-end_date")
            .first()
        )
    try:
        convention = convention_create(
            title=title,
            epci=epci,
            caf=caf,
            start_date=start_date,
            end_date=end_date,
            previous=previous,
            themes=themes,
            communes=communes,
            by=by,
        )
    except ValidationError as exc:
        merged = exc.message_dict
        for field, message in errors.items():
            merged.setdefault(field, []).append(message)
        raise ValidationError(merged) from None
    if errors:
        raise ValidationError(errors)
    invitation, token = invitation_create(convention=convention, email=email, role=Role.ADMINISTRATEUR, by=by)
    return convention, invitation, token


@transaction.atomic
def convention_change_phase(*, convention: Convention, phase: str, reason: str = "", by=None) -> Convention:
    """Move a convention to another phase; only the transitions of ALLOWED_TRANSITIONS are accepted, and a move
    backwards states its reason. Each move is kept in the phase history (and the convention's own history)."""
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
        detail = f" Phases possibles : {allowed}." if allowed else " Une convention clôturée ne change plus de phase."
        raise ValidationError({"phase": f"Passage de « {current.label} » à « {target.label} » impossible.{detail}"})
    reason = (reason or "").strip()
    backwards = PHASE_ORDER.index(target) < PHASE_ORDER.index(current)
    if backwards and not reason:
        raise ValidationError(
            {
                "reason": f"Indiquez pourquoi la convention revient en phase « {target.label} » : ce motif est gardé "
                "dans l'historique."
            }
        )
    message = control_character_message(reason)
    if message is not None:
        raise ValidationError({"reason": f"Motif : {message}"})
    convention.phase = target
    set_history_author(convention, by)
    # simple-history keeps a short reason on the convention's own record; the phase history keeps it whole.
    convention._change_reason = (reason or f"{current.label} → {target.label}")[:100]  # type: ignore[attr-defined]
    convention.save(update_fields=["phase", "updated_at"])
    PhaseChange.objects.create(
        convention=convention,
        from_phase=current,
        to_phase=target,
        reason=reason,
        changed_by=by if getattr(by, "pk", None) else None,
    )
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
def convention_update(
    *,
    convention: Convention,
    title: str,
    start_date: datetime.date,
    end_date: datetime.date,
    themes: list[Theme],
    communes: list[Commune],
    signed_on: datetime.date | None = None,
    by=None,
) -> Convention:
    """Change a convention's title, period, themes and engaged communes; record its signature date once (which
    sends `convention_signed`). Every refusal is named by field; nothing is written on a refusal."""
    convention = Convention.objects.select_for_update(of=("self",)).select_related("epci").get(pk=convention.pk)
    errors = _check_period(start_date, end_date)
    title = (title or "").strip()
    if not title:
        errors["title"] = "Donnez un intitulé à la convention."
    foreign = [t.label for t in themes if t.convention_id not in (None, convention.pk)]
    if foreign:
        errors["themes"] = f"Ces thématiques appartiennent à une autre convention : {', '.join(foreign)}."
    outside = sorted((c for c in communes if c.epci_id != convention.epci_id), key=lambda c: c.code)
    if outside:
        names = ", ".join(f"{c.name} ({c.code})" for c in outside)
        errors["communes"] = f"Ces communes n'appartiennent pas à l'EPCI {convention.epci.name} : {names}."
    if "start_date" not in errors and "end_date" not in errors:
        overlapping = (
            Convention.objects.filter(epci_id=convention.epci_id, start_date__lte=end_date, end_date__gte=start_date)
            .exclude(pk=convention.pk)
            .first()
        )
        if overlapping:
            errors["start_date"] = (
                f"La convention « {overlapping.title} » couvre déjà une partie de cette période pour cet EPCI "
                f"({overlapping.start_date:%d/%m/%Y} – {overlapping.end_date:%d/%m/%Y})."
            )
    kept = {c.pk for c in communes}
    staffed = sorted(
        set(
            Membership.objects.filter(convention=convention, role=Role.COMMUNE)
            .exclude(commune__in=kept)
            .values_list("commune__name", flat=True)
        )
    )
    if staffed:
        errors["communes"] = (
            f"Des membres de la convention représentent ces communes : {', '.join(staffed)}. Changez d'abord leur "
            "rôle (page Membres), puis retirez la commune."
        )
    if convention.signed_on and signed_on and signed_on != convention.signed_on:
        errors["signed_on"] = (
            f"La signature est déjà enregistrée (le {convention.signed_on:%d/%m/%Y}) : elle ne change plus."
        )
    if errors:
        raise ValidationError(errors)
    data = {"title": title, "start_date": start_date, "end_date": end_date, "themes": themes, "communes": communes}
    convention, _ = model_update(instance=convention, fields=list(data), data=data, by=by)
    if signed_on and convention.signed_on is None:
        convention = convention_sign(convention=convention, signed_on=signed_on, by=by)
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


def _check_signatory(*, convention: Convention, organisation: Organisation, role: str, signed_on, represented_by):
    errors = {}
    if role not in SignatoryRole.values:
        errors["role"] = "Choisissez le rôle du signataire dans la liste."
    if signed_on and signed_on > timezone.localdate():
        errors["signed_on"] = "La date de signature ne peut pas être dans le futur."
    elif signed_on and signed_on > convention.end_date:
        errors["signed_on"] = "La date de signature suit la fin de la convention : vérifiez l'année."
    message = control_character_message(represented_by)
    if message is not None:
        errors["represented_by"] = f"Représentée par : {message}"
    expected_kinds: dict[str, str] = {
        SignatoryRole.CAF: OrganisationKind.CAF,
        SignatoryRole.EPCI: OrganisationKind.EPCI,
    }
    expected_kind = expected_kinds.get(role)
    if expected_kind and organisation.kind != expected_kind:
        errors["organisation"] = (
            f"Le rôle « {SignatoryRole(role).label} » revient à une organisation de type "
            f"« {OrganisationKind(expected_kind).label} » ; {organisation.name} est de type "
            f"« {organisation.get_kind_display()} »."
        )
    if errors:
        raise ValidationError(errors)


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
    represented_by = (represented_by or "").strip()
    _check_signatory(
        convention=convention,
        organisation=organisation,
        role=role,
        signed_on=signed_on,
        represented_by=represented_by,
    )
    signatory = Signatory(
        convention=convention,
        organisation=organisation,
        role=role,
        signed_on=signed_on,
        represented_by=represented_by,
    )
    return model_save(signatory, by=by)


@transaction.atomic
def signatory_update(
    *,
    signatory: Signatory,
    organisation: Organisation,
    role: str,
    signed_on: datetime.date | None,
    represented_by: str,
    by=None,
) -> Signatory:
    """Change a signatory's organisation, role, representative or signature date; history names who did it."""
    signatory = Signatory.objects.select_for_update(of=("self",)).select_related("convention").get(pk=signatory.pk)
    represented_by = (represented_by or "").strip()
    _check_signatory(
        convention=signatory.convention,
        organisation=organisation,
        role=role,
        signed_on=signed_on,
        represented_by=represented_by,
    )
    data = {"organisation": organisation, "role": role, "signed_on": signed_on, "represented_by": represented_by}
    signatory, _ = model_update(instance=signatory, fields=list(data), data=data, by=by)
    return signatory


@transaction.atomic
def signatory_remove(*, signatory: Signatory, by=None) -> None:
    """Remove a party entered by mistake; its history keeps what it was and who removed it."""
    set_history_author(signatory, by)
    signatory.delete()


def _check_pdf(file) -> None:
    """A PDF by its content: the PDF header (validate_upload) and the end-of-file marker of a complete file."""
    try:
        validate_upload(file, allowed={"pdf"})
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    file.seek(max(0, file.size - 2048))
    tail = file.read()
    file.seek(0)
    if b"%%EOF" not in tail:
        raise ValidationError({"file": "Ce PDF est incomplet (sa fin manque) : déposez à nouveau le fichier entier."})


@transaction.atomic
def document_attach(
    *,
    convention: Convention,
    kind: str,
    dated: datetime.date | None,
    file,
    summary: str = "",
    by: User,
) -> ConventionDocument:
    """Store the signed convention (replacing the previous copy) or an amendment, as a PDF checked by its content.

    The file goes through Django's storage; it is removed again if the database refuses the row, and a replaced
    copy's file is removed only once the replacement is committed."""
    errors: dict[str, list[str]] = {}
    summary = (summary or "").strip()
    if kind not in DocumentKind.values:
        errors["kind"] = ["Choisissez le type de document."]
    if dated is None:
        errors["dated"] = ["Indiquez la date du document (signature de la convention ou de l'avenant)."]
    elif dated > timezone.localdate():
        errors["dated"] = ["La date du document ne peut pas être dans le futur."]
    if kind == DocumentKind.AVENANT and not summary:
        errors["summary"] = ["Dites ce que change l'avenant (période, communes, thématiques, financements…)."]
    message = control_character_message(summary)
    if message is not None:
        errors["summary"] = [f"Ce qu'il change : {message}"]
    if file is None:
        errors["file"] = ["Choisissez le fichier PDF à déposer."]
    else:
        try:
            _check_pdf(file)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors or dated is None or file is None:
        raise ValidationError(errors)
    replaced = None
    if kind == DocumentKind.SIGNED:
        replaced = ConventionDocument.objects.select_for_update().filter(convention=convention, kind=kind).first()
        convention.refresh_from_db(fields=["signed_on"])
        if convention.signed_on is None:
            # The signed copy is the signature: recorded once, it freezes what depends on it (the evaluation).
            convention_sign(convention=convention, signed_on=dated, by=by)
    document = ConventionDocument(
        convention=convention,
        kind=kind,
        dated=dated,
        summary=summary,
        original_name=os.path.basename(getattr(file, "name", "") or "document.pdf")[:255],
        size=file.size,
        uploaded_by=by if getattr(by, "pk", None) else None,
    )
    document.file.save("document.pdf", file, save=False)
    stored = document.file.name or ""
    # A failure below rolls the row back: the file would then be an orphan, so it goes too.
    try:
        if replaced is not None:
            old_name = replaced.file.name or ""
            set_history_author(replaced, by)
            replaced.delete()
            transaction.on_commit(lambda: default_storage.delete(old_name))
        model_save(document, by=by)
    except Exception:
        default_storage.delete(stored)
        raise
    return document


@transaction.atomic
def document_remove(*, document: ConventionDocument, by: User) -> None:
    """Remove a document deposited by mistake: its history keeps what it was and who removed it; the stored file
    goes once the removal is committed. The convention's signature date stays (it is recorded once)."""
    name = document.file.name or ""
    set_history_author(document, by)
    document.delete()
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))
