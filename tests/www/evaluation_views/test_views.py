import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from ctg.accounts.enums import SecurityEventKind
from ctg.accounts.models import SecurityEvent
from ctg.evaluation.enums import SnapshotKind
from ctg.evaluation.models import DiagnosticSnapshot
from ctg.evaluation.services import snapshot_take
from ctg.indicators.services import indicators_compute
from ctg.jobs.models import Job
from tests.accounts.factories import MembershipFactory
from tests.conventions.factories import ConventionFactory
from tests.indicators.shipped import load_insee_extracts
from tests.jobs.helpers import run_queued_tasks
from tests.plans.factories import IndicatorFactory

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Caux Seine agglo, population municipale: 77 968 in 2022 (RP2022, data/README.md); the 2016 census count of the
# same 50 communes is read from the shipped extract (P16_POP), never typed here.
EPCI_POPULATION_2022 = "77\u00a0968"


@pytest.fixture
def demo(caux_seine):
    load_insee_extracts()
    indicators_compute(codes=["population", "population_2016", "population_change", "unemployment_15_64"])
    return caux_seine


def account(demo, username):
    return next(user for spec, user in demo["accounts"] if spec.username == username)


def url(demo, name, **kwargs):
    return reverse(f"evaluation_views:{name}", kwargs={"convention_pk": demo["convention"].pk, **kwargs})


def reconstruct(demo, limit=2018):
    convention = demo["convention"]
    return snapshot_take(
        convention=convention,
        kind=SnapshotKind.SIGNATURE,
        reference_date=convention.signed_on,
        reconstructed=True,
        vintage_limit=limit,
    )


