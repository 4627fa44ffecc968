"""CNAF open-data exports (coverage rate, places, TAUXCOUV, allocataires by commune and EPCI), read from the fixtures
built for the tests in tests/opendata/fixtures/cnaf/ (invented values on the documented layouts, see its README)."""

import decimal
from pathlib import Path

import polars as pl
import pytest

from ctg.opendata.editions import edition_check, header_of
from ctg.opendata.enums import GeoLevel, ObservationStatus
from ctg.opendata.models import Dataset, Observation
from ctg.opendata.readers import DatasetError, detect_format, read_file
from ctg.opendata.services import dataset_import, file_sha256

FIXTURES = Path(__file__).parent / "fixtures" / "cnaf"
CAUX_SEINE = "200010700"


def cells(name: str) -> pl.DataFrame:
    return read_file(FIXTURES / name).value_cells


def value(frame: pl.DataFrame, level: str, code: str, variable: str, year: int) -> decimal.Decimal | None:
    row = frame.filter(
        (pl.col("level") == level)
        & (pl.col("code") == code)
        & (pl.col("variable") == variable)
        & (pl.col("year") == year)
    )
    assert row.height == 1, (level, code, variable, year)
    raw = row["value"][0]
    return None if raw is None else decimal.Decimal(raw)


@pytest.mark.parametrize(
    "name,format,level,rows_read,dropped,cell_count",
    [
        # 2 years × (global rate + 7 components)
        ("txcouv_pe_nat_fixture.csv", "cnaf_txcouv", GeoLevel.FRANCE, 2, 0, 2 * 8),
        # 3 areas-years kept × 8, the "XX" row dropped
        ("txcouv_pe_dep_fixture.csv", "cnaf_txcouv", GeoLevel.DEPARTEMENT, 4, 1, 3 * 8),
        ("txcouv_pe_epci_fixture.csv", "cnaf_txcouv", GeoLevel.EPCI, 4, 1, 3 * 8),
        ("txcouv_pe_com_fixture.csv", "cnaf_txcouv", GeoLevel.COMMUNE, 4, 1, 3 * 8),
        # 1 area × (tot_offre + 7 components)
        ("nbpla_pe_dep_fixture.csv", "cnaf_nbpla", GeoLevel.DEPARTEMENT, 2, 1, 8),
        ("nbpla_pe_epci_fixture.csv", "cnaf_nbpla", GeoLevel.EPCI, 2, 1, 8),
        ("nbpla_pe_com_fixture.csv", "cnaf_nbpla", GeoLevel.COMMUNE, 2, 1, 8),
        # 5 communes, 2 EPCI, 1 département, France; the région's rate is not stored (no région code in the file)
        ("TAUXCOUV2020_fixture.csv", "cnaf_tauxcouv", None, 6, 1, 5 + 2 + 1 + 1),
        # "XXXXX" and "99999" (abroad) dropped; 3 communes × (A, AAAH)
        ("aah_par_commune_fixture.csv", "caf_allocataires", GeoLevel.COMMUNE, 5, 2, 3 * 2),
        # 2 communes × (A + 11 family types, COUP_0_ENF stored as ACSSENF, + AM, AI, ACAVENF, AC3ENF)
        ("type_famille_par_commune_fixture.csv", "caf_allocataires", GeoLevel.COMMUNE, 2, 0, 2 * 16),
        ("aah_par_epci_fixture.csv", "caf_allocataires", GeoLevel.EPCI, 3, 1, 2 * 2),
        ("rsa_par_epci_fixture.csv", "caf_allocataires", GeoLevel.EPCI, 1, 0, 5),
        # the "XXXXX" row dropped; Bolbec × (A + 8 PAJE counts)
        ("PAJE_Com_2014_fixture.csv", "caf_allocataires", GeoLevel.COMMUNE, 2, 1, 9),
    ],
)
def test_each_layout_is_read_from_its_fixture(name, format, level, rows_read, dropped, cell_count):
    header = header_of(FIXTURES / name)
    assert detect_format(header, name) == format
    parsed = read_file(FIXTURES / name)
    assert parsed.format == format
    assert (parsed.rows_read, parsed.dropped_rows, parsed.value_cells.height) == (rows_read, dropped, cell_count)
    if level is not None:
        assert parsed.levels == [level]
    assert parsed.producer == "CAF (Cnaf)"
    assert parsed.licence.startswith("Licence Ouverte")


