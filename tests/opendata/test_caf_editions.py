"""CAF data per IRIS, editions 2016 and 2017 (fixtures built for the tests, see fixtures/caf/README.md), and the
statistical secret carried through the roll-up from IRIS to communes (real shipped files)."""

import decimal
from pathlib import Path

import pytest
from django.conf import settings

from ctg.indicators import catalogue
from ctg.indicators.enums import ValueStatus
from ctg.indicators.models import IndicatorValue
from ctg.indicators.selectors import NOT_SPLIT_LABEL, comparison
from ctg.indicators.services import indicators_compute
from ctg.opendata.editions import edition_check, header_of
from ctg.opendata.enums import GeoLevel, ObservationStatus
from ctg.opendata.models import Dataset, Observation
from ctg.opendata.readers import DatasetError, ParsedFile
from ctg.opendata.services import dataset_import
from ctg.territories.enums import Level
from tests.opendata.extracts import IRIS_REFERENCE, extract, starts_with

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures" / "caf"


def cell(code, variable, year, level=GeoLevel.COMMUNE):
    return Observation.objects.get(level=level, code=code, variable=variable, year=year)


@pytest.fixture
def iris_reference_76(tmp_path):
    folder = tmp_path / "ref"
    folder.mkdir()
    return dataset_import(
        known_edition_only=False, path=extract(IRIS_REFERENCE, folder / "iris_2021.csv", starts_with("76"))
    )


class TestEditions2016And2017:
    def test_2016_with_labels_thousands_separators_and_apres(self, iris_reference_76):
        report = dataset_import(known_edition_only=False, path=FIXTURES / "data_CAF_2016_IRIS.csv")
        assert report.format == "caf_iris"
        assert Dataset.objects.get(file_name="data_CAF_2016_IRIS.csv").vintage == "2016"
        # "2 256" (ASCII space) and "1 987" (no-break space) are counts, not text.
        assert cell("761140104", "PERCOU", 2016, GeoLevel.IRIS).value == decimal.Decimal("2256")
        assert cell("761140102", "PERCOU", 2016, GeoLevel.IRIS).value == decimal.Decimal("1987")
        # Bolbec's four IRIS are all in the file: PERCOU = 1,702 + 1,987 + 1,305 + 2,256 = 7,250.
        assert cell("76114", "PERCOU", 2016).value == decimal.Decimal("7250")
        # APRES50 = 318 + 297 + 241 + 388 = 1,244; APRES100 = 152 + 138 + 117 + 196 = 603.
        assert cell("76114", "APRES50", 2016).value == decimal.Decimal("1244")
        assert cell("76114", "APRES100", 2016).value == decimal.Decimal("603")
        # The label columns (LIBGEO, DEPCOM, LIBCOM, EPCI, REG) are not variables.
        assert not Observation.objects.filter(variable__in=["LIBGEO", "DEPCOM", "LIBCOM", "EPCI", "REG"]).exists()

    def test_2017_with_uu(self, iris_reference_76):
        dataset_import(known_edition_only=False, path=FIXTURES / "data_CAF_2017_IRIS.csv")
        # PERCOU = 1,718 + 2,004 (no-break space) + 1,309 + 2,031 (space) = 7,062.
        assert cell("76114", "PERCOU", 2017).value == decimal.Decimal("7062")
        # APRES50 = 322 + 301 + 243 + 391 = 1,257.
        assert cell("76114", "APRES50", 2017).value == decimal.Decimal("1257")
        assert not Observation.objects.filter(variable="UU").exists()

    def test_secret_iris_make_the_commune_secret_and_an_absent_iris_missing(self, iris_reference_76):
        dataset_import(known_edition_only=False, path=FIXTURES / "data_CAF_2016_IRIS.csv")
        # A_ETUD is secret in Bolbec Nord, Est and Centre: the commune is secret, never a partial sum.
        students = cell("76114", "A_ETUD", 2016)
        assert (students.value, students.status, students.incomplete) == (None, ObservationStatus.SECRET, True)
        # Only two of Le Havre's IRIS are in the fixture, none secret for A: missing, flagged incomplete.
        havre = cell("76351", "A", 2016)
        assert (havre.value, havre.status, havre.incomplete) == (None, ObservationStatus.MISSING, True)

    def test_an_unknown_column_is_still_refused(self, tmp_path, iris_reference_76):
        lines = (FIXTURES / "data_CAF_2016_IRIS.csv").read_text(encoding="utf-8").splitlines()
        lines = [lines[0] + ";APRES75"] + [line + ";1" for line in lines[1:]]
        path = tmp_path / "data_CAF_2016_IRIS.csv"
        path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
        with pytest.raises(DatasetError, match="APRES75.*colonne inconnue"):
            dataset_import(known_edition_only=False, path=path)
        assert not Observation.objects.filter(year=2016).exists()

    @pytest.mark.parametrize("name", ["data_CAF_2016_IRIS.csv", "data_CAF_2017_IRIS.csv"])
    def test_a_national_file_of_that_layout_is_a_known_edition(self, name):
        header = header_of(FIXTURES / name)
        national = ParsedFile(
            format="caf_iris", producer="CAF (Cnaf)", title="", vintage=name[9:13], licence="", rows_read=13_000
        )
        label = edition_check(parsed=national, sha256="0" * 64, header=header, file_name=name)
        assert label == "CAF, données à l'IRIS (éditions 2016-2017 : libellés, APRES50 et APRES100)"
        extract_only = ParsedFile(
            format="caf_iris", producer="CAF (Cnaf)", title="", vintage=name[9:13], licence="", rows_read=6
        )
        with pytest.raises(DatasetError, match="ne correspond à aucune édition publiée"):
            edition_check(parsed=extract_only, sha256="0" * 64, header=header, file_name=name)

    def test_apres_indicators_are_shares_of_allocataires(self, caux_seine):
        dataset_import(path=settings.DATA_DIR / "insee/iris_2021.csv")
        dataset_import(known_edition_only=False, path=FIXTURES / "data_CAF_2016_IRIS.csv")
        indicators_compute(codes=["caf_income_dependent_50_share", "caf_income_dependent_100_share"])
        # Bolbec: APRES50 / A = 1,244 / (761 + 798 + 548 + 889 = 2,996) = 41.52 %; APRES100: 603 / 2,996 = 20.13 %.
        half = IndicatorValue.objects.get(indicator="caf_income_dependent_50_share", level="commune", code="76114")
        assert (half.numerator, half.denominator) == (1244, 2996)
        assert half.value == pytest.approx(41.52, abs=0.01)
        whole = IndicatorValue.objects.get(indicator="caf_income_dependent_100_share", level="commune", code="76114")
        assert whole.value == pytest.approx(20.13, abs=0.01)
        for code in ("caf_income_dependent_50_share", "caf_income_dependent_100_share"):
            indicator = catalogue.get(code)
            assert indicator.theme == "acces-aux-droits"
            assert indicator.denominator == (catalogue.Term("A"),)
            assert indicator.label.startswith("Part des allocataires dont le revenu dépend")


