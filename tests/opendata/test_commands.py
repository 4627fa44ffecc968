import io
import time

import pytest
from django.core.management import CommandError, call_command

from ctg.opendata.enums import GeoLevel
from ctg.opendata.models import Dataset, IrisZone, Observation
from ctg.opendata.shipped import SHIPPED_FILES
from tests.opendata.extracts import COMPARATEUR, DATA

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


class TestImportDataset:
    def test_import_then_same_file(self):
        assert "1550 valeur(s) créée(s)" in run("import_dataset", str(COMPARATEUR))
        assert "déjà importé, rien n'a changé" in run("import_dataset", str(COMPARATEUR))
        assert Observation.objects.count() == 1550

    def test_dry_run(self):
        assert "Simulation" in run("import_dataset", str(COMPARATEUR), "--dry-run")
        assert not Dataset.objects.exists()

    def test_rejected_file(self, tmp_path):
        path = tmp_path / "base_cc_comparateur_2025.csv"
        path.write_bytes(COMPARATEUR.read_bytes().replace(b"76114;11618;", b"76114;11618;;"))
        with pytest.raises(CommandError) as exc:
            run("import_dataset", str(path), "--format", "insee_comparateur")
        assert "ligne 7 : 33 champs au lieu de 32 attendus" in str(exc.value)
        assert "Aucune donnée n'a été modifiée." in str(exc.value)
        assert not Observation.objects.exists()


@pytest.mark.slow
def test_every_shipped_file_imports_in_well_under_a_minute():
    assert all((DATA / name).exists() for name in SHIPPED_FILES)
    started = time.monotonic()
    output = run("import_shipped_data")
    elapsed = time.monotonic() - started
    assert output.count("Import terminé") == len(SHIPPED_FILES)
    assert Dataset.objects.count() == len(SHIPPED_FILES)
    assert IrisZone.objects.count() == 49406
    # Filosofi communes: 31,361 rows × 29 variables.
    assert Observation.objects.filter(level=GeoLevel.COMMUNE, year=2019, variable="Q219").count() == 31361
    assert elapsed < 60, f"import of data/ took {elapsed:.0f} s"
    count = Observation.objects.count()
    assert run("import_shipped_data").count("déjà importé, rien n'a changé") == len(SHIPPED_FILES)
    assert Observation.objects.count() == count
