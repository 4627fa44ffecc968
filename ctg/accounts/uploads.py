"""Uploaded files: checked by size and by content (never by name), served only after a permission check.

Usage in a view::

    try:
        kind = validate_upload(request.FILES["fichier"], allowed={"csv", "xlsx"})
    except ValidationError as exc:
        ...

    return serve_protected_file(stored_file, allowed=can_view_convention(request.user, convention))
"""

import codecs
import io
import mimetypes
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404

KIND_LABELS = {
    "csv": "CSV",
    "xlsx": "Excel (XLSX)",
    "pdf": "PDF",
    "docx": "Word (DOCX)",
    "png": "PNG",
    "jpeg": "JPEG",
}
SIGNATURES = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpeg": (b"\xff\xd8\xff",),
}
# Executables and scripts, refused whatever their name says.
EXECUTABLE_SIGNATURES = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xce", b"\xca\xfe\xba\xbe", b"#!")
ZIP_MEMBERS = {"xlsx": "xl/workbook.xml", "docx": "word/document.xml"}
CSV_SAMPLE_SIZE = 64 * 1024


def _read_all(file) -> bytes:
    file.seek(0)
    content = file.read()
    file.seek(0)
    return content


def _detect_kind(content: bytes, allowed: set[str]) -> str | None:
    for kind, signatures in SIGNATURES.items():
        if kind in allowed and content.startswith(signatures):
            return kind
    if content.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        for kind, member in ZIP_MEMBERS.items():
            if kind in allowed and member in names:
                return kind
        return None
    if "csv" in allowed:
        return "csv" if _looks_like_csv(content) else None
    return None


def _looks_like_csv(content: bytes) -> bool:
    """Text in UTF-8 or Windows-1252 without control characters: what a CSV export is."""
    sample = content[:CSV_SAMPLE_SIZE]
    if b"\x00" in sample:
        return False
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            # The sample may cut a multi-byte character in two: a non-final decode leaves that tail aside.
            final = len(content) <= CSV_SAMPLE_SIZE
            text = codecs.getincrementaldecoder(encoding)().decode(sample, final=final)
        except UnicodeDecodeError:
            continue
        return bool(text.strip()) and all(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return False


def validate_upload(file, *, allowed: set[str]) -> str:
    """Check an uploaded file's size and true type; returns its kind (one of `allowed`) or raises ValidationError."""
    unknown = set(allowed) - set(KIND_LABELS)
    if unknown:
        raise ValueError(f"Unknown upload kinds: {sorted(unknown)}")
    expected = ", ".join(KIND_LABELS[k] for k in sorted(allowed))
    size = getattr(file, "size", None)
    if size is None:
        size = len(_read_all(file))
    if size == 0:
        raise ValidationError("Le fichier est vide.", code="empty")
    if size > settings.UPLOAD_MAX_SIZE:
        limit = settings.UPLOAD_MAX_SIZE / (1024 * 1024)
        raise ValidationError(f"Le fichier dépasse la taille maximale de {limit:.0f} Mo.", code="too_large")
    content = _read_all(file)
    if content.startswith(EXECUTABLE_SIGNATURES):
        raise ValidationError(
            f"Ce fichier est un programme, pas un document : formats acceptés : {expected}.", code="executable"
        )
    kind = _detect_kind(content, set(allowed))
    if kind is None:
        raise ValidationError(
            f"Le contenu du fichier ne correspond à aucun format accepté ({expected}).", code="wrong_type"
        )
    return kind


def protected_path(relative_name: str) -> Path:
    """The absolute path of a stored upload, refusing any name that escapes MEDIA_ROOT."""
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / relative_name).resolve()
    if root not in path.parents:
        raise Http404("Fichier introuvable.")
    return path


def serve_protected_file(stored, *, allowed: bool, filename: str | None = None) -> FileResponse:
    """Send a stored upload (a FieldFile or a name relative to MEDIA_ROOT) once the caller's check passed.

    Files are always sent as attachments with their type guessed from the name and `nosniff`, so a browser never
    renders an uploaded document inside the application's origin.
    """
    if not allowed:
        raise PermissionDenied("Vous n'avez pas accès à ce fichier.")
    name = getattr(stored, "name", stored)
    if not name:
        raise Http404("Fichier introuvable.")
    path = protected_path(name)
    if not path.is_file():
        raise Http404("Fichier introuvable.")
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    response = FileResponse(
        open(path, "rb"),
        as_attachment=True,
        filename=filename or path.name,
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
