"""Downloads of the COPIL pack and the annual review: built by the worker once per version of their data, reached
from the meeting page and the dashboard, journaled when downloaded, refused to outsiders."""

import datetime

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from ctg.accounts.enums import Role, SecurityEventKind
from ctg.accounts.models import SecurityEvent
from ctg.jobs.models import Job
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.conventions.factories import ConventionFactory
from tests.jobs.helpers import run_queued_tasks
from tests.plans.factories import ActionFactory, MeasureFactory
from tests.steering.factories import AgendaItemFactory, BodyFactory, MeetingFactory

pytestmark = pytest.mark.django_db

MAGIC = {"docx": b"PK", "pptx": b"PK", "pdf": b"%PDF"}


@pytest.fixture
def world():
    convention = ConventionFactory(start_date=datetime.date(2022, 1, 1), end_date=datetime.date(2025, 12, 31))
    action = ActionFactory(convention=convention, code="A1", title="Relais petite enfance")
    meeting = MeetingFactory(body=BodyFactory(convention=convention))
    AgendaItemFactory(meeting=meeting, title="Point d'étape", action=action)
    reader = UserFactory()
    MembershipFactory(user=reader, convention=convention, role=Role.LECTEUR)
    return {"convention": convention, "meeting": meeting, "reader": reader, "action": action}


def pack_url(world, fmt):
    return reverse(
        "steering_views:meeting_pack",
        kwargs={"convention_pk": world["convention"].pk, "pk": world["meeting"].pk, "fmt": fmt},
    )


def review_url(world, year, fmt):
    return reverse(
        "steering_views:annual_review", kwargs={"convention_pk": world["convention"].pk, "year": year, "fmt": fmt}
    )


class TestMeetingPack:
    def test_anonymous_access(self, client, world):
        response = client.get(pack_url(world, "docx"))
        assert response.status_code == 302 and "/connexion/" in response["Location"]
        assert not Job.objects.exists()

    def test_unauthorized_access(self, client, world):
        client.force_login(UserFactory())
        assert client.get(pack_url(world, "docx")).status_code == 404
        assert not Job.objects.exists()

    def test_unknown_format(self, client, world):
        client.force_login(world["reader"])
        assert client.get(pack_url(world, "xlsx")).status_code == 404
        assert not Job.objects.exists()

    @pytest.mark.parametrize("fmt", ["docx", "pdf", "pptx"])
    def test_a_reader_gets_the_pack_built_in_the_background_and_it_is_journaled(self, client, world, fmt):
        client.force_login(world["reader"])
        response = client.get(pack_url(world, fmt))
        job = Job.objects.get()
        assert response["Location"] == reverse("jobs_views:detail", args=[job.pk])
        assert run_queued_tasks() == 1
        response = client.get(pack_url(world, fmt), follow=True)
        assert response.status_code == 200
        assert response.content.startswith(MAGIC[fmt])
        name = f"dossier-de-seance-2024-03-12-reunion-{world['meeting'].pk}.{fmt}"
        assert response["Content-Disposition"] == f'attachment; filename="{name}"'
        event = SecurityEvent.objects.get(kind=SecurityEventKind.EXPORT)
        assert event.user == world["reader"] and name in event.detail

    def test_the_pack_is_built_once_per_version_of_its_data(self, client, world):
        client.force_login(world["reader"])
        client.get(pack_url(world, "pdf"))
        run_queued_tasks()
        first = Job.objects.get()
        assert client.get(pack_url(world, "pdf"))["Location"] == reverse("jobs_views:file", args=[first.pk])
        assert run_queued_tasks() == 0
        # A new measure: the pack lists it, so it is built again.
        MeasureFactory(indicator__action=world["action"], indicator__convention=world["convention"])
        response = client.get(pack_url(world, "pdf"))
        second = Job.objects.exclude(pk=first.pk).get()
        assert response["Location"] == reverse("jobs_views:detail", args=[second.pk])

    def test_post_is_not_allowed(self, client, world):
        client.force_login(world["reader"])
        assert client.post(pack_url(world, "docx")).status_code == 405

    def test_the_meeting_page_links_to_the_pack(self, client, world):
        client.force_login(world["reader"])
        page = reverse(
            "steering_views:meeting_detail",
            kwargs={"convention_pk": world["convention"].pk, "pk": world["meeting"].pk},
        )
        response = client.get(page)
        for fmt in ("docx", "pdf", "pptx"):
            assertContains(response, f'href="{pack_url(world, fmt)}"')


class TestAnnualReview:
    def test_unauthorized_access(self, client, world):
        client.force_login(UserFactory())
        assert client.get(review_url(world, 2023, "docx")).status_code == 404

    def test_a_year_outside_the_convention_is_refused(self, client, world):
        client.force_login(world["reader"])
        assert client.get(review_url(world, 2021, "docx")).status_code == 404
        assert client.get(review_url(world, 2023, "pptx")).status_code == 404
        assert not Job.objects.exists()

    def test_a_reader_gets_the_review(self, client, world):
        client.force_login(world["reader"])
        client.get(review_url(world, 2023, "docx"))
        assert run_queued_tasks() == 1
        response = client.get(review_url(world, 2023, "docx"), follow=True)
        assert response.content.startswith(b"PK")
        assert f"bilan-annuel-2023-convention-{world['convention'].pk}.docx" in response["Content-Disposition"]

    def test_the_dashboard_links_to_the_documents(self, client, world):
        client.force_login(world["reader"])
        response = client.get(reverse("steering_views:dashboard", kwargs={"convention_pk": world["convention"].pk}))
        assertContains(response, f'href="{review_url(world, 2022, "pdf")}"')
        assertContains(response, f'href="{pack_url(world, "pptx")}"')
