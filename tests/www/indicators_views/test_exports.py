import csv
import io

import pytest
from django.urls import reverse

from ctg.accounts.enums import SecurityEventKind
from ctg.accounts.models import SecurityEvent
from ctg.jobs.models import Job
from tests.accounts.factories import MembershipFactory
from tests.conventions.factories import ConventionFactory
from tests.diagnostic.factories import EnjeuFactory
from tests.jobs.helpers import run_queued_tasks

pytestmark = pytest.mark.django_db

FORMATS = {
    "export_docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK", "docx"),
    "export_pdf": ("application/pdf", b"%PDF", "pdf"),
    "export_xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK", "xlsx"),
    "export_csv": ("text/csv; charset=utf-8", b"\xef\xbb\xbf", "csv"),
}


@pytest.fixture
def demo(caux_seine_figures):
    return caux_seine_figures


def account(demo, username):
    return next(user for spec, user in demo["accounts"] if spec.username == username)


def url(demo, name):
    return reverse(f"indicators_views:{name}", kwargs={"convention_pk": demo["convention"].pk})


class TestExports:
    def test_anonymous_access(self, client, demo):
        for name in FORMATS:
            response = client.get(url(demo, name))
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("accounts_views:login"))
        assert not SecurityEvent.objects.filter(kind=SecurityEventKind.EXPORT).exists()

    def test_unauthorized_access(self, client, demo):
        client.force_login(MembershipFactory(convention=ConventionFactory()).user)
        for name in FORMATS:
            assert client.get(url(demo, name)).status_code == 404
        assert not SecurityEvent.objects.filter(kind=SecurityEventKind.EXPORT).exists()

    @pytest.mark.parametrize("name", ["export_csv"])
    def test_a_reader_exports_the_indicator_table_and_it_is_journaled(
        self, client, demo, name, django_assert_max_num_queries
    ):
        user = account(demo, "lecteur")
        client.force_login(user)
        # Session and user, convention and permission checks, the figures, the journal entry.
        with django_assert_max_num_queries(20):
            response = client.get(url(demo, name))
        content_type, magic, extension = FORMATS[name]
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert response.content.startswith(magic)
        assert response["Content-Disposition"] == (
            f'attachment; filename="diagnostic-convention-{demo["convention"].pk}.{extension}"'
        )
        event = SecurityEvent.objects.get(kind=SecurityEventKind.EXPORT)
        assert event.user == user and event.convention == demo["convention"]
        assert "tableau des indicateurs" in event.detail

    def test_csv_lists_every_commune(self, client, demo):
        client.force_login(account(demo, "bolbec"))
        response = client.get(url(demo, "export_csv"))
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
        assert len({r[5] for r in rows[1:] if r[4] == "Commune"}) == 50

    @pytest.mark.parametrize("name", ["export_docx", "export_pdf", "export_xlsx"])
    def test_a_reader_gets_the_report_built_in_the_background_and_it_is_journaled(self, client, demo, name):
        caf = account(demo, "caf")
        client.force_login(caf)
        response = client.get(url(demo, name))
        job = Job.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("jobs_views:detail", args=[job.pk])
        assert run_queued_tasks() == 1
        # Built: the same link now leads straight to the file.
        response = client.get(url(demo, name), follow=True)
        content_type, magic, extension = FORMATS[name]
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert response.content.startswith(magic)
        assert response["Content-Disposition"] == (
            f'attachment; filename="diagnostic-convention-{demo["convention"].pk}.{extension}"'
        )
        assert (
            SecurityEvent.objects.filter(
                kind=SecurityEventKind.EXPORT,
                user=caf,
                detail__contains=f"diagnostic-convention-{demo['convention'].pk}.{extension}",
            ).count()
            == 1
        )

    def test_the_report_is_built_once_per_version_of_its_data(self, client, demo):
        client.force_login(account(demo, "caf"))
        client.get(url(demo, "export_docx"))
        run_queued_tasks()
        client.force_login(account(demo, "lecteur"))
        response = client.get(url(demo, "export_docx"))
        first = Job.objects.get()
        assert response["Location"] == reverse("jobs_views:file", args=[first.pk])
        assert run_queued_tasks() == 0
        # An enjeu added: the report printed it not, so it is built again.
        EnjeuFactory(convention=demo["convention"])
        response = client.get(url(demo, "export_docx"))
        second = Job.objects.exclude(pk=first.pk).get()
        assert response["Location"] == reverse("jobs_views:detail", args=[second.pk])
        assert run_queued_tasks() == 1

    def test_post_is_not_allowed(self, client, demo):
        client.force_login(account(demo, "coordination"))
        for name in FORMATS:
            assert client.post(url(demo, name)).status_code == 405

    def test_the_diagnostic_page_links_to_the_exports(self, client, demo):
        client.force_login(account(demo, "lecteur"))
        text = client.get(reverse("indicators_views:index", kwargs={"convention_pk": demo["convention"].pk})).text
        for name in FORMATS:
            assert f'href="{url(demo, name)}"' in text
