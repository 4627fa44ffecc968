"""Official data is shared and changed only by data administrators; local data stays in its convention.

Written as the attacks seen on the running product: an administrator of a convention in Calvados uploaded
`CODGEO;LIBGEO;P22_POP` / `76114;Bolbec;1` and Bolbec's population became 1 in the Caux Seine diagnostic.
"""

import decimal
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from ctg.accounts.enums import Role, SecurityEventKind
from ctg.accounts.models import SecurityEvent
from ctg.indicators.models import IndicatorValue
from ctg.opendata.editions import EDITIONS, column_shape, shipped_checksums
from ctg.opendata.models import Dataset, LocalObservation, Observation
from ctg.opendata.readers import DatasetError
from ctg.opendata.services import dataset_import, dataset_withdraw, file_sha256, local_data_import
from ctg.opendata.shipped import SHIPPED_FILES
from ctg.territories.models import Commune
from tests.accounts.factories import MembershipFactory
from tests.conventions.factories import ConventionFactory
from tests.jobs.helpers import run_queued_tasks
from tests.opendata.extracts import COMPARATEUR, DATA
from tests.opendata.factories import data_administrator
from tests.territories.factories import CommuneFactory, DepartementFactory, EpciFactory

pytestmark = pytest.mark.django_db

UPLOAD_URL = reverse("opendata_views:upload")
FORGED_WIDE = b"CODGEO;LIBGEO;P22_POP\n76114;Bolbec;1\n"
FORGED_TIDY = b"code_geo;niveau;variable;annee;valeur\n76114;commune;P22_POP;2023;3\n"


def upload(name, content, **extra):
    return {"file": SimpleUploadedFile(name, content, content_type="text/csv"), **extra}


@pytest.fixture
def calvados_admin():
    """The administrator of a convention of another département (Calvados)."""
    departement = DepartementFactory(code="14", name="Calvados")
    epci = EpciFactory()
    CommuneFactory(epci=epci, departement=departement)
    convention = ConventionFactory(epci=epci, title="CTG du Calvados")
    return MembershipFactory(convention=convention, role=Role.ADMINISTRATEUR).user


@pytest.fixture
def with_bolbec(caux_seine):
    dataset_import(path=COMPARATEUR)
    call_command("compute_indicators", stdout=io.StringIO())
    return caux_seine


def bolbec_population():
    return Observation.objects.get(level="commune", code="76114", variable="P22_POP", year=2022).value


class TestTheCalvadosAttack:
    @pytest.mark.parametrize("content", [FORGED_WIDE, FORGED_TIDY])
    def test_a_convention_administrator_cannot_upload_official_data(
        self, client, with_bolbec, calvados_admin, content
    ):
        client.force_login(calvados_admin)
        values = IndicatorValue.objects.count()
        response = client.post(UPLOAD_URL, upload("base_cc_comparateur_2025.csv", content, dry_run=""))
        assert response.status_code == 403
        assert "administration des données" in response.content.decode()
        assert bolbec_population() == decimal.Decimal("11618")
        assert Dataset.objects.count() == 1
        assert IndicatorValue.objects.count() == values

    def test_even_a_data_administrator_cannot_import_a_forged_insee_file(self, client, with_bolbec):
        client.force_login(data_administrator())
        response = client.post(UPLOAD_URL, upload("base_cc_comparateur_2025.csv", FORGED_WIDE, dry_run=""))
        html = response.content.decode()
        assert response.status_code == 200
        assert "ne correspond à aucune édition publiée connue" in html
        assert "colonnes absentes" in html
        assert bolbec_population() == decimal.Decimal("11618")
        assert Dataset.objects.count() == 1

    def test_an_extract_of_a_real_file_is_not_an_edition(self, tmp_path, with_bolbec):
        lines = COMPARATEUR.read_text(encoding="utf-8").splitlines()
        extract = tmp_path / "base_cc_comparateur_2025.csv"
        # The full published header, and Bolbec's row with its population replaced by 1.
        bolbec = next(line for line in lines if line.startswith("76114;"))
        extract.write_text(lines[0] + "\n" + bolbec.replace("76114;11618;", "76114;1;") + "\n", encoding="utf-8")
        with pytest.raises(DatasetError, match=r"1 ligne\(s\) alors que l'édition nationale .* au moins 30\u202f000"):
            dataset_import(path=extract)
        assert bolbec_population() == decimal.Decimal("11618")

    def test_local_format_is_refused_on_the_official_path(self, tmp_path, with_bolbec):
        path = tmp_path / "locales.csv"
        path.write_bytes(FORGED_TIDY)
        for format in (None, "tidy"):
            with pytest.raises(DatasetError, match="depuis la page « Données locales » de la convention"):
                dataset_import(path=path, format=format)
        assert not Observation.objects.filter(year=2023).exists()


