"""The archive's format: its two JSON files, how values are written, and the refusal of an archive."""

import dataclasses
import datetime
import hashlib
import io
import json
import zipfile
from decimal import Decimal
from typing import Any

from django.db import models

from ctg.conventions.models import Convention
from ctg.portability.parts import ARCHIVE_FORMAT, ARCHIVE_VERSION, PARTS_BY_LABEL
from ctg.territories.models import EPCI, Commune, Departement

MANIFEST = "manifest.json"
DATA = "data.json"
# Attached files, named by their SHA-256 (and suffix): the same file gets the same name on every instance.
FILES_DIR = "files/"
TERRITORIES: tuple[type[models.Model], ...] = (Commune, EPCI, Departement)
# Written by the import itself, never read from the archive.
HISTORY_KEY_FIELDS = {"history_id", "m2m_history_id"}


class ArchiveError(Exception):
    """The archive is refused; the message says why in French."""


@dataclasses.dataclass
class ImportReport:
    convention: Convention | None = None
    created: dict[str, int] = dataclasses.field(default_factory=dict)
    history_records: int = 0
    users_matched: list[str] = dataclasses.field(default_factory=list)
    users_created: list[str] = dataclasses.field(default_factory=list)
    organisations_matched: int = 0
    organisations_created: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    dry_run: bool = False


# --- values -------------------------------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """A field's value as JSON holds it (dates in ISO 8601, decimals as text so that no digit is lost)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.time):  # datetime is a date
        return value.isoformat()
    return value


def label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def what(model: type[models.Model], old_pk: Any) -> str:
    return f"{str(model._meta.verbose_name).capitalize()} n° {old_pk} de l'archive"


def field_name(field: models.Field) -> str:
    return f"« {field.verbose_name} »"


def file_entry(content: bytes, suffix: str) -> dict:
    """How the manifest lists an attached file: its place in the archive, size and SHA-256."""
    sha256 = hashlib.sha256(content).hexdigest()
    return {"path": f"{FILES_DIR}{sha256}{suffix}", "size": len(content), "sha256": sha256}


def write_archive(manifest: dict, data: dict, files: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
        archive.writestr(DATA, json.dumps(data, ensure_ascii=False))
        for path, file_content in sorted((files or {}).items()):
            archive.writestr(path, file_content)
    return buffer.getvalue()


def _checked_files(manifest: dict, files: dict[str, bytes]) -> dict[str, bytes]:
    """The files the manifest lists, each checked to be in the archive with the SHA-256 it announces."""
    listed = manifest.get("files", [])
    if not isinstance(listed, list) or any(not isinstance(entry, dict) for entry in listed):
        raise ArchiveError(f"{MANIFEST} : la liste « files » est mal formée.")
    for entry in listed:
        path = entry.get("path")
        if path not in files:
            raise ArchiveError(f"{MANIFEST} : le fichier {path} est annoncé mais absent de l'archive.")
        if hashlib.sha256(files[path]).hexdigest() != entry.get("sha256"):
            raise ArchiveError(
                f"Le fichier {path} de l'archive est altéré (son empreinte SHA-256 ne correspond pas au manifeste)."
            )
    return {entry["path"]: files[entry["path"]] for entry in listed}


def read_archive(content: bytes) -> tuple[dict, dict, dict[str, bytes]]:
    """The manifest, the data and the attached files (by their path in the archive, checked against the manifest)."""
    files: dict[str, bytes] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            missing = {MANIFEST, DATA} - names
            if missing:
                raise ArchiveError(f"L'archive ne contient pas {', '.join(sorted(missing))}.")
            manifest_raw, data_raw = archive.read(MANIFEST), archive.read(DATA)
            for name in sorted(names):
                if name.startswith(FILES_DIR) and not name.endswith("/"):
                    files[name] = archive.read(name)
    except zipfile.BadZipFile:
        raise ArchiveError("Le fichier n'est pas une archive zip de convention.") from None
    parsed = []
    for name, raw in ((MANIFEST, manifest_raw), (DATA, data_raw)):
        try:
            value = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ArchiveError(f"{name} n'est pas un JSON valide ({exc}).") from None
        if not isinstance(value, dict):
            raise ArchiveError(f"{name} devrait contenir un objet JSON.")
        parsed.append(value)
    manifest, data = parsed
    if manifest.get("format") != ARCHIVE_FORMAT:
        raise ArchiveError(f"Ce fichier n'est pas une archive de convention de Pilote CTG ({ARCHIVE_FORMAT}).")
    if manifest.get("version") != ARCHIVE_VERSION:
        raise ArchiveError(
            f"Version d'archive inconnue : {manifest.get('version')!r} (cette instance lit la version "
            f"{ARCHIVE_VERSION}). Exportez la convention depuis une instance à jour."
        )
    for key in ("users", "organisations", "objects", "history"):
        if not isinstance(data.get(key), dict):
            raise ArchiveError(f"{DATA} : la section « {key} » est absente ou mal formée.")
    for section in ("objects", "history"):
        unknown = sorted(set(data[section]) - set(PARTS_BY_LABEL))
        if unknown:
            raise ArchiveError(f"{DATA} : modèle inconnu dans la section « {section} » : {', '.join(unknown)}.")
    return manifest, data, _checked_files(manifest, files)