def test_bolbec_secret_students_read_secret_statistique_with_the_iris_count(caux_seine):
    """Real shipped file 2020: Bolbec's A_ETUD is empty (secret) in IRIS 761140101, 0102 and 0103 and is 9 in 0104;
    A is published in all four (804, 842, 605, 939). So 3 of Bolbec's 4 IRIS are secret for the students' share."""
    dataset_import(path=settings.DATA_DIR / "insee/iris_2021.csv")
    dataset_import(path=settings.DATA_DIR / "caf-iris/data_CAF_2020_IRIS.csv")
    indicators_compute(codes=["caf_young_students_share", "caf_allocataires"])
    row = IndicatorValue.objects.get(indicator="caf_young_students_share", level="commune", code="76114", year=2020)
    assert (row.status, row.value, row.parts_present, row.parts_expected) == (ValueStatus.SECRET, None, 1, 4)
    communes = [{"code": "76114", "name": "Bolbec"}, {"code": "76002", "name": "Alvimare"}]
    indicators = [catalogue.get("caf_young_students_share"), catalogue.get("caf_allocataires")]
    data = comparison(indicators=indicators, territories=[], communes=communes)
    students, allocataires = data["indicators"]
    assert students["commune_cells"]["76114"]["display"] == "secret statistique (3 IRIS sur 4)"
    assert students["commune_cells"]["76114"]["status"] == ValueStatus.SECRET
    # Bolbec's allocataires: 804 + 842 + 605 + 939 = 3,190, a figure.
    assert allocataires["commune_cells"]["76114"]["value"] == 3190
    # Alvimare is not split into IRIS: it is absent from the file, and says why.
    assert allocataires["commune_cells"]["76002"]["display"] == NOT_SPLIT_LABEL
    assert NOT_SPLIT_LABEL == "absente du fichier (commune non découpée en IRIS)"
    assert not IndicatorValue.objects.filter(indicator="caf_allocataires", level=Level.COMMUNE, code="76002").exists()