def test_placeholder_rows_are_not_areas():
    for name in sorted(path.name for path in FIXTURES.glob("*.csv")):
        codes = set(cells(name)["code"].to_list())
        assert not {code for code in codes if set(code) <= {"X", "Z"}}, name
        assert "99999" not in codes, name


def test_coverage_rates_as_published():
    epci = cells("txcouv_pe_epci_fixture.csv")
    # Line 3 of the fixture: 200010700;CA Caux Seine Agglo;76;SEINE-MARITIME;2022;57,3;9,8;1,9;0,6;44,2;0,8;11,7;45,0
    assert value(epci, GeoLevel.EPCI, CAUX_SEINE, "txcouv", 2022) == decimal.Decimal("57.3")
    assert value(epci, GeoLevel.EPCI, CAUX_SEINE, "txcouv_am_ind", 2022) == decimal.Decimal("44.2")
    assert value(epci, GeoLevel.EPCI, CAUX_SEINE, "txcouv", 2021) == decimal.Decimal("55.9")
    # The global rate is stored as published, not as the sum of its rounded components (11,7 + 45,0 + 0,6 = 57,3
    # here by chance; 9,8 + 1,9 + 0,6 + 44,2 + 0,8 = 57,3 too): the stored figure is the published column's.
    national = cells("txcouv_pe_nat_fixture.csv")
    # annee is a date in the national file: "2022-01-01" → 2022; France under the code FR.
    assert value(national, GeoLevel.FRANCE, "FR", "txcouv", 2022) == decimal.Decimal("59.8")
    assert value(national, GeoLevel.FRANCE, "FR", "txcouv", 2021) == decimal.Decimal("59.4")


def test_a_rate_above_100_is_kept():
    # Mont-Saint-Aignan 2022: 104,3 places for 100 children under 3 (more places than children: never clamped)
    assert value(cells("txcouv_pe_com_fixture.csv"), GeoLevel.COMMUNE, "76451", "txcouv", 2022) == decimal.Decimal(
        "104.3"
    )
    assert value(cells("TAUXCOUV2020_fixture.csv"), GeoLevel.COMMUNE, "76451", "txcouv", 2020) == decimal.Decimal(
        "102.8"
    )


def test_places_with_thousands_separators():
    # "22 732" places in the département, "1 306" in Caux Seine agglo
    assert value(cells("nbpla_pe_dep_fixture.csv"), GeoLevel.DEPARTEMENT, "76", "tot_offre", 2022) == 22732
    assert value(cells("nbpla_pe_epci_fixture.csv"), GeoLevel.EPCI, CAUX_SEINE, "tot_offre", 2022) == 1306
    assert value(cells("nbpla_pe_epci_fixture.csv"), GeoLevel.EPCI, CAUX_SEINE, "pl_am_ind", 2022) == 1008


def test_tauxcouv_gives_one_rate_per_area():
    frame = cells("TAUXCOUV2020_fixture.csv")
    # 54,6 repeated on the four Caux Seine rows: one EPCI rate; 61,9 for the département, 58,9 for France.
    assert value(frame, GeoLevel.EPCI, CAUX_SEINE, "txcouv", 2020) == decimal.Decimal("54.6")
    assert value(frame, GeoLevel.DEPARTEMENT, "76", "txcouv", 2020) == decimal.Decimal("61.9")
    assert value(frame, GeoLevel.FRANCE, "FR", "txcouv", 2020) == decimal.Decimal("58.9")
    # Trémauville's empty rate is "non disponible", never 0.
    tremauville = frame.filter((pl.col("code") == "76710") & (pl.col("level") == GeoLevel.COMMUNE))
    assert tremauville.select("value", "status").row(0) == (None, ObservationStatus.MISSING)


