"""The import service on real rows of the shipped files (values checked by hand against the CSV lines)."""

import decimal

import pytest
from django.db import IntegrityError, connection, transaction

from ctg.accounts.enums import SecurityEventKind
from ctg.accounts.models import SecurityEvent
from ctg.opendata import services
from ctg.opendata.enums import GeoLevel, ObservationStatus
from ctg.opendata.models import Dataset, IrisZone, Observation
from ctg.opendata.readers import FRANCE_METRO_CODE, DatasetError
from ctg.opendata.services import dataset_import
from tests.accounts.factories import UserFactory
from tests.opendata.extracts import CAF, COMPARATEUR, DOSSIER, FILOSOFI, IRIS_REFERENCE, extract, starts_with

pytestmark = pytest.mark.django_db


def cell(code, variable, year, level=GeoLevel.COMMUNE):
    return Observation.objects.get(level=level, code=code, variable=variable, year=year)


@pytest.fixture
def iris_reference_76(tmp_path):
    folder = tmp_path / "ref"
    folder.mkdir()
    return dataset_import(
        known_edition_only=False, path=extract(IRIS_REFERENCE, folder / "iris_2021.csv", starts_with("76"))
    )


class TestInseeComparateur:
    def test_real_rows(self):
        report = dataset_import(path=COMPARATEUR)
        assert report.format == "insee_comparateur"
        assert report.rows_read == 50
        # 50 communes × 31 value columns.
        assert report.created == 50 * 31
        # Bolbec, line "76114;11618;…": population 2022 and poverty rate 2021 "23,0" (comma decimal).
        assert cell("76114", "P22_POP", 2022).value == decimal.Decimal("11618")
        assert cell("76114", "TP6021", 2021).value == decimal.Decimal("23")
        # NAIS1621 counts births 2016-2021: stored under the end of the period.
        assert cell("76114", "NAIS1621", 2021).status == ObservationStatus.OK
        # Alvimare (76002) has "s" for TP6021: a secret, never 0.
        alvimare = cell("76002", "TP6021", 2021)
        assert alvimare.status == ObservationStatus.SECRET
        assert alvimare.value is None
        # Census counts are weighted estimates, kept with their decimals (six places).
        assert cell("76002", "P22_MEN", 2022).value == decimal.Decimal("224.854720")
        dataset = Dataset.objects.get()
        assert (dataset.producer, dataset.vintage, dataset.row_count) == ("INSEE", "édition 2025", 50)
        assert dataset.observation_count == 1550
        assert dataset.source_label == "INSEE, Base comparateur de territoires, millésime édition 2025"

    def test_same_file_twice_changes_nothing(self):
        dataset_import(path=COMPARATEUR)
        report = dataset_import(path=COMPARATEUR)
        assert report.already_imported
        assert "déjà importé, rien n'a changé" in report.summary()
        assert Dataset.objects.count() == 1
        assert Observation.objects.count() == 1550

    def test_same_cells_in_another_file_are_unchanged(self, tmp_path):
        dataset_import(path=COMPARATEUR)
        # The same rows with LF line ends and no trailing newline: another file, the same cells.
        copy = tmp_path / "base_cc_comparateur_2025_lf.csv"
        copy.write_bytes(COMPARATEUR.read_bytes().replace(b"\r\n", b"\n").rstrip(b"\n"))
        report = dataset_import(known_edition_only=False, path=copy)
        assert (report.created, report.updated, report.unchanged) == (0, 0, 1550)
        assert Observation.objects.count() == 1550

    def test_dry_run_writes_nothing(self):
        report = dataset_import(path=COMPARATEUR, dry_run=True)
        assert report.created == 1550
        assert report.secret == 85
        assert "Simulation" in report.summary()
        assert Dataset.objects.count() == 0
        assert Observation.objects.count() == 0
        assert not SecurityEvent.objects.exists()

    def test_import_is_journaled(self):
        user = UserFactory()
        dataset_import(path=COMPARATEUR, by=user)
        event = SecurityEvent.objects.get()
        assert event.kind == SecurityEventKind.IMPORT
        assert event.user == user
        assert "base_cc_comparateur_2025_extrait_cauxseine50.csv" in event.detail
        assert Dataset.objects.get().imported_by == user

    def test_thousands_separators_and_leading_zeros(self, tmp_path):
        path = tmp_path / "base_cc_comparateur_2025.csv"
        path.write_text("CODGEO;P22_POP;MED21\n01001;1\u00a0234,5;22\u202f790\n2A004;65 432;s\n", encoding="utf-8")
        dataset_import(known_edition_only=False, path=path)
        assert cell("01001", "P22_POP", 2022).value == decimal.Decimal("1234.5")
        assert cell("01001", "MED21", 2021).value == decimal.Decimal("22790")
        assert cell("2A004", "P22_POP", 2022).value == decimal.Decimal("65432")

    def test_older_edition_of_the_same_layout(self, tmp_path):
        # The 2023 edition: census 2020 and 2014, Filosofi 2020, establishments 2021 with the ETGZ column.
        path = tmp_path / "base_cc_comparateur_2023.csv"
        path.write_text(
            "CODGEO;P20_POP;P14_POP;SUPERF;NAIS1420;MED20;TP6020;ETGZ21\n76114;11731;12007;12,24;1003;18230;s;31\n",
            encoding="utf-8",
        )
        report = dataset_import(known_edition_only=False, path=path)
        assert report.format == "insee_comparateur"
        assert cell("76114", "P20_POP", 2020).value == decimal.Decimal("11731")
        assert cell("76114", "P14_POP", 2014).status == ObservationStatus.OK
        assert cell("76114", "SUPERF", 2020).value == decimal.Decimal("12.24")
        assert cell("76114", "NAIS1420", 2020).status == ObservationStatus.OK
        assert cell("76114", "TP6020", 2020).status == ObservationStatus.SECRET
        assert cell("76114", "ETGZ21", 2021).status == ObservationStatus.OK
        assert Dataset.objects.get().vintage == "édition 2023"

    def test_lost_leading_zero_is_refused(self, tmp_path):
        path = tmp_path / "base_cc_comparateur_2025.csv"
        path.write_text("CODGEO;P22_POP\n1001;12\n", encoding="utf-8")
        with pytest.raises(DatasetError, match=r"ligne 2, colonne 1 « CODGEO » : code « 1001 » invalide"):
            dataset_import(known_edition_only=False, path=path)
        assert Observation.objects.count() == 0


