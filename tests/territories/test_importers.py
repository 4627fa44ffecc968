import gzip
import io
import json
import shutil

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum

from ctg.territories.boundaries import import_boundaries
from ctg.territories.importers import REFERENTIAL_DIR, ReferentialImportError, import_referential, parse_referential
from ctg.territories.models import EPCI, Commune, Departement, Region

GEOJSON_76 = "data/referentiel/france-geojson-76/communes-76-seine-maritime.geojson"


@pytest.fixture
def referential_copy(tmp_path):
    for path in REFERENTIAL_DIR.iterdir():
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def snapshot():
    return (
        Region.objects.count(),
        Departement.objects.count(),
        EPCI.objects.count(),
        Commune.objects.count(),
        list(Commune.objects.order_by("code").values_list("code", "name", "population")[:50]),
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
class TestNationalImport:
    def test_counts_populations_and_idempotence(self):
        result = import_referential()
        # 34,969 "commune-actuelle" entries; delegated and associated communes and arrondissements are not communes.
        assert Commune.objects.count() == 34969
        assert EPCI.objects.count() == 1255
        assert Departement.objects.count() == 109
        assert Region.objects.count() == 26
        assert result["communes"].created == 34969
        caux_seine = EPCI.objects.get(siren="200010700")
        assert caux_seine.name == "CA Caux Seine Agglo"
        assert caux_seine.kind == "CA"
        assert caux_seine.communes.count() == 50
        # Population municipale RP2022 of the 50 member communes, summed: equals the EPCI's own figure.
        assert caux_seine.communes.aggregate(total=Sum("population"))["total"] == 77968
        assert caux_seine.population == 77968
        bolbec = Commune.objects.get(code="76114")
        assert (bolbec.population, bolbec.population_year, bolbec.siren) == (11618, 2022, "217601145")
        assert bolbec.postal_codes == ["76210"]
        # Codes are strings: leading zeros and Corsica survive.
        assert Commune.objects.filter(code="01001").exists()
        assert Commune.objects.filter(code__startswith="2A").exists()

        again = import_referential()
        assert {name: (c.created, c.updated) for name, c in again.items()} == {
            "regions": (0, 0),
            "departements": (0, 0),
            "epci": (0, 0),
            "communes": (0, 0),
            "former_communes": (0, 0),
        }
        assert again["communes"].unchanged == 34969


@pytest.mark.django_db
class TestDamagedFiles:
    def test_truncated_json_leaves_database_unchanged(self, referential_copy, caux_seine):
        before = snapshot()
        data = gzip.decompress((referential_copy / "communes.json.gz").read_bytes())
        (referential_copy / "communes.json.gz").write_bytes(gzip.compress(data[: len(data) // 2]))
        with pytest.raises(ReferentialImportError, match=r"communes\.json\.gz : JSON invalide ligne \d+, colonne \d+"):
            import_referential(referential_copy)
        assert snapshot() == before

    def test_truncated_gzip_stream(self, referential_copy, db):
        raw = (referential_copy / "epci.json.gz").read_bytes()
        (referential_copy / "epci.json.gz").write_bytes(raw[: len(raw) // 3])
        with pytest.raises(ReferentialImportError, match="epci.json.gz"):
            import_referential(referential_copy)
        assert Commune.objects.count() == 0

    def test_missing_field_names_the_entry(self, referential_copy, db):
        regions = json.loads((referential_copy / "regions.json").read_text())
        del regions[3]["nom"]
        (referential_copy / "regions.json").write_text(json.dumps(regions))
        with pytest.raises(ReferentialImportError, match="regions.json, entrée n° 4 .*« nom » est absent"):
            import_referential(referential_copy)
        assert Region.objects.count() == 0

    def test_command_reports_error_in_french(self, referential_copy, db):
        (referential_copy / "departements.json").write_text("[{")
        with pytest.raises(CommandError, match="Aucune donnée n'a été modifiée"):
            call_command("import_territories", directory=referential_copy, stdout=io.StringIO())

    def test_missing_file(self, tmp_path, db):
        with pytest.raises(ReferentialImportError, match="Fichier introuvable"):
            import_referential(tmp_path)


def _rewrite_first_entry(directory, name, **changes):
    path = directory / name
    raw = path.read_bytes()
    entries = json.loads(gzip.decompress(raw) if name.endswith(".gz") else raw)
    entries[0] = {**entries[0], **changes}
    data = json.dumps(entries).encode()
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)


# The first entry of each file (codes 01, 01, 200000172, 01001) altered one field at a time.
@pytest.mark.parametrize(
    ("name", "changes", "message"),
    [
        (
            "regions.json",
            {"nom": 3},
            "regions.json, entrée n° 1 (code 01) : le champ « nom » n'a pas le type attendu (int).",
        ),
        (
            "departements.json",
            {"region": "99x"},
            "departements.json, entrée n° 1 (code 01) : région « 99x » inconnue.",
        ),
        (
            "epci.json.gz",
            {"code": "12345"},
            "epci.json.gz, entrée n° 1 : le code « 12345 » n'est pas un SIREN à 9 chiffres.",
        ),
        (
            "epci.json.gz",
            {"type": "XX"},
            "epci.json.gz, entrée n° 1 (code 200000172) : type d'EPCI « XX » inconnu "
            "(attendus : CA, CC, CU, METRO, MET69).",
        ),
        (
            "epci.json.gz",
            {"membres": [{"nom": "Sans code"}]},
            "epci.json.gz (EPCI 200000172, membres), entrée n° 1 (code ?) : le champ « code » est absent ou vide.",
        ),
        (
            "communes.json.gz",
            {"code": "1234"},
            "communes.json.gz, entrée n° 1 : le code INSEE « 1234 » doit compter 5 caractères.",
        ),
        (
            "communes.json.gz",
            {"departement": "ZZ"},
            "communes.json.gz, entrée n° 1 (code 01001) : département « ZZ » inconnu.",
        ),
        (
            "communes.json.gz",
            {"type": "commune-deleguee"},
            "epci.json.gz : 1 commune membre absente de communes.json.gz (01001). "
            "Les deux fichiers doivent venir de la même version du découpage administratif.",
        ),
    ],
)
def test_invalid_entry_names_the_file_the_entry_and_the_field(referential_copy, name, changes, message):
    _rewrite_first_entry(referential_copy, name, **changes)
    with pytest.raises(ReferentialImportError) as error:
        parse_referential(referential_copy)
    assert str(error.value) == message


def test_a_missing_file_is_reported_before_any_invalid_entry(referential_copy):
    _rewrite_first_entry(referential_copy, "regions.json", code="")
    (referential_copy / "communes.json.gz").unlink()
    with pytest.raises(ReferentialImportError, match=r"Fichier introuvable : .*communes\.json\.gz"):
        parse_referential(referential_copy)


def test_a_member_keeps_the_dated_population_of_the_epci_file(referential_copy):
    # L'Abergement-Clémenciat (01001): 859 inhabitants as a member of 200069193 (RP2022), 860 in communes.json.gz.
    commune = parse_referential(referential_copy).communes["01001"]
    assert (commune["epci_id"], commune["population"], commune["population_year"]) == ("200069193", 859, 2022)


@pytest.mark.django_db
class TestBoundaries:
    def test_merged_codes_are_reported_and_skipped(self, caux_seine):
        out = io.StringIO()
        call_command("import_boundaries", GEOJSON_76, stdout=out)
        output = out.getvalue()
        # 711 features of 2018; 4 communes merged since then.
        assert "4 codes absents du référentiel actuel (communes fusionnées), ignorés : " in output
        assert "76191, 76358, 76674, 76729" in output
        assert Commune.objects.filter(code__startswith="76", geometry__isnull=False).count() == 707
        assert Commune.objects.filter(epci_id="200010700", geometry__isnull=True).count() == 0

    def test_epci_outline_derived_from_communes(self, caux_seine):
        epci = EPCI.objects.get(siren="200010700")
        assert epci.geometry["type"] in {"Polygon", "MultiPolygon"}

    def test_second_run_changes_nothing(self, caux_seine):
        counts = import_boundaries(GEOJSON_76)
        assert counts.attached == 0
        assert counts.unchanged == 707
        assert counts.epci_outlines == 0

    def test_feature_without_code_is_refused(self, tmp_path, caux_seine):
        path = tmp_path / "bad.geojson"
        path.write_text(
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "properties": {"nom": "Sans code"},
                            "geometry": {"type": "Point", "coordinates": [0, 0]},
                        }
                    ],
                }
            )
        )
        with pytest.raises(ReferentialImportError, match="entité n° 1 : la propriété « code »"):
            import_boundaries(path)
