"""The one way an uploaded CSV reaches an import service: through a temporary file outside the web root."""

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from ctg.opendata.readers import DatasetError


def run_upload(data: dict, importer: Callable[[Path, str], object]):
    """Copy the upload to a temporary file, run `importer(path, file_name)`, delete the copy whatever happens.

    Return (report, []) or (None, French errors)."""
    upload = data["file"]
    handle, temp_name = tempfile.mkstemp(prefix="pilote-ctg-import-", suffix=".csv")
    try:
        with os.fdopen(handle, "wb") as temp:
            for chunk in upload.chunks():
                temp.write(chunk)
        report = importer(Path(temp_name), Path(upload.name).name)
    except DatasetError as exc:
        return None, exc.errors
    finally:
        upload.close()
        Path(temp_name).unlink(missing_ok=True)
    return report, []