class TestInseeDossierComplet:
    def test_real_rows(self):
        report = dataset_import(path=DOSSIER)
        assert report.format == "insee_dossier_complet"
        # Bolbec's children under 15 in 2022 (weighted estimate "2206.07240046251").
        assert cell("76114", "P22_POP0014", 2022).value == decimal.Decimal("2206.072400")
        # Years read from the names: P11_POP → 2011, HT26 → 2026, ELECTEURSLP2024 → 2024, BPE_2024_B105 → 2024.
        assert cell("76114", "P11_POP", 2011).status == ObservationStatus.OK
        assert cell("76114", "HT26", 2026).status == ObservationStatus.OK
        assert cell("76114", "ELECTEURSLP2024", 2024).status == ObservationStatus.OK
        assert cell("76114", "BPE_2024_B105", 2024).status == ObservationStatus.OK
        # Alvimare's SNEMM_23 is empty: not available, not secret, not 0.
        snemm = cell("76002", "SNEMM_23", 2023)
        assert (snemm.status, snemm.value) == (ObservationStatus.MISSING, None)

    def test_any_subset_of_columns(self, tmp_path):
        path = tmp_path / "dossier_complet_2025.csv"
        lines = DOSSIER.read_text(encoding="utf-8").splitlines()
        path.write_text("\n".join(";".join(line.split(";")[:2]) for line in lines) + "\n", encoding="utf-8")
        report = dataset_import(known_edition_only=False, path=path, format="insee_dossier_complet")
        assert report.created == 50
        assert Observation.objects.filter(variable="P22_POP0014").count() == 50

    def test_overlap_with_the_comparateur_counts_as_unchanged(self):
        dataset_import(path=COMPARATEUR)
        report = dataset_import(path=DOSSIER)
        # P16_POP is in both files: 620 vs 619.999999999998, equal at the six stored decimals.
        assert report.unchanged == 50
        assert cell("76002", "P16_POP", 2016).value == decimal.Decimal("620")