def test_tauxcouv_refuses_two_rates_for_one_area(tmp_path):
    path = tmp_path / "TAUXCOUV2020.csv"
    lines = (FIXTURES / "TAUXCOUV2020_fixture.csv").read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace(";54,6;", ";54,7;")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"ligne 4, colonne 6 « tauxcouv_epci » : le taux de 200010700 diffère"):
        read_file(path)


def test_allocataires_under_the_iris_names_where_the_meaning_is_the_same():
    aah = cells("aah_par_commune_fixture.csv")
    # Bolbec: NB_Allocataires "3 215" → A, ALL_AAH 268 → AAAH; year of DTREF 2022-12-31
    assert value(aah, GeoLevel.COMMUNE, "76114", "A", 2022) == 3215
    assert value(aah, GeoLevel.COMMUNE, "76114", "AAAH", 2022) == 268
    # Alvimare's empty AAH cell: secret (under 5) or missing, the producer does not say which — never 0.
    alvimare = aah.filter((pl.col("code") == "76002") & (pl.col("variable") == "AAAH"))
    assert alvimare.select("value", "status").row(0) == (None, ObservationStatus.SECRET)
    families = cells("type_famille_par_commune_fixture.csv")
    # Bolbec: single parents AM = 312 + 171 + 68 + 24 = 575; singles AI = 842 + 611 = 1,453;
    # couples with children ACAVENF = 401 + 433 + 190 + 61 = 1,085; with 3 or more AC3ENF = 190 + 61 = 251
    assert value(families, GeoLevel.COMMUNE, "76114", "AM", 2022) == 575
    assert value(families, GeoLevel.COMMUNE, "76114", "AI", 2022) == 1453
    assert value(families, GeoLevel.COMMUNE, "76114", "ACAVENF", 2022) == 1085
    assert value(families, GeoLevel.COMMUNE, "76114", "AC3ENF", 2022) == 251
    assert value(families, GeoLevel.COMMUNE, "76114", "ACSSENF", 2022) == 102
    # Alvimare: a secret part makes the sum secret (MONO_2_ENF… empty), the complete one stays (AI = 14 + 12)
    assert value(families, GeoLevel.COMMUNE, "76002", "AM", 2022) is None
    assert value(families, GeoLevel.COMMUNE, "76002", "AI", 2022) == 26
    epci = cells("aah_par_epci_fixture.csv")
    assert value(epci, GeoLevel.EPCI, CAUX_SEINE, "AAAH", 2021) == 1012
    assert value(epci, GeoLevel.EPCI, CAUX_SEINE, "A", 2022) == 12718
    rsa = cells("rsa_par_epci_fixture.csv")
    assert value(rsa, GeoLevel.EPCI, CAUX_SEINE, "NB_allocataire_RSA", 2022) == 1587
    # Older edition: no DTREF, the year is the file name's
    paje = cells("PAJE_Com_2014_fixture.csv")
    assert value(paje, GeoLevel.COMMUNE, "76114", "ALL_PAJE", 2014) == 612


