import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from ctg.accounts.uploads import serve_protected_file, validate_upload


def _zip(member: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(member, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name,content,allowed,kind",
    [
        ("donnees.csv", b"code;nom\n76114;Bolbec\n", {"csv"}, "csv"),
        ("donnees.csv", "code;nom\n76114;Fécamp\n".encode("cp1252"), {"csv", "xlsx"}, "csv"),
        ("tableau.xlsx", _zip("xl/workbook.xml"), {"csv", "xlsx"}, "xlsx"),
        ("note.docx", _zip("word/document.xml"), {"docx", "pdf"}, "docx"),
        ("rapport.pdf", b"%PDF-1.7\n...", {"pdf"}, "pdf"),
        ("carte.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, {"png", "jpeg"}, "png"),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 20, {"png", "jpeg"}, "jpeg"),
    ],
)
def test_accepted_files_are_recognised_by_content(name, content, allowed, kind):
    assert validate_upload(SimpleUploadedFile(name, content), allowed=allowed) == kind


@pytest.mark.parametrize(
    "name,content",
    [
        ("budget.xlsx", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 60),  # Windows executable renamed
        ("donnees.csv", b"\x7fELF\x02\x01\x01" + b"\x00" * 60),  # Linux executable renamed
        ("donnees.csv", b"#!/bin/sh\nrm -rf /\n"),  # script renamed
    ],
)
def test_renamed_executable_is_refused(name, content):
    with pytest.raises(ValidationError) as exc:
        validate_upload(SimpleUploadedFile(name, content), allowed={"csv", "xlsx"})
    assert exc.value.code == "executable"
    assert "programme" in exc.value.messages[0]


def test_type_is_checked_against_the_allowed_kinds():
    with pytest.raises(ValidationError, match="aucun format accepté") as exc:
        validate_upload(SimpleUploadedFile("rapport.csv", b"%PDF-1.7\n\x00\x01"), allowed={"csv", "xlsx"})
    assert "CSV, Excel (XLSX)" in exc.value.messages[0]
    # A zip that is not an Office document is not an XLSX.
    with pytest.raises(ValidationError, match="aucun format accepté"):
        validate_upload(SimpleUploadedFile("t.xlsx", _zip("autre.txt")), allowed={"xlsx"})
    # Binary garbage is not a CSV.
    with pytest.raises(ValidationError, match="aucun format accepté"):
        validate_upload(SimpleUploadedFile("t.csv", bytes(range(256))), allowed={"csv"})


def test_size_limit_and_empty_file(settings):
    settings.UPLOAD_MAX_SIZE = 1024 * 1024
    with pytest.raises(ValidationError, match="1 Mo") as exc:
        validate_upload(SimpleUploadedFile("gros.csv", b"a;b\n" * (300 * 1024)), allowed={"csv"})
    assert exc.value.code == "too_large"
    with pytest.raises(ValidationError, match="vide"):
        validate_upload(SimpleUploadedFile("vide.csv", b""), allowed={"csv"})


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        validate_upload(SimpleUploadedFile("a.csv", b"a"), allowed={"exe"})


def test_long_utf8_csv_cut_inside_a_character_is_still_text():
    content = ("é" * 40000 + "\n").encode()
    assert validate_upload(SimpleUploadedFile("long.csv", content), allowed={"csv"}) == "csv"


class TestServeProtectedFile:
    def test_permission_is_checked_first(self, settings, tmp_path):
        settings.MEDIA_ROOT = str(tmp_path)
        (tmp_path / "doc.pdf").write_bytes(b"%PDF-1.7")
        with pytest.raises(PermissionDenied):
            serve_protected_file("doc.pdf", allowed=False)

    def test_file_is_sent_as_attachment(self, settings, tmp_path):
        settings.MEDIA_ROOT = str(tmp_path)
        (tmp_path / "conventions").mkdir()
        (tmp_path / "conventions" / "doc.pdf").write_bytes(b"%PDF-1.7")
        response = serve_protected_file("conventions/doc.pdf", allowed=True, filename="diagnostic.pdf")
        try:
            assert b"".join(response.streaming_content) == b"%PDF-1.7"
            assert response["Content-Disposition"].startswith("attachment")
            assert "diagnostic.pdf" in response["Content-Disposition"]
            assert response["X-Content-Type-Options"] == "nosniff"
        finally:
            response.file_to_stream.close()

    def test_paths_outside_media_root_and_missing_files_are_404(self, settings, tmp_path):
        settings.MEDIA_ROOT = str(tmp_path / "uploads")
        (tmp_path / "uploads").mkdir()
        (tmp_path / "secret.txt").write_text("x")
        with pytest.raises(Http404):
            serve_protected_file("../secret.txt", allowed=True)
        with pytest.raises(Http404):
            serve_protected_file("absent.pdf", allowed=True)


def test_media_root_is_outside_the_static_web_root():
    from pathlib import Path

    from django.conf import settings

    media = Path(settings.MEDIA_ROOT).resolve()
    for static_dir in [settings.STATIC_ROOT, *settings.STATICFILES_DIRS]:
        static_dir = Path(static_dir).resolve()
        assert static_dir not in media.parents and media != static_dir
    assert not settings.MEDIA_URL or settings.MEDIA_URL == "/"
