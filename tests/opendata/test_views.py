import tempfile
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from ctg.accounts.enums import Role
from ctg.jobs.models import Job
from ctg.opendata.models import Dataset, Observation
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.jobs.helpers import run_queued_tasks
from tests.opendata.extracts import COMPARATEUR
from tests.opendata.factories import DatasetFactory, data_administrator

pytestmark = pytest.mark.django_db

INDEX_URL = reverse("opendata_views:index")
UPLOAD_URL = reverse("opendata_views:upload")


def member(role):
    return MembershipFactory(role=role).user


def csv_upload(name, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/csv")


class TestIndex:
    def test_anonymous_access(self, client):
        response = client.get(INDEX_URL)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts_views:login"))

    @pytest.mark.parametrize("role", [Role.LECTEUR, Role.ADMINISTRATEUR])
    def test_unauthorized_access(self, client, role):
        # Any signed-in person reads the provenance; only data administrators see the import button.
        client.force_login(member(role))
        response = client.get(INDEX_URL)
        assert response.status_code == 200
        assert UPLOAD_URL not in response.content.decode()

    def test_read_only(self, client):
        client.force_login(member(Role.ADMINISTRATEUR))
        assert client.post(INDEX_URL).status_code == 405

    def test_lists_provenance_in_bounded_queries(self, client, django_assert_max_num_queries):
        importer = UserFactory(first_name="Camille", last_name="Martin")
        DatasetFactory.create_batch(30, imported_by=importer, licence="Licence Ouverte / Open Licence 2.0")
        DatasetFactory(producer="CAF (Cnaf)", title="Données CAF à l'IRIS", vintage="2020", file_name="caf.csv")
        DatasetFactory(convention=MembershipFactory().convention, file_name="locales-autre-convention.csv")
        client.force_login(data_administrator())
        with django_assert_max_num_queries(10):
            response = client.get(INDEX_URL)
        html = response.content.decode()
        assert "Données CAF à l&#x27;IRIS" in html
        assert "caf.csv" in html
        assert "Camille Martin" in html
        assert "Fichiers importés (31)" in html
        assert UPLOAD_URL in html
        # A convention's local data is not national data.
        assert "locales-autre-convention.csv" not in html

    def test_importers_are_named_to_data_administrators_only(self, client):
        """The people who imported are not shown to users of other conventions."""
        DatasetFactory(imported_by=UserFactory(first_name="Camille", last_name="Martin"))
        client.force_login(member(Role.ADMINISTRATEUR))
        html = client.get(INDEX_URL).content.decode()
        assert "Camille Martin" not in html
        assert "par l'administration des données" in html


class TestUpload:
    def test_anonymous_access(self, client):
        response = client.get(UPLOAD_URL)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts_views:login"))
        response = client.post(UPLOAD_URL, {"file": csv_upload("a.csv", COMPARATEUR.read_bytes())})
        assert response.status_code == 302
        assert not Dataset.objects.exists()

    @pytest.mark.parametrize("role", [Role.LECTEUR, Role.PILOTE, Role.CONTRIBUTEUR, Role.ADMINISTRATEUR])
    def test_unauthorized_access(self, client, role):
        """Official data is shared by every convention: no convention role imports it."""
        client.force_login(member(role))
        assert client.get(UPLOAD_URL).status_code == 403
        response = client.post(UPLOAD_URL, {"file": csv_upload(COMPARATEUR.name, COMPARATEUR.read_bytes())})
        assert response.status_code == 403
        assert not Dataset.objects.exists()

    def test_user_without_membership_is_refused(self, client):
        client.force_login(UserFactory())
        assert client.get(UPLOAD_URL).status_code == 403

    def test_data_administrator_imports(self, client):
        user = data_administrator()
        client.force_login(user)
        before = set(Path(tempfile.gettempdir()).glob("pilote-ctg-import-*"))
        response = client.post(UPLOAD_URL, {"file": csv_upload(COMPARATEUR.name, COMPARATEUR.read_bytes())})
        # Checked in the request, imported by the worker: the administrator follows it on the job's page.
        job = Job.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("jobs_views:detail", args=[job.pk])
        assert not Dataset.objects.exists()
        assert run_queued_tasks() == 1
        html = client.get(response["Location"]).content.decode()
        assert "Terminé" in html
        assert "1\u202f550 valeurs créées" in html
        dataset = Dataset.objects.get()
        assert (dataset.file_name, dataset.imported_by) == (COMPARATEUR.name, user)
        assert Observation.objects.count() == 1550
        # The uploaded file is not kept, neither as a temporary copy nor in the storage.
        assert set(Path(tempfile.gettempdir()).glob("pilote-ctg-import-*")) == before
        assert not default_storage.exists(job.params["stored"])

    def test_superuser_imports(self, client):
        client.force_login(UserFactory(is_superuser=True))
        assert client.get(UPLOAD_URL).status_code == 200

    def test_dry_run(self, client):
        client.force_login(data_administrator())
        response = client.post(
            UPLOAD_URL, {"file": csv_upload(COMPARATEUR.name, COMPARATEUR.read_bytes()), "dry_run": "on"}
        )
        assert response.status_code == 200
        assert "Simulation : rien n&#x27;a été enregistré" in response.content.decode()
        assert not Dataset.objects.exists()
        assert not Observation.objects.exists()

    def test_same_file_twice(self, client):
        client.force_login(data_administrator())
        client.post(UPLOAD_URL, {"file": csv_upload(COMPARATEUR.name, COMPARATEUR.read_bytes())})
        # Sent again while the first is queued: one import only.
        client.post(UPLOAD_URL, {"file": csv_upload(COMPARATEUR.name, COMPARATEUR.read_bytes())})
        assert Job.objects.count() == 1
        assert run_queued_tasks() == 1
        response = client.post(UPLOAD_URL, {"file": csv_upload(COMPARATEUR.name, COMPARATEUR.read_bytes())})
        assert "déjà importé, rien n&#x27;a changé" in response.content.decode()
        assert Dataset.objects.count() == 1
        assert Job.objects.count() == 1

    def test_damaged_file_names_the_line(self, client):
        client.force_login(data_administrator())
        content = COMPARATEUR.read_bytes().replace(b"76114;11618;", b"76114;onze mille;")
        response = client.post(UPLOAD_URL, {"file": csv_upload("base_cc_comparateur_2025.csv", content)})
        assert response.status_code == 200
        html = response.content.decode()
        assert "aucune donnée n'a été modifiée" in html
        assert "ligne 7, colonne 2 « P22_POP » : « onze mille » n&#x27;est pas un nombre" in html
        assert not Dataset.objects.exists()

    @pytest.mark.parametrize(
        "content",
        [b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", b"\x7fELF\x02\x01\x01\x00", b"PK\x03\x04\x14\x00", b"CODGEO;P\x00"],
    )
    def test_binary_renamed_csv_is_refused(self, client, content):
        client.force_login(data_administrator())
        response = client.post(UPLOAD_URL, {"file": csv_upload("donnees.csv", content)})
        assert response.status_code == 200
        assert "n&#x27;est pas un fichier texte CSV (contenu binaire détecté)" in response.content.decode()
        assert not Dataset.objects.exists()

    def test_utf16_text_gets_the_reader_message(self, client):
        client.force_login(data_administrator())
        content = COMPARATEUR.read_text(encoding="utf-8").encode("utf-16")
        response = client.post(UPLOAD_URL, {"file": csv_upload(COMPARATEUR.name, content)})
        assert response.status_code == 200
        assert "ligne 1 : le fichier est encodé en UTF-16" in response.content.decode()

    def test_extension_and_size(self, client, settings):
        client.force_login(data_administrator())
        response = client.post(UPLOAD_URL, {"file": csv_upload("donnees.exe", b"CODGEO;P22_POP\n76114;1\n")})
        assert "extension .csv ou .txt" in response.content.decode()
        settings.UPLOAD_MAX_SIZE = 1024
        response = client.post(UPLOAD_URL, {"file": csv_upload(COMPARATEUR.name, COMPARATEUR.read_bytes())})
        assert "dépasse la taille maximale autorisée" in response.content.decode()
        assert not Dataset.objects.exists()

    def test_forced_format(self, client):
        client.force_login(data_administrator())
        response = client.post(
            UPLOAD_URL,
            {"file": csv_upload(COMPARATEUR.name, COMPARATEUR.read_bytes()), "format": "insee_dossier_complet"},
        )
        assert response.status_code == 302
        run_queued_tasks()
        assert Dataset.objects.get().format == "insee_dossier_complet"