class TestFilosofi:
    def test_communes(self, tmp_path):
        path = extract(FILOSOFI / "FILO2019_DISP_COM.csv", tmp_path / "FILO2019_DISP_COM.csv", starts_with("761"))
        report = dataset_import(known_edition_only=False, path=path)
        assert report.format == "filosofi_disp"
        # Bolbec: "76114;Bolbec;4984;10977;7574,1;13540;17800;…".
        assert cell("76114", "Q219", 2019).value == decimal.Decimal("17800")
        assert cell("76114", "NBUC19", 2019).value == decimal.Decimal("7574.1")
        assert Dataset.objects.get().title == "Filosofi 2019, revenus disponibles (communes)"

    def test_secret_cell(self, tmp_path):
        path = extract(FILOSOFI / "FILO2019_DISP_COM.csv", tmp_path / "FILO2019_DISP_COM.csv", starts_with("76002"))
        dataset_import(known_edition_only=False, path=path)
        # "76002;Alvimare;218;615;386,3;;22770;;…": Q119 secret, Q219 published.
        assert cell("76002", "Q119", 2019).status == ObservationStatus.SECRET
        assert cell("76002", "Q219", 2019).value == decimal.Decimal("22770")

    @pytest.mark.parametrize(
        "name,level,code",
        [
            ("FILO2019_DISP_EPCI.csv", GeoLevel.EPCI, "200010700"),
            ("FILO2019_DISP_DEP.csv", GeoLevel.DEPARTEMENT, "76"),
            ("FILO2019_DISP_REG.csv", GeoLevel.REGION, "28"),
            ("FILO2019_DISP_METROPOLE.csv", GeoLevel.FRANCE, FRANCE_METRO_CODE),
        ],
    )
    def test_levels_from_the_file_name(self, name, level, code):
        dataset_import(path=FILOSOFI / name)
        assert Observation.objects.filter(level=level, code=code, variable="Q219", year=2019).exists()
        assert set(Observation.objects.values_list("level", flat=True).distinct()) == {level}

    def test_metropolitan_france(self):
        dataset_import(path=FILOSOFI / "FILO2019_DISP_METROPOLE.csv")
        # "1;France métropolitaine;27937964;62973019;43338321,3;16090;21930;…"
        assert cell(FRANCE_METRO_CODE, "Q219", 2019, GeoLevel.FRANCE).value == decimal.Decimal("21930")
        assert cell(FRANCE_METRO_CODE, "NBUC19", 2019, GeoLevel.FRANCE).value == decimal.Decimal("43338321.3")

    def test_iris(self, tmp_path):
        source = FILOSOFI / "BASE_TD_FILO_DISP_IRIS_2019.csv"
        dataset_import(known_edition_only=False, path=extract(source, tmp_path / source.name, starts_with("76114")))
        # "761140101;Bolbec Ouest;76114;Bolbec;22,4;…;17720;…": poverty rate 22.4 %, median 17720.
        assert cell("761140101", "DISP_MED19", 2019, GeoLevel.IRIS).value == decimal.Decimal("17720")
        assert cell("761140101", "DISP_TP6019", 2019, GeoLevel.IRIS).value == decimal.Decimal("22.4")
        # Medians are never rolled up to the commune.
        assert not Observation.objects.filter(level=GeoLevel.COMMUNE).exists()
        assert not Observation.objects.filter(variable="DISP_NOTE19").exists()


class TestCafIris:
    def test_reference_is_required(self, tmp_path):
        path = extract(CAF / "data_CAF_2019_IRIS.csv", tmp_path / "data_CAF_2019_IRIS.csv", starts_with("76114"))
        with pytest.raises(DatasetError, match="référentiel des IRIS n'est pas importé"):
            dataset_import(known_edition_only=False, path=path)

    def test_year_comes_from_the_file_name(self, tmp_path, iris_reference_76):
        path = extract(CAF / "data_CAF_2019_IRIS.csv", tmp_path / "donnees_caf_iris.csv", starts_with("76114"))
        with pytest.raises(DatasetError, match="ligne 1 : année introuvable"):
            dataset_import(known_edition_only=False, path=path)
        assert Observation.objects.count() == 0

    def test_iris_and_complete_commune_roll_up(self, tmp_path, iris_reference_76):
        path = extract(CAF / "data_CAF_2019_IRIS.csv", tmp_path / "data_CAF_2019_IRIS.csv", starts_with("76"))
        report = dataset_import(known_edition_only=False, path=path)
        assert report.format == "caf_iris"
        assert cell("761140101", "A", 2019, GeoLevel.IRIS).value == decimal.Decimal("800")
        # Bolbec has four IRIS in the reference, all present: A = 800 + 860 + 588 + 917 = 3165.
        bolbec = cell("76114", "A", 2019)
        assert (bolbec.value, bolbec.status, bolbec.incomplete) == (decimal.Decimal("3165"), "ok", False)
        # Children under 3: 91 + 120 + 105 + 125 = 441.
        assert cell("76114", "ENF_2", 2019).value == decimal.Decimal("441")
        # Students are secret in three of Bolbec's IRIS: the commune total is secret (never a partial sum) and
        # flagged incomplete.
        students = cell("76114", "A_ETUD", 2019)
        assert (students.value, students.status, students.incomplete) == (None, "secret", True)
        assert cell("761140101", "A_ETUD", 2019, GeoLevel.IRIS).status == ObservationStatus.SECRET

    def test_commune_with_an_iris_absent_is_incomplete(self, tmp_path, iris_reference_76):
        path = extract(
            CAF / "data_CAF_2019_IRIS.csv",
            tmp_path / "data_CAF_2019_IRIS.csv",
            lambda line: line.startswith("76114") and not line.startswith("761140104"),
        )
        dataset_import(known_edition_only=False, path=path)
        bolbec = cell("76114", "A", 2019)
        assert (bolbec.value, bolbec.status, bolbec.incomplete) == (None, "missing", True)

    def test_commune_not_split_into_iris(self, tmp_path, iris_reference_76):
        # A commune without IRIS is published under its code followed by 0000; its single zone is the whole commune.
        path = tmp_path / "data_CAF_2020_IRIS.csv"
        path.write_text("CODGEO;NOTE;A;ENF_2\r\n760020000;0;41;\r\n", encoding="utf-8")
        dataset_import(known_edition_only=False, path=path)
        alvimare = cell("76002", "A", 2020)
        assert (alvimare.value, alvimare.status, alvimare.incomplete) == (decimal.Decimal("41"), "ok", False)
        assert cell("760020000", "ENF_2", 2020, GeoLevel.IRIS).status == ObservationStatus.SECRET
        assert cell("76002", "ENF_2", 2020).incomplete

    def test_iris_unknown_to_the_reference_makes_the_commune_incomplete(self, tmp_path, iris_reference_76):
        path = tmp_path / "data_CAF_2020_IRIS.csv"
        path.write_text("CODGEO;A\n760020000;41\n760020001;3\n", encoding="utf-8")
        dataset_import(known_edition_only=False, path=path)
        assert cell("76002", "A", 2020).incomplete
        assert cell("760020001", "A", 2020, GeoLevel.IRIS).value == decimal.Decimal("3")

    def test_new_vintage_keeps_the_old_one(self, tmp_path, iris_reference_76):
        for year in (2019, 2020):
            source = CAF / f"data_CAF_{year}_IRIS.csv"
            dataset_import(
                known_edition_only=False, path=extract(source, tmp_path / source.name, starts_with("76114"))
            )
        assert cell("76114", "A", 2019).value == decimal.Decimal("3165")
        # 2020: 804 + 842 + 605 + 939.
        assert cell("76114", "A", 2020).value == decimal.Decimal("3190")
        assert Dataset.objects.filter(format="caf_iris").count() == 2

    def test_layout_2018_with_commune_columns(self, tmp_path, iris_reference_76):
        source = CAF / "data_CAF_2018_IRIS.csv"
        dataset_import(known_edition_only=False, path=extract(source, tmp_path / source.name, starts_with("76114")))
        assert cell("761140101", "A", 2018, GeoLevel.IRIS).value == decimal.Decimal(
            source.read_text(encoding="utf-8").split("761140101;")[1].split(";")[7]
        )
        assert not Observation.objects.filter(variable__in=["DEPCOM", "EPCI", "NOTE"]).exists()


