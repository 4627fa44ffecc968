"""An import from the web page recomputes the diagnostic's indicators in the same job, and its page says so."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ctg.accounts.enums import Role
from ctg.indicators.models import IndicatorValue
from ctg.opendata.models import Dataset, Observation
from tests.accounts.factories import MembershipFactory
from tests.jobs.helpers import run_queued_tasks
from tests.opendata.extracts import COMPARATEUR
from tests.opendata.factories import data_administrator

pytestmark = pytest.mark.django_db

UPLOAD_URL = reverse("opendata_views:upload")
MESSAGE = "Les indicateurs du diagnostic ont été recalculés avec ces données"


def upload(**extra):
    return {"file": SimpleUploadedFile(COMPARATEUR.name, COMPARATEUR.read_bytes(), content_type="text/csv"), **extra}


@pytest.fixture
def importer(caux_seine):
    return data_administrator()


class TestUploadRecomputes:
    def test_anonymous_access(self, client, caux_seine):
        response = client.post(UPLOAD_URL, upload())
        assert response.status_code == 302
        assert not IndicatorValue.objects.exists()

    def test_unauthorized_access(self, client, caux_seine):
        client.force_login(MembershipFactory(convention=caux_seine["convention"], role=Role.LECTEUR).user)
        assert client.post(UPLOAD_URL, upload()).status_code == 403
        assert not IndicatorValue.objects.exists()

    def test_import_recomputes_and_says_so(self, client, importer):
        client.force_login(importer)
        response = client.post(UPLOAD_URL, upload())
        assert response.status_code == 302
        assert not IndicatorValue.objects.exists()
        run_queued_tasks()
        html = client.get(response["Location"]).content.decode()
        assert MESSAGE in html
        # Σ P22_POP over the 50 communes of the file = 77,968, the EPCI's population.
        population = IndicatorValue.objects.get(indicator="population", level="epci", code="200010700", year=2022)
        assert (population.value, population.status) == (pytest.approx(77968), "ok")

    def test_dry_run_and_second_upload_do_not_recompute(self, client, importer):
        client.force_login(importer)
        response = client.post(UPLOAD_URL, upload(dry_run="on"))
        assert MESSAGE not in response.content.decode()
        assert not IndicatorValue.objects.exists()
        client.post(UPLOAD_URL, upload())
        run_queued_tasks()
        IndicatorValue.objects.all().delete()
        response = client.post(UPLOAD_URL, upload())  # already imported: nothing changed, nothing recomputed
        assert MESSAGE not in response.content.decode()
        assert not IndicatorValue.objects.exists()

    def test_a_failing_recomputation_leaves_the_import_undone(self, client, importer, monkeypatch):
        def broken(**kwargs):
            raise ValueError("division impossible")

        monkeypatch.setattr("ctg.indicators.jobs.indicators_compute", broken)
        client.force_login(importer)
        response = client.post(UPLOAD_URL, upload())
        run_queued_tasks()
        html = client.get(response["Location"]).content.decode()
        assert "rien n&#x27;a été enregistré" in html
        assert not Dataset.objects.exists()
        assert not Observation.objects.exists()
        assert not IndicatorValue.objects.exists()