@pytest.mark.parametrize(
    "name,change,expected",
    [
        (
            "txcouv_pe_epci_fixture.csv",
            lambda text: "".join(
                f"{line};{'commentaire' if number == 0 else 'x'}\r\n" for number, line in enumerate(text.splitlines())
            ),
            r"txcouv_pe_epci_fixture\.csv, ligne 1, colonne 14 « commentaire » : colonne « commentaire » inattendue "
            r"dans « Cnaf, taux de couverture global en accueil du jeune enfant \(EPCI\) »\. Colonnes trouvées : "
            r"numepci, nomepci, .*commentaire\. Colonnes attendues : numepci, nomepci, annee, txcouv_epci ; "
            r"facultatives : numdep, .*txcouv_ind_epci\.",
        ),
        (
            "txcouv_pe_com_fixture.csv",
            lambda text: text.replace("annee;", "an;"),
            r"ligne 1, colonne 7 « an » : colonne « an » inattendue .* Colonnes attendues : numcom, nomcom, annee",
        ),
        (
            "nbpla_pe_epci_fixture.csv",
            lambda text: text.replace("nomepci;", "libelle;"),
            r"ligne 1, colonne 2 « libelle » : colonne « libelle » inattendue .*Colonnes attendues : numepci, nomepci",
        ),
        (
            "aah_par_commune_fixture.csv",
            lambda text: text.replace("NB_Allocataires", "NB_Foyers"),
            r"« NB_Foyers » inattendue dans « CAF, allocataires par commune ».*Colonnes attendues : NUMCOM, "
            r"NB_Allocataires ; facultatives",
        ),
        (
            "TAUXCOUV2020_fixture.csv",
            lambda text: text.replace("tauxcouv_com", "taux_commune"),
            r"« taux_commune » inattendue",
        ),
    ],
)
def test_an_unexpected_layout_is_refused_with_the_columns_found_and_expected(tmp_path, name, change, expected):
    path = tmp_path / name
    path.write_text(change((FIXTURES / name).read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(DatasetError, match=expected):
        read_file(path, format=detect_format(header_of(FIXTURES / name), name))


def test_a_missing_required_column_is_named(tmp_path):
    path = tmp_path / "txcouv_pe_dep.csv"
    text = (FIXTURES / "txcouv_pe_dep_fixture.csv").read_text(encoding="utf-8")
    path.write_text("\n".join(line.split(";", 1)[1] for line in text.splitlines()) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"ligne 1 : colonne\(s\) obligatoire\(s\) absente\(s\) .* : numdep\."):
        read_file(path, format="cnaf_txcouv")


def test_a_year_that_is_neither_a_year_nor_a_date_is_refused(tmp_path):
    path = tmp_path / "txcouv_pe_nat.csv"
    path.write_text(
        (FIXTURES / "txcouv_pe_nat_fixture.csv").read_text(encoding="utf-8").replace("2022-01-01", "janvier 2022"),
        encoding="utf-8",
    )
    with pytest.raises(DatasetError, match=r"ligne 3, colonne 1 « annee » : « janvier 2022 » n'est ni une année"):
        read_file(path)


def test_the_same_area_twice_in_a_year_is_refused(tmp_path):
    path = tmp_path / "txcouv_pe_epci.csv"
    lines = (FIXTURES / "txcouv_pe_epci_fixture.csv").read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, lines[2]]) + "\n", encoding="utf-8")
    with pytest.raises(
        DatasetError, match=r"ligne 6, .* le territoire 200010700 figure déjà ligne 3 pour l'année 2022"
    ):
        read_file(path)


