"""Bounds on an uploaded XLSX, checked on the raw archive BEFORE openpyxl parses it.

An XLSX is a zip of XML files; a few kilobytes can declare a sheet of millions of cells, decompress to gigabytes
or expand entities without end. So, before any cell is read:
- the archive must be a readable zip of at most MAX_MEMBERS files, whose declared uncompressed sizes add up to at
  most MAX_UNCOMPRESSED_BYTES (zipfile never inflates a member beyond its declared size: a member lying about it
  fails its CRC check instead);
- every XML member is streamed through expat, without building a tree: a DTD (the vehicle of entity expansion
  and external entities, which an Office file never needs) is refused, and so is a worksheet holding more than
  MAX_ROWS rows or a row of more than MAX_COLUMNS cells.
The importer then checks each sheet's declared dimension against the same limits and counts the rows it reads.
Each check returns a French reason, or None when the file is within bounds.
"""

import io
import zipfile
import zlib
from xml.parsers import expat

from ctg.core.formatting import format_count, format_number

MAX_ROWS = 5_000
MAX_COLUMNS = 60
MAX_MEMBERS = 200
MAX_UNCOMPRESSED_BYTES = 20 * 1024 * 1024
CHUNK_BYTES = 64 * 1024

NOT_A_WORKBOOK = (
    "le fichier n'est pas un classeur XLSX lisible (archive endommagée ou autre format) : enregistrez-le au format "
    "« Classeur Excel (.xlsx) » puis importez-le à nouveau."
)
# What zipfile and zlib raise on a damaged, encrypted or exotic archive.
ARCHIVE_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError)


class _OutOfBounds(Exception):
    pass


def _megabytes(size: int) -> str:
    return format_number(size / (1024 * 1024), 1, thousands="") + " Mo"


def check_package(content: bytes) -> str | None:
    """The French reason why this upload must not reach openpyxl, or None."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                return (
                    f"l'archive contient {len(members)} fichiers ; un classeur du plan en compte au plus "
                    f"{MAX_MEMBERS}."
                )
            total = sum(member.file_size for member in members)
            if total > MAX_UNCOMPRESSED_BYTES:
                return (
                    f"le classeur occupe {_megabytes(total)} une fois décompressé ; la limite est de "
                    f"{_megabytes(MAX_UNCOMPRESSED_BYTES)} : supprimez les feuilles, images ou lignes inutiles."
                )
            for member in members:
                if member.filename.lower().endswith((".xml", ".rels")):
                    reason = _scan_xml(archive, member)
                    if reason:
                        return reason
    except (*ARCHIVE_ERRORS, ValueError, OSError):
        return NOT_A_WORKBOOK
    return None


def _scan_xml(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> str | None:
    """Stream one XML member: no DTD, at most MAX_ROWS rows and MAX_COLUMNS cells per row."""
    name = member.filename
    counts = {"rows": 0, "cells": 0}

    def start(tag, _attributes):
        local = tag.rsplit(" ", 1)[-1]
        if local == "row":
            counts["rows"] += 1
            counts["cells"] = 0
            if counts["rows"] > MAX_ROWS:
                rows = format_count(MAX_ROWS)
                raise _OutOfBounds(
                    f"une feuille du classeur ({name}) compte plus de {rows} lignes ; la limite est de "
                    f"{rows} lignes par feuille : supprimez les lignes au-delà."
                )
        elif local == "c":
            counts["cells"] += 1
            if counts["cells"] > MAX_COLUMNS:
                raise _OutOfBounds(
                    f"une ligne d'une feuille du classeur ({name}, ligne {counts['rows']}) compte plus de "
                    f"{MAX_COLUMNS} cellules ; la limite est de {MAX_COLUMNS} colonnes : supprimez les colonnes "
                    "au-delà."
                )

    def doctype(*_args):
        raise _OutOfBounds(
            f"le fichier {name} du classeur contient une déclaration de type de document (DTD), qu'aucun tableur "
            "n'écrit et qui peut cacher une expansion d'entités : le classeur est refusé."
        )

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(CHUNK_BYTES):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _OutOfBounds as exc:
        return str(exc)
    except expat.ExpatError as exc:
        return (
            f"le fichier {name} du classeur n'est pas un XML bien formé (ligne {exc.lineno}) : "
            "le classeur est endommagé."
        )
    return None
