"""Benchmark: the final evaluation report (DOCX and PDF) of a convention of 200 actions, against the evaluation
overview page of the same convention in the same run.

Generates a SYNTHETIC convention (labelled so, never shown as real; the plan of bench/plan.py: 200 actions over 4
themes and 8 objectives, 1,000 funding lines, 300 follow-up indicators with targets and measures), then fills the
evaluation grid of every action (a level and a two-sentence justification per criterion, one grid in two
validated), a partners' questionnaire answered by 5 organisations, and the conclusions. For SQLite and PostgreSQL
(when reachable), in throwaway databases, a child process serves the overview page through Django's test client
(median of several runs), then builds the DOCX and the PDF, each from scratch (reading the database included).

Target: each document under 10 s for 200 actions. Each build prints its wall time and the CPU time of the building
process (python-docx and WeasyPrint run in it); when the load average exceeds the number of cores (a shared
machine), the target is judged on the CPU time, since the wall time then counts the other processes' work too.
The ratio to the overview page is printed for the record.
"""

import datetime
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._runner import (
    backends,
    judged_seconds,
    load_sentence,
    machine_load,
    peak_rss_mib,
    run_child,
    setup_django,
    throwaway_database,
    timed,
)

TARGET_SECONDS = 10.0
PAGE_REPEAT = 5
PARTNERS = 5


def generate_evaluation():
    from django.utils import timezone

    from bench.plan import ACTIONS, generate
    from ctg.conventions.enums import SignatoryRole
    from ctg.conventions.models import Convention, Signatory
    from ctg.evaluation.enums import Achievement, Criterion
    from ctg.evaluation.models import ActionEvaluation, ConventionEvaluation, PartnerAnswer, PartnerSurvey
    from ctg.organisations.models import Organisation
    from ctg.plans.models import Action

    convention, user = generate()
    Convention.objects.filter(pk=convention.pk).update(signed_on=datetime.date(2022, 1, 15))
    convention.refresh_from_db()
    themes = list(convention.themes.order_by("order"))
    actions = list(Action.objects.filter(convention=convention).order_by("code"))
    Action.themes.through.objects.bulk_create(
        [Action.themes.through(action=a, theme=themes[i % len(themes)]) for i, a in enumerate(actions)]
    )
    levels = Achievement.values
    grids = []
    for i, action in enumerate(actions):
        values = {}
        for j, criterion in enumerate(Criterion):
            values[f"{criterion.value}_level"] = levels[(i + j) % len(levels)]
            values[f"{criterion.value}_justification"] = (
                f"Constat synthétique sur la {criterion.label.lower()} de l'action {i}. "
                "Les indicateurs de suivi et le plan de financement l'étayent."
            )
        grids.append(
            ActionEvaluation(
                action=action,
                validated_at=timezone.now() if i % 2 else None,
                validated_by=user if i % 2 else None,
                **values,
            )
        )
    ActionEvaluation.objects.bulk_create(grids)
    survey = PartnerSurvey.objects.create(convention=convention, opened_by=user)
    for i in range(PARTNERS):
        organisation = Organisation.objects.create(name=f"Partenaire synthétique {i}", kind="autre")
        Signatory.objects.create(convention=convention, organisation=organisation, role=SignatoryRole.PARTENAIRE)
        PartnerAnswer.objects.create(
            survey=survey,
            organisation=organisation,
            pertinence="oui",
            efficacite="plutot_oui",
            efficience="plutot_non",
            durabilite="ne_sait_pas",
            comment=f"Commentaire synthétique du partenaire {i}.",
            answered_by=user,
        )
    ConventionEvaluation.objects.create(
        convention=convention, conclusions="Conclusions synthétiques.", recommendations="Recommandations synthétiques."
    )
    assert len(actions) == ACTIONS
    return convention, user


def child():
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings
    from django.urls import reverse

    from ctg.evaluation.final_report.docx_report import build_final_report_docx
    from ctg.evaluation.final_report.pdf_report import build_final_report_pdf

    call_command("migrate", verbosity=0)
    convention, user = generate_evaluation()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    client = Client()
    client.force_login(user)
    url = reverse("evaluation_views:overview", kwargs={"convention_pk": convention.pk})
    page_times = []
    with override_settings(ALLOWED_HOSTS=["testserver"], DEBUG=False):
        assert client.get(url).status_code == 200
        for _ in range(PAGE_REPEAT):
            start = time.perf_counter()
            response = client.get(url)
            page_times.append(time.perf_counter() - start)
            assert response.status_code == 200
    load = machine_load()
    docx_seconds, docx_cpu, docx = timed(lambda: build_final_report_docx(convention=convention))
    pdf_seconds, pdf_cpu, pdf = timed(lambda: build_final_report_pdf(convention=convention))
    print(
        json.dumps(
            {
                "page": statistics.median(page_times),
                "docx": docx_seconds,
                "docx_cpu": docx_cpu,
                "docx_bytes": len(docx),
                "pdf": pdf_seconds,
                "pdf_cpu": pdf_cpu,
                "pdf_bytes": len(pdf),
                # The busier of the load averages seen before and after the builds.
                "load": max(load, machine_load(), key=lambda item: item["load"]),
                "peak_mib": peak_rss_mib(),
            }
        )
    )


def main() -> int:
    from bench.plan import ACTIONS

    print(
        f"Rapport d'évaluation : {ACTIONS} actions évaluées, {PARTNERS} réponses de partenaires "
        "(données synthétiques)."
    )
    ok = True
    for backend in backends():
        with throwaway_database(backend, "bench_evaluation_report") as url:
            result = run_child(Path(__file__), "report", url)
        page = result["page"]
        print(f"{backend:10} page de synthèse de l'évaluation (médiane de {PAGE_REPEAT}) : {page:.3f} s")
        print(f"{'':10} {load_sentence(result['load'])}")
        for key, label in (("docx", "DOCX"), ("pdf", "PDF")):
            wall, cpu = result[key], result[key + "_cpu"]
            seconds, basis = judged_seconds(wall, cpu, result["load"])
            reached = seconds < TARGET_SECONDS
            ok &= reached
            print(
                f"{'':10} {label} : {wall:.2f} s réel, {cpu:.2f} s CPU ({result[key + '_bytes'] / 1024:.0f} Kio), "
                f"{wall / page:.0f} × la page ; cible < {TARGET_SECONDS:.0f} s en {basis} : "
                f"{'atteinte' if reached else 'MANQUÉE'}"
            )
        print(f"{'':10} mémoire maximale : {result['peak_mib']:.0f} Mio")
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child()
    else:
        sys.exit(main())