class TestIrisReference:
    def test_real_rows(self, iris_reference_76):
        assert iris_reference_76.format == "iris_reference"
        zone = IrisZone.objects.get(code="761140101")
        assert (zone.commune_code, zone.name, zone.kind, zone.vintage) == ("76114", "Bolbec Ouest", "H", 2021)
        # Communes not split into IRIS have a single zone, the commune code followed by 0000.
        assert IrisZone.objects.filter(code="760020000", commune_code="76002", kind="Z").exists()


def test_unknown_format_is_named(tmp_path):
    path = tmp_path / "autre.csv"
    path.write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="autre.csv, ligne 1 : format non reconnu"):
        dataset_import(known_edition_only=False, path=path)


def observation_schema():
    """The indexes and constraints of the cells' table, as the database describes them."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Observation._meta.db_table)
    return sorted(
        (name, tuple(c["columns"]), c["unique"], c["index"], c["primary_key"], c["foreign_key"])
        for name, c in constraints.items()
    )


class TestFirstLargeImport:
    """A first import into an empty table rebuilds the indexes (and on PostgreSQL the keys) of the cells after the
    load: the table ends as it was made, and a failure leaves it so."""

    def test_indexes_and_keys_are_the_same_after_the_import(self):
        before = observation_schema()
        assert any(index for _name, _columns, _unique, index, _primary, _foreign in before)
        report = dataset_import(path=COMPARATEUR)
        assert report.created == Observation.objects.count() > 0
        assert observation_schema() == before
        # The unique cell is enforced again.
        cell = Observation.objects.first()
        cell.pk = None
        with pytest.raises(IntegrityError), transaction.atomic():
            cell.save()

    def test_a_failing_import_writes_nothing_and_keeps_the_indexes(self, monkeypatch):
        before = observation_schema()

        load = services._bulk_load

        def load_then_fail(*args, **kwargs):
            load(*args, **kwargs)  # the cells are written, the indexes are not made again yet
            raise RuntimeError("disque plein")

        monkeypatch.setattr(services, "_bulk_load", load_then_fail)
        with pytest.raises(RuntimeError, match="disque plein"):
            dataset_import(path=COMPARATEUR)
        assert not Observation.objects.exists()
        assert not Dataset.objects.exists()
        assert observation_schema() == before
