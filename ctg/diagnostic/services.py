"""Writes on enjeux. Each function is keyword-only, atomic, validates before saving and leaves history."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ctg.conventions.models import Convention, Theme
from ctg.core.saving import model_save
from ctg.core.services import model_update
from ctg.diagnostic.enums import EnjeuPriority, EnjeuStatus
from ctg.diagnostic.models import Enjeu

INDICATOR_CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,79}$")
MAX_INDICATORS = 30


def _back_to_proposed(enjeu: Enjeu, changes: dict) -> None:
    """A validated enjeu whose content changes goes back to « proposé »."""
    if enjeu.status == EnjeuStatus.VALIDE:
        enjeu.status = EnjeuStatus.PROPOSE
        enjeu.validated_on = None
        enjeu.validated_by = None


def clean_indicator_codes(codes: list[str]) -> list[str]:
    """Codes stripped, lower-cased, deduplicated in their order; refused when not shaped like a catalogue code."""
    cleaned = []
    for code in codes:
        code = code.strip().lower()
        if not code or code in cleaned:
            continue
        if not INDICATOR_CODE_PATTERN.match(code):
            raise ValidationError(
                {
                    "indicator_codes": f"« {code} » n'est pas un code d'indicateur valide "
                    "(lettres minuscules, chiffres, « _ », « . » ou « - »)."
                }
            )
        cleaned.append(code)
    if len(cleaned) > MAX_INDICATORS:
        raise ValidationError({"indicator_codes": f"Un enjeu est lié à {MAX_INDICATORS} indicateurs au plus."})
    return cleaned


def _validate(*, convention: Convention, theme: Theme, title: str, text: str, priority: str) -> None:
    errors = {}
    if theme.convention_id not in (None, convention.pk) or (
        theme.convention_id is None and not convention.themes.filter(pk=theme.pk).exists()
    ):
        errors["theme"] = f"La thématique « {theme.label} » n'est pas retenue dans cette convention."
    if not title.strip():
        errors["title"] = "L'intitulé est obligatoire."
    if not text.strip():
        errors["text"] = "Le constat est obligatoire."
    if priority not in EnjeuPriority.values:
        errors["priority"] = f"Priorité inconnue : « {priority} »."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def enjeu_create(
    *,
    convention: Convention,
    theme: Theme,
    title: str,
    text: str,
    priority: str = EnjeuPriority.MOYENNE,
    indicator_codes: list[str] | None = None,
    by=None,
) -> Enjeu:
    _validate(convention=convention, theme=theme, title=title, text=text, priority=priority)
    enjeu = Enjeu(
        convention=convention,
        theme=theme,
        title=title.strip(),
        text=text.strip(),
        priority=priority,
        indicator_codes=clean_indicator_codes(indicator_codes or []),
    )
    return model_save(enjeu, by=by)


@transaction.atomic
def enjeu_update(
    *,
    enjeu: Enjeu,
    expected_version: int,
    theme: Theme,
    title: str,
    text: str,
    priority: str,
    indicator_codes: list[str] | None = None,
    by=None,
) -> Enjeu:
    """Change an enjeu from the version the editor started from (`expected_version`): the row is locked and a
    stale version is refused, so that two editors never silently overwrite each other. A validated enjeu whose
    content changes goes back to « proposé »: the COPIL validated another text and must validate the new one."""
    locked = Enjeu.objects.select_for_update(of=("self",)).select_related("convention").get(pk=enjeu.pk)
    if locked.version != expected_version:
        raise ValidationError(
            f"Cet enjeu a été modifié par une autre personne pendant votre saisie (version {locked.version}, "
            f"vous étiez parti·e de la version {expected_version}) ; vos modifications n'ont pas été enregistrées : "
            "rechargez la page pour repartir de sa dernière version.",
            code="stale",
        )
    _validate(convention=locked.convention, theme=theme, title=title, text=text, priority=priority)
    new_values = {
        "theme": theme,
        "title": title.strip(),
        "text": text.strip(),
        "priority": priority,
        "indicator_codes": clean_indicator_codes(indicator_codes or []),
    }
    locked, _ = model_update(instance=locked, fields=new_values, data=new_values, by=by, check=_back_to_proposed)
    return locked


@transaction.atomic
def enjeu_validate(*, enjeu: Enjeu, validated_on: datetime.date | None, by=None) -> Enjeu:
    """Record that the COPIL validated the enjeu on `validated_on` (a meeting date, not in the future)."""
    locked = Enjeu.objects.select_for_update(of=("self",)).select_related("convention").get(pk=enjeu.pk)
    if locked.status == EnjeuStatus.VALIDE:
        raise ValidationError(f"Cet enjeu est déjà validé par le COPIL depuis le {locked.validated_on:%d/%m/%Y}.")
    if validated_on is None:
        raise ValidationError({"validated_on": "La date du COPIL est obligatoire."})
    if validated_on > timezone.localdate():
        raise ValidationError({"validated_on": "La date du COPIL ne peut pas être dans le futur."})
    if validated_on < locked.convention.start_date - datetime.timedelta(days=3 * 365):
        raise ValidationError({"validated_on": "La date du COPIL est trop antérieure à la convention."})
    locked.status = EnjeuStatus.VALIDE
    locked.validated_on = validated_on
    locked.validated_by = by if getattr(by, "pk", None) else None
    locked.version += 1
    return model_save(locked, by=by)
