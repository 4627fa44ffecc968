import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ctg.jobs.enums import JobStatus
from ctg.jobs.models import Job, WorkerHeartbeat
from ctg.jobs.registry import JobResult, register_job_kind
from ctg.jobs.services import UNEXPECTED_FAILURE, job_enqueue, job_run, jobs_purge
from ctg.organisations.models import Organisation
from tests.accounts.factories import MembershipFactory, UserFactory
from tests.conventions.factories import ConventionFactory
from tests.jobs.helpers import run_queued_tasks

RUNS = []


@register_job_kind("test_count")
def _count(job):
    RUNS.append(job.pk)
    return JobResult(message="Fait.", content=b"a;b\n1;2\n", file_name="resultat.csv", content_type="text/csv")


@register_job_kind("test_refused")
def _refused(job):
    # The work writes, then refuses: nothing of it may remain.
    Organisation.objects.create(name="Écrite puis annulée", kind="association")
    raise ValidationError("Le fichier est refusé : ligne 3, colonne « montant », saisissez un nombre.")


@register_job_kind("test_crash")
def _crash(job):
    raise RuntimeError("bug")


@pytest.fixture(autouse=True)
def _reset_runs():
    RUNS.clear()


@pytest.fixture
def convention(db):
    return ConventionFactory()


def test_a_job_enqueued_twice_runs_once(convention):
    user = UserFactory()
    first = job_enqueue(kind="test_count", key="k1", label="Essai", by=user, convention=convention)
    second = job_enqueue(kind="test_count", key="k1", label="Essai", by=user, convention=convention)
    assert first.pk == second.pk
    assert DBTaskResult.objects.count() == 1
    run_queued_tasks()
    # The task delivered twice (a retry after a crash, a second worker) does not run the job again.
    assert job_run(first.pk) is False
    assert RUNS == [first.pk]
    first.refresh_from_db()
    assert first.status == JobStatus.DONE
    assert first.message == "Fait."
    with first.result_file.open("rb") as handle:
        assert handle.read() == b"a;b\n1;2\n"


def test_a_finished_job_is_reused_only_when_asked(convention):
    job = job_enqueue(kind="test_count", key="k2", label="Essai", convention=convention)
    job_run(job.pk)
    assert job_enqueue(kind="test_count", key="k2", label="Essai", convention=convention, reuse_done=True).pk == job.pk
    again = job_enqueue(kind="test_count", key="k2", label="Essai", convention=convention)
    assert again.pk != job.pk
    assert again.status == JobStatus.PENDING


def test_a_refused_job_leaves_nothing_written_and_says_why_in_french(convention):
    job = job_enqueue(kind="test_refused", key="k3", label="Import", convention=convention)
    job_run(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.message == "Le fichier est refusé : ligne 3, colonne « montant », saisissez un nombre."
    assert not Organisation.objects.filter(name="Écrite puis annulée").exists()


def test_an_unexpected_error_is_logged_and_shown_without_details(convention, caplog):
    job = job_enqueue(kind="test_crash", key="k4", label="Rapport", convention=convention)
    job_run(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.message == UNEXPECTED_FAILURE
    assert "bug" not in job.message
    assert any("Background job" in record.message for record in caplog.records)


def test_an_unknown_kind_is_refused_at_once(db):
    with pytest.raises(LookupError):
        job_enqueue(kind="nope", key="k5", label="?")
    assert not Job.objects.exists()


def test_a_user_sees_their_own_jobs_and_those_of_their_conventions_only(client, convention):
    owner = UserFactory()
    colleague = MembershipFactory(convention=convention).user
    stranger = MembershipFactory(convention=ConventionFactory()).user
    job = job_enqueue(kind="test_count", key="k6", label="Rapport du diagnostic", by=owner, convention=convention)
    job_run(job.pk)
    for user, expected in ((owner, 200), (colleague, 200), (stranger, 404)):
        client.force_login(user)
        for name in ("detail", "status", "file"):
            response = client.get(reverse(f"jobs_views:{name}", args=[job.pk]))
            assert response.status_code == expected, (user, name)
    client.force_login(stranger)
    assert "Rapport du diagnostic" not in client.get(reverse("jobs_views:index")).content.decode()


def test_the_page_polls_while_running_and_stops_when_finished(client, convention):
    user = MembershipFactory(convention=convention).user
    job = job_enqueue(kind="test_count", key="k7", label="Rapport", by=user, convention=convention)
    client.force_login(user)
    page = client.get(reverse("jobs_views:detail", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert "En attente" in page
    job_run(job.pk)
    fragment = client.get(reverse("jobs_views:status", args=[job.pk])).content.decode()
    assert "hx-trigger" not in fragment
    assert "Télécharger resultat.csv" in fragment


def test_old_jobs_are_purged_with_their_files(convention):
    job = job_enqueue(kind="test_count", key="k8", label="Rapport", convention=convention)
    job_run(job.pk)
    job.refresh_from_db()
    name = job.result_file.name
    storage = job.result_file.storage
    assert storage.exists(name)
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - datetime.timedelta(days=31))
    assert jobs_purge(older_than=datetime.timedelta(days=30)) == 1
    assert not storage.exists(name)


def test_health_says_ok_only_with_a_recent_worker_heartbeat(client, db):
    response = client.get("/sante/")
    assert response.status_code == 503
    assert response.json() == {"etat": "erreur", "base_de_donnees": "ok", "migrations": "ok", "worker": "erreur"}
    WorkerHeartbeat.objects.create(worker_id="w1", seen_at=timezone.now() - datetime.timedelta(minutes=10))
    assert client.get("/sante/").status_code == 503
    WorkerHeartbeat.objects.create(worker_id="w2")
    response = client.get("/sante/")
    assert response.status_code == 200
    assert response.json()["etat"] == "ok"
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db(transaction=True)
def test_the_worker_command_runs_the_queue_and_writes_its_heartbeat():
    job = job_enqueue(kind="test_count", key="k9", label="Rapport")
    call_command("worker", "--batch", "--no-startup-delay", "--worker-id", "w-test", verbosity=0)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert WorkerHeartbeat.objects.filter(worker_id="w-test").exists()