def test_a_lost_leading_zero_is_refused(tmp_path):
    path = tmp_path / "txcouv_pe_dep.csv"
    path.write_text("numdep;nomdep;annee;txcouv_dep\n1;AIN;2022;60,2\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"ligne 2, colonne 1 « numdep » : code « 1 » invalide"):
        read_file(path)


def national_epci_file(path: Path, *, areas: int, years: list[int]) -> Path:
    """A file of the txcouv_pe_epci layout with `areas` EPCI per year (synthetic SIRENs): the national row count."""
    lines = ["numepci;nomepci;annee;txcouv_epci;txcouv_eaje_epci;txcouv_am_ind_epci"]
    for year in years:
        lines += [f"{200000000 + n};EPCI {n};{year};55,0;12,0;40,0" for n in range(areas)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class TestOfficialPath:
    def check(self, path: Path) -> str:
        parsed = read_file(path)
        return edition_check(parsed=parsed, sha256=file_sha256(path), header=header_of(path), file_name=path.name)

    def test_a_national_file_is_a_known_edition(self, tmp_path, settings):
        path = national_epci_file(tmp_path / "txcouv_pe_epci.csv", areas=1_250, years=[2021, 2022])
        assert "txcouv_pe_epci" in self.check(path)

    def test_the_floor_is_per_year(self, tmp_path):
        # 1,250 rows, but over two years: 625 EPCI a year is not the national file (at least 1,000 a year)
        path = national_epci_file(tmp_path / "txcouv_pe_epci.csv", areas=625, years=[2021, 2022])
        with pytest.raises(DatasetError, match=r"1250 ligne\(s\) alors que l'édition nationale .* au moins 2.000"):
            self.check(path)

    def test_a_fixture_is_an_extract(self):
        with pytest.raises(DatasetError, match="ne correspond à aucune édition publiée connue"):
            self.check(FIXTURES / "txcouv_pe_com_fixture.csv")


@pytest.mark.django_db
class TestImport:
    def test_import_is_idempotent(self):
        first = dataset_import(path=FIXTURES / "txcouv_pe_epci_fixture.csv", known_edition_only=False)
        assert (first.created, first.read, first.dropped) == (24, 4, 1)
        # The placeholder "XX" row is no area: the report says it was left out.
        assert "1 ligne sans territoire écartée" in first.details()
        stored = sorted(Observation.objects.values_list("level", "code", "variable", "year", "value", "status"))
        again = dataset_import(path=FIXTURES / "txcouv_pe_epci_fixture.csv", known_edition_only=False)
        assert again.already_imported
        assert Dataset.objects.count() == 1
        assert (
            sorted(Observation.objects.values_list("level", "code", "variable", "year", "value", "status")) == stored
        )
        dataset = Dataset.objects.get()
        assert (dataset.format, dataset.vintage) == ("cnaf_txcouv", "2021–2022")
        assert dataset.source_label == (
            "CAF (Cnaf), Taux de couverture global en accueil du jeune enfant (EPCI), millésime 2021–2022"
        )

    def test_the_same_cells_from_another_file_are_unchanged(self, tmp_path):
        dataset_import(path=FIXTURES / "aah_par_commune_fixture.csv", known_edition_only=False)
        copy = tmp_path / "aah_par_commune.csv"
        copy.write_bytes((FIXTURES / "aah_par_commune_fixture.csv").read_bytes().replace(b"\r\n", b"\n"))
        report = dataset_import(path=copy, known_edition_only=False)
        assert (report.created, report.updated, report.unchanged) == (0, 0, 6)

    def test_a_refused_file_changes_nothing(self, tmp_path):
        dataset_import(path=FIXTURES / "txcouv_pe_dep_fixture.csv", known_edition_only=False)
        before = sorted(Observation.objects.values_list("code", "variable", "year", "value"))
        path = tmp_path / "txcouv_pe_dep.csv"
        text = (FIXTURES / "txcouv_pe_dep_fixture.csv").read_text(encoding="utf-8")
        # A corrected rate on line 3, then a damaged cell on line 4: the whole file is refused.
        path.write_text(text.replace(";63,5;", ";64,0;").replace(";58,1;", ";58,1x;"), encoding="utf-8")
        with pytest.raises(DatasetError, match=r"ligne 4, colonne 6 « txcouv_dep » : « 58,1x » n'est pas un nombre"):
            dataset_import(path=path, known_edition_only=False)
        assert sorted(Observation.objects.values_list("code", "variable", "year", "value")) == before
        assert Dataset.objects.count() == 1

    def test_the_official_path_refuses_the_fixture(self):
        with pytest.raises(DatasetError, match="aucune édition publiée connue"):
            dataset_import(path=FIXTURES / "txcouv_pe_com_fixture.csv")
        assert not Observation.objects.exists()