class TestEvaluationPages:
    def test_anonymous_access(self, client, demo):
        for name in ("index", "changes", "changes_xlsx", "changes_csv"):
            response = client.get(url(demo, name))
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("accounts_views:login"))

    def test_unauthorized_access(self, client, demo):
        reconstruct(demo)
        client.force_login(MembershipFactory(convention=ConventionFactory()).user)
        for name in ("index", "changes", "changes_xlsx", "changes_csv"):
            assert client.get(url(demo, name)).status_code == 404
        assert client.post(url(demo, "snapshot_create", kind="signature"), {"vintage_limit": 2018}).status_code == 404
        assert (
            not DiagnosticSnapshot.objects.filter(convention=demo["convention"]).exclude(vintage_limit=2018).exists()
        )

    def test_the_coordinator_reconstructs_the_signature_snapshot(self, client, demo):
        client.force_login(account(demo, "coordination"))
        page = client.get(url(demo, "index"))
        assert "Reconstituer la photographie à la signature" in page.content.decode()
        form = client.get(url(demo, "snapshot_create", kind="signature"))
        # Signed in 2021: the census of 2018 was the newest published (June of N+3).
        assert 'value="2018"' in form.content.decode()
        response = client.post(url(demo, "snapshot_create", kind="signature"), {"vintage_limit": 2018})
        assert response.status_code == 302
        snapshot = DiagnosticSnapshot.objects.get(convention=demo["convention"])
        assert (snapshot.kind, snapshot.reference_date, snapshot.reconstructed, snapshot.vintage_limit) == (
            SnapshotKind.SIGNATURE,
            datetime.date(2021, 9, 6),
            True,
            2018,
        )
        page = client.get(url(demo, "index")).content.decode()
        assert "Reconstituée après coup à partir des données présentes" in page
        assert "Reconstituer la photographie" not in page

    def test_a_reader_may_not_take_a_snapshot(self, client, demo):
        client.force_login(account(demo, "lecteur"))
        assert client.post(url(demo, "snapshot_create", kind="signature"), {"vintage_limit": 2018}).status_code == 403
        assert "Reconstituer" not in client.get(url(demo, "index")).content.decode()
        assert not DiagnosticSnapshot.objects.exists()

    def test_a_decision_without_its_name_is_refused_in_french(self, client, demo):
        client.force_login(account(demo, "coordination"))
        response = client.post(url(demo, "snapshot_create", kind="decision"), {"reference_date": "2023-03-14"})
        assert response.status_code == 200
        assert "Ce champ est obligatoire." in response.content.decode()
        assert not DiagnosticSnapshot.objects.exists()

    def test_what_changed_shows_both_vintages_with_their_sources(self, client, demo, django_assert_max_num_queries):
        reconstruct(demo)
        client.force_login(account(demo, "lecteur"))
        with django_assert_max_num_queries(22):
            response = client.get(url(demo, "changes"))
        content = response.content.decode()
        assert response.status_code == 200
        assert "Ce qui a changé depuis la signature" in content
        assert "Photographie reconstituée à partir des données présentes" in content
        assert EPCI_POPULATION_2022 in content
        assert "millésime 2016" in content and "millésime 2022" in content
        # A commune beside the EPCI, one more query whatever the commune.
        with django_assert_max_num_queries(22):
            response = client.get(url(demo, "changes") + "?commune=76114")
        assert "Bolbec" in response.content.decode()

    def test_the_xlsx_and_csv_are_built_by_the_worker_hold_every_commune_and_are_journaled(self, client, demo):
        reconstruct(demo)
        client.force_login(account(demo, "bolbec"))
        response = client.get(url(demo, "changes_xlsx"))
        job = Job.objects.get(kind="evaluation_changes")
        assert response["Location"] == reverse("jobs_views:detail", kwargs={"pk": job.pk})
        assert run_queued_tasks() == 1
        # Once built, the same request downloads the file at once.
        response = client.get(url(demo, "changes_xlsx"))
        assert response["Location"] == reverse("jobs_views:file", kwargs={"pk": job.pk})
        download = client.get(response["Location"])
        assert download["Content-Type"] == XLSX
        content = b"".join(download.streaming_content) if download.streaming else download.content
        workbook = openpyxl.load_workbook(io.BytesIO(content))
        sheet = workbook["Ce qui a changé"]
        header = [cell.value for cell in sheet[1]]
        rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)]
        # A table that prints: frozen filtered header repeated on A4 landscape pages one page wide.
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:W{len(rows) + 1}"
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1
        assert sheet.print_title_rows == "$1:$1" and 6 <= sheet.column_dimensions["W"].width <= 40
        assert workbook["Photographie"].print_title_rows == "$5:$5"
        population = [r for r in rows if r["Code indicateur"] == "population"]
        assert len([r for r in population if r["Niveau territorial"] == "Commune"]) == 50
        epci = next(r for r in population if r["Niveau territorial"] == "EPCI")
        assert (epci["Millésime (photographie)"], epci["Millésime (actuel)"]) == ("2016", "2022")
        assert epci["Valeur (actuelle)"] == pytest.approx(77968, abs=0.5)
        assert epci["Évolution absolue"] == pytest.approx(epci["Valeur (actuelle)"] - epci["Valeur (photographie)"])
        assert epci["Source (actuelle)"].startswith("INSEE")
        # Nothing missing is written as 0: a row without a figure leaves the value empty.
        for row in rows:
            if row["Valeur affichée (actuelle)"] in ("non disponible", "secret statistique"):
                assert row["Valeur (actuelle)"] is None
        assert workbook["Photographie"]["B2"].value.startswith(
            "Signature de la convention, date de référence 06/09/2021"
        )
        client.get(url(demo, "changes_csv"))
        assert run_queued_tasks() == 1
        csv_job = Job.objects.get(kind="evaluation_changes", params__format="csv")
        csv_response = client.get(reverse("jobs_views:file", kwargs={"pk": csv_job.pk}))
        csv_content = b"".join(csv_response.streaming_content) if csv_response.streaming else csv_response.content
        lines = list(csv.reader(io.StringIO(csv_content.decode("utf-8-sig")), delimiter=";"))
        assert lines[0][0] == "Code indicateur" and len(lines) == len(rows) + 1
        # Each request is journaled (the downloads of the built file are journaled by the jobs' pages too).
        events = SecurityEvent.objects.filter(kind=SecurityEventKind.EXPORT, user=account(demo, "bolbec"))
        assert events.filter(detail__startswith="Évaluation : ce qui a changé").count() == 3

    def test_the_exports_without_a_snapshot_answer_404(self, client, demo):
        client.force_login(account(demo, "coordination"))
        assert client.get(url(demo, "changes_xlsx")).status_code == 404
        assert "Aucune photographie du diagnostic" in client.get(url(demo, "changes")).content.decode()

    def test_the_action_fiche_shows_the_snapshot_baseline(self, client, demo):
        convention = demo["convention"]
        reconstruct(demo)
        follow_up = IndicatorFactory(action__convention=convention, diagnostic_code="population")
        client.force_login(account(demo, "coordination"))
        response = client.get(
            reverse("plans_views:action_detail", kwargs={"convention_pk": convention.pk, "pk": follow_up.action_id})
        )
        content = response.content.decode()
        assert "Ligne de base de la photographie" in content
        assert "millésime 2016" in content and "photographie reconstituée" in content
        index = client.get(url(demo, "index")).content.decode()
        assert follow_up.label in index and "millésime 2022" in index
