"""Move a convention between instances: one archive out, the same convention in, with new identifiers.

The archive is a zip holding `manifest.json` (format, version, what it holds) and `data.json`: every object of the
parts listed in ctg.portability.parts, its many-to-many links and its django-simple-history records (those of
deleted objects too: the activity log shows them). References leave the instance by what names them everywhere:
the codes of the territorial referential, an organisation by its type, SIREN and name, a person by e-mail (never a
password), a reference theme by its code, an official dataset by its SHA-256; objects of the archive by their
identifier in the archive, which the import replaces by a new one.

The import is atomic: it checks as it writes and any refusal (`ArchiveError`, in French, naming the object and the
field) leaves the database as it was.
"""

from django.db import IntegrityError, transaction

from ctg.accounts.enums import SecurityEventKind
from ctg.accounts.journal import security_event_record
from ctg.conventions.models import Convention
from ctg.core.formatting import counted
from ctg.portability.archive import ArchiveError, ImportReport, read_archive, write_archive
from ctg.portability.exporting import Exporter
from ctg.portability.importing import Importer

__all__ = ["ArchiveError", "ImportReport", "convention_export", "convention_import"]


def convention_export(*, convention: Convention, by=None) -> bytes:
    """The archive of one convention (zip bytes): its objects, their history, members by e-mail, no password."""
    exporter = Exporter(convention)
    manifest, data = exporter.run()
    content = write_archive(manifest, data, exporter.files)
    security_event_record(
        kind=SecurityEventKind.EXPORT,
        user=by,
        convention=convention,
        detail="Archive de la convention (déplacement entre instances).",
    )
    return content


def convention_import(*, content: bytes, by=None, as_new: bool = False, dry_run: bool = False) -> ImportReport:
    """Restore a convention from its archive, with new identifiers; all or nothing (ArchiveError, in French)."""
    _manifest, data, files = read_archive(content)
    report = ImportReport(dry_run=dry_run)
    importer = Importer(data, by=by, as_new=as_new, report=report, files=files)
    try:
        with transaction.atomic():
            report.convention = importer.run()
            if report.users_created:
                accounts = counted(len(report.users_created), "compte créé inactif", "comptes créés inactifs")
                report.notes.append(
                    f"{accounts}, sans mot de passe utilisable : activez-les puis invitez leurs titulaires à choisir "
                    "un mot de passe (« mot de passe oublié »)."
                )
            if not dry_run:
                security_event_record(
                    kind=SecurityEventKind.IMPORT,
                    user=by,
                    convention=report.convention,
                    detail="Import de l'archive d'une convention (déplacement entre instances).",
                )
            else:
                transaction.set_rollback(True)
    except IntegrityError as exc:
        importer.discard_files()
        raise ArchiveError(f"L'archive contredit une règle de la base de données : {exc}") from None
    except BaseException:
        importer.discard_files()  # nothing half-written: the files stored before the refusal go too
        raise
    if dry_run:
        importer.discard_files()
    return report