class TestKnownEditions:
    def test_every_shipped_file_is_in_the_manifest_with_its_checksum(self):
        checksums = shipped_checksums()
        for name in SHIPPED_FILES:
            assert checksums.get(file_sha256(DATA / name)) == name, name

    @pytest.mark.parametrize("name", [n for n in SHIPPED_FILES if "extrait" not in n])
    def test_every_shipped_national_file_also_matches_its_edition_layout(self, name):
        """The layouts accept the national files as published (so a newer edition of the same layout passes)."""
        from ctg.opendata.editions import header_of

        shapes = {column_shape(column) for column in header_of(DATA / name)}
        assert any(all(column_shape(column) in shapes for column in edition.columns) for edition in EDITIONS), name

    def test_a_newer_vintage_has_the_same_column_shapes(self):
        assert column_shape("P22_POP") == column_shape("P23_POP")
        assert column_shape("Q219") == column_shape("Q220")
        assert column_shape("P22_POP") != column_shape("P22_POP1564")


class TestWithdrawal:
    def test_data_administrator_withdraws_a_dataset_and_indicators_follow(self, client, with_bolbec):
        admin = data_administrator()
        dataset = Dataset.objects.get()
        assert IndicatorValue.objects.filter(indicator="population", code="76114", status="ok").exists()
        client.force_login(admin)
        url = reverse("opendata_views:withdraw", kwargs={"pk": dataset.pk})
        assert "Retirer base_cc_comparateur" in client.get(url).content.decode()
        response = client.post(url)
        assert Dataset.objects.exists()  # queued, not yet done
        run_queued_tasks()
        assert "est retiré : 1\u202f550 valeurs supprimées" in client.get(response["Location"]).content.decode()
        assert not Dataset.objects.exists()
        assert not Observation.objects.exists()
        assert not IndicatorValue.objects.filter(indicator="population", code="76114", status="ok").exists()
        event = SecurityEvent.objects.filter(kind=SecurityEventKind.IMPORT, user=admin).latest("created_at")
        assert dataset.sha256 in event.detail and "Retrait" in event.detail
        # The same file imports again afterwards.
        assert dataset_import(path=COMPARATEUR).created == 1550

    def test_convention_roles_cannot_withdraw(self, client, with_bolbec):
        dataset = Dataset.objects.get()
        url = reverse("opendata_views:withdraw", kwargs={"pk": dataset.pk})
        client.force_login(MembershipFactory(convention=with_bolbec["convention"], role=Role.ADMINISTRATEUR).user)
        assert client.post(url).status_code == 403
        assert Observation.objects.count() == 1550

    def test_iris_reference_is_not_withdrawn(self, tmp_path):
        from tests.opendata.extracts import IRIS_REFERENCE, extract, starts_with

        report = dataset_import(
            path=extract(IRIS_REFERENCE, tmp_path / "iris_2021.csv", starts_with("76")), known_edition_only=False
        )
        with pytest.raises(DatasetError, match="le référentiel des IRIS ne se retire pas"):
            dataset_withdraw(dataset=report.dataset, by=data_administrator())


