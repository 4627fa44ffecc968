import io

import pytest
from django.core.management import CommandError, call_command

from ctg.opendata.enums import GeoLevel
from ctg.opendata.models import Dataset, IrisZone, Observation
from ctg.opendata.shipped import SHIPPED_FILES, shipped_data_import
from tests.opendata.extracts import CAF, COMPARATEUR, DATA, IRIS_REFERENCE, extract, starts_with

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


class TestImportDataset:
    def test_import_then_same_file(self):
        assert "1\u202f550 valeurs créées" in run("import_dataset", str(COMPARATEUR))
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
@pytest.mark.long
def test_every_shipped_file_imports_once():
    assert all((DATA / name).exists() for name in SHIPPED_FILES)
    output = run("import_shipped_data")
    assert output.count("Import terminé") == len(SHIPPED_FILES)
    assert Dataset.objects.count() == len(SHIPPED_FILES)
    assert IrisZone.objects.count() == 49406
    # Filosofi communes: 31,361 rows × 29 variables.
    assert Observation.objects.filter(level=GeoLevel.COMMUNE, year=2019, variable="Q219").count() == 31361
    count = Observation.objects.count()
    assert run("import_shipped_data").count("déjà importé, rien n'a changé") == len(SHIPPED_FILES)
    assert Observation.objects.count() == count


def test_shipped_dry_run_counts_every_file_and_writes_nothing(tmp_path):
    # A small data/ folder: the IRIS reference of département 76 and a CAF file that needs it.
    (tmp_path / "insee").mkdir()
    (tmp_path / "caf-iris").mkdir()
    extract(IRIS_REFERENCE, tmp_path / "insee" / "iris_2021.csv", starts_with("76"))
    extract(CAF / "data_CAF_2020_IRIS.csv", tmp_path / "caf-iris" / "data_CAF_2020_IRIS.csv", starts_with("76"))
    reports = shipped_data_import(
        directory=tmp_path,
        files=["insee/iris_2021.csv", "caf-iris/data_CAF_2020_IRIS.csv"],
        dry_run=True,
        known_edition_only=False,
    )
    assert [report.dry_run for report in reports] == [True, True]
    assert reports[1].created > 0
    assert "Simulation" in reports[1].summary()
    assert not Dataset.objects.exists()
    assert not IrisZone.objects.exists()
    assert not Observation.objects.exists()