class TestLocalData:
    def write(self, tmp_path, rows, name="places.csv"):
        path = tmp_path / name
        path.write_text("code_geo;niveau;variable;annee;valeur\n" + "".join(f"{r}\n" for r in rows), encoding="utf-8")
        return path

    def test_local_values_stay_in_their_convention(self, tmp_path, with_bolbec, calvados_admin, client):
        convention = with_bolbec["convention"]
        coordinator = MembershipFactory(convention=convention, role=Role.CONTRIBUTEUR, user__first_name="Léa").user
        rows = [
            "76114;commune;PLACES_EAJE;2024;120",
            "76476;Commune;PLACES_EAJE;2024;s",
            "200010700;EPCI;PLACES_EAJE;2024;1\u00a0012,5",
        ]
        values = IndicatorValue.objects.count()
        report = local_data_import(convention=convention, path=self.write(tmp_path, rows), by=coordinator)
        assert report.created == 3
        stored = {(o.code, o.status, o.value) for o in LocalObservation.objects.filter(convention=convention)}
        assert stored == {
            ("76114", "ok", decimal.Decimal("120")),
            ("76476", "secret", None),
            ("200010700", "ok", decimal.Decimal("1012.5")),
        }
        # Never an official figure, never an indicator, never on the national page.
        assert not Observation.objects.filter(variable="PLACES_EAJE").exists()
        assert IndicatorValue.objects.count() == values
        client.force_login(coordinator)
        page = client.get(reverse("local_data_views:index", kwargs={"convention_pk": convention.pk}))
        html = page.content.decode()
        assert "Donnée locale, saisie par Léa" in html and "PLACES_EAJE" in html
        assert "places.csv" not in client.get(reverse("opendata_views:index")).content.decode()
        # Another convention's member does not see it (its page answers 404, its own page is empty).
        client.force_login(calvados_admin)
        assert (
            client.get(reverse("local_data_views:index", kwargs={"convention_pk": convention.pk})).status_code == 404
        )

    def test_same_file_twice_changes_nothing(self, tmp_path, caux_seine):
        convention = caux_seine["convention"]
        path = self.write(tmp_path, ["76114;commune;PLACES_EAJE;2024;120"])
        local_data_import(convention=convention, path=path, by=None)
        assert local_data_import(convention=convention, path=path, by=None).already_imported
        assert LocalObservation.objects.count() == 1

    def test_a_new_year_adds_and_a_correction_updates(self, tmp_path, caux_seine):
        convention = caux_seine["convention"]
        local_data_import(
            convention=convention, path=self.write(tmp_path, ["76114;commune;X_EAJE;2023;110"], "a.csv"), by=None
        )
        report = local_data_import(
            convention=convention, path=self.write(tmp_path, ["76114;commune;X_EAJE;2024;120"], "b.csv"), by=None
        )
        assert (report.created, report.updated) == (1, 0)
        report = local_data_import(
            convention=convention, path=self.write(tmp_path, ["76114;commune;X_EAJE;2024;125"], "c.csv"), by=None
        )
        assert (report.created, report.updated) == (0, 1)
        assert LocalObservation.objects.get(year=2024).value == decimal.Decimal("125")
        assert LocalObservation.objects.get(year=2023).value == decimal.Decimal("110")

    def test_outside_the_territory_is_refused(self, tmp_path, caux_seine):
        rows = [
            "76114;commune;PLACES_EAJE;2024;1",
            "76540;commune;PLACES_EAJE;2024;2",
            "76;departement;PLACES_EAJE;2024;3",
        ]
        with pytest.raises(DatasetError) as refused:
            local_data_import(convention=caux_seine["convention"], path=self.write(tmp_path, rows), by=None)
        messages = " ".join(refused.value.messages)
        # Rouen (76540) belongs to another EPCI; a département is not the convention's territory.
        assert "ligne 3, colonne « code_geo » : 76540 n'est pas sur le territoire de la convention" in messages
        assert "ligne 4, colonne « niveau »" in messages
        assert not LocalObservation.objects.exists()
        assert not Dataset.objects.exists()

    def test_an_official_variable_name_is_refused(self, tmp_path, with_bolbec):
        path = self.write(tmp_path, ["76114;commune;PLACES_EAJE;2024;1", "76114;commune;P22_POP;2023;3"])
        with pytest.raises(DatasetError, match="ligne 3, colonne « variable » : P22_POP est une variable publiée"):
            local_data_import(convention=with_bolbec["convention"], path=path, by=None)
        assert not LocalObservation.objects.exists()
        assert bolbec_population() == decimal.Decimal("11618")

    def test_upload_page_roles_and_withdrawal(self, client, tmp_path, caux_seine):
        convention = caux_seine["convention"]
        url = reverse("local_data_views:upload", kwargs={"convention_pk": convention.pk})
        content = self.write(tmp_path, ["76114;commune;PLACES_EAJE;2024;120"]).read_bytes()
        for role in (Role.LECTEUR, Role.PILOTE, Role.COMMUNE):
            extra = {"commune": Commune.objects.get(code="76114")} if role == Role.COMMUNE else {}
            client.force_login(MembershipFactory(convention=convention, role=role, **extra).user)
            assert client.post(url, upload("places.csv", content)).status_code == 403
        client.force_login(MembershipFactory(convention=convention, role=Role.ADMINISTRATEUR).user)
        response = client.post(url, upload("places.csv", content, dry_run="on"))
        assert "Simulation" in response.content.decode()
        assert not LocalObservation.objects.exists()
        client.post(url, upload("places.csv", content))
        dataset = Dataset.objects.get(convention=convention)
        assert LocalObservation.objects.count() == 1
        withdraw = reverse("local_data_views:withdraw", kwargs={"convention_pk": convention.pk, "pk": dataset.pk})
        assert client.post(withdraw).status_code == 302
        assert not LocalObservation.objects.exists()
        assert SecurityEvent.objects.filter(
            convention=convention, detail__startswith="Retrait de données locales"
        ).exists()
