"""Benchmark: the COPIL pack of a large convention (DOCX, PDF, PPTX) and its annual review, against the dashboard
page of the same convention in the same run.

Generates a SYNTHETIC convention (labelled so, never shown as real; the plan of bench/plan.py: 200 actions, 1,000
funding lines, 300 follow-up indicators, 400 milestones) and 1,000 history entries: the 200 actions and 160
funding lines created before the previous meeting of the COPIL, then 640 changes between that meeting and the
meeting (status, typed progress, a granted amount, a new measure, 160 of each). For SQLite and PostgreSQL (when
reachable), in throwaway databases, a child process serves the dashboard (median of several runs), checks that
the pack lists the 640 changes, then builds each document from scratch (content and file).

Target: each document under 10 s. Each build prints its wall time and the CPU time of the building process
(WeasyPrint, python-docx and python-pptx run in it); when the load average exceeds the number of cores (a shared
machine), the target is judged on the CPU time, since the wall time then counts the other processes' work too.
The ratio to the dashboard page is printed for the record.
"""

import datetime
import json
import statistics
import sys
import time
import zoneinfo
from decimal import Decimal
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
CHANGES_PER_KIND = 160
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
CREATED = datetime.datetime(2023, 9, 1, 9, 0, tzinfo=PARIS)
PREVIOUS = datetime.datetime(2024, 1, 15, 14, 0, tzinfo=PARIS)
MEETING = datetime.datetime(2024, 6, 20, 14, 0, tzinfo=PARIS)


def _history(model, objects, *, when, update: bool) -> None:
    model.history.bulk_history_create(objects, update=update, default_date=when)


def generate_history(convention) -> int:
    """The 1,000 synthetic history entries; returns how many fall after the previous meeting."""
    from ctg.plans.models import Action, FundingLine, IndicatorMeasure

    actions = list(Action.objects.filter(convention=convention).order_by("code"))
    _history(Action, actions, when=CREATED, update=False)
    span = (MEETING - PREVIOUS).total_seconds()

    def moment(index: int) -> datetime.datetime:
        return PREVIOUS + datetime.timedelta(seconds=span * (index + 1) / (CHANGES_PER_KIND + 2))

    statuses = ["en_cours", "bloquee", "en_pause", "realisee"]
    for i in range(CHANGES_PER_KIND):
        action = actions[i % len(actions)]
        action.status = statuses[i % 4] if action.status != statuses[i % 4] else "a_venir"
        _history(Action, [action], when=moment(i), update=True)
        action.progress_manual = (action.progress_manual or 0) % 90 + 5
        _history(Action, [action], when=moment(i) + datetime.timedelta(minutes=1), update=True)
    lines = list(FundingLine.objects.filter(action__convention=convention).order_by("pk")[:CHANGES_PER_KIND])
    _history(FundingLine, lines, when=CREATED, update=False)
    for i, line in enumerate(lines):
        line.amount_granted = (line.amount_granted or Decimal(0)) + 50
        _history(FundingLine, [line], when=moment(i) + datetime.timedelta(minutes=2), update=True)
    indicators = list(convention.follow_up_indicators.order_by("pk")[:CHANGES_PER_KIND])
    measures = IndicatorMeasure.objects.bulk_create(
        [
            IndicatorMeasure(indicator=indicator, date=datetime.date(2024, 3, 1), value=Decimal(16), source="s")
            for indicator in indicators
        ]
    )
    for i, measure in enumerate(measures):
        _history(IndicatorMeasure, [measure], when=moment(i) + datetime.timedelta(minutes=3), update=False)
    # 200 + 160 creation records before the previous meeting, 4 × 160 changes after it: 1,000 entries.
    return 4 * CHANGES_PER_KIND


def generate_meetings(convention):
    from ctg.steering.enums import BodyKind, Frequency, MeetingState
    from ctg.steering.models import AgendaItem, Body, Meeting

    body = Body.objects.create(convention=convention, kind=BodyKind.COPIL, frequency=Frequency.SEMESTRIELLE)
    Meeting.objects.create(body=body, starts_at=PREVIOUS, place="Salle synthétique", state=MeetingState.TENUE)
    meeting = Meeting.objects.create(body=body, starts_at=MEETING, place="Salle synthétique")
    actions = list(convention.actions.order_by("code")[:8])
    for order, action in enumerate(actions, start=1):
        AgendaItem.objects.create(meeting=meeting, order=order, title=f"Point synthétique {order}", action=action)
    return meeting


def child() -> None:
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings
    from django.urls import reverse

    from bench.plan import generate
    from ctg.steering.pack.changes import plan_changes
    from ctg.steering.pack.content import annual_review, meeting_pack
    from ctg.steering.pack.docx_pack import build_docx
    from ctg.steering.pack.pdf_pack import build_pdf
    from ctg.steering.pack.pptx_pack import build_pptx

    call_command("migrate", verbosity=0)
    convention, user = generate()
    listed_expected = generate_history(convention)
    meeting = generate_meetings(convention)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    changes = plan_changes(convention_id=convention.pk, start=PREVIOUS, end=MEETING)
    assert len(changes) == listed_expected, (len(changes), listed_expected)
    client = Client()
    client.force_login(user)
    url = reverse("steering_views:dashboard", kwargs={"convention_pk": convention.pk})
    page_times = []
    with override_settings(ALLOWED_HOSTS=["testserver"], DEBUG=False):
        assert client.get(url).status_code == 200
        for _ in range(PAGE_REPEAT):
            start = time.perf_counter()
            response = client.get(url)
            page_times.append(time.perf_counter() - start)
            assert response.status_code == 200
    result = {"page": statistics.median(page_times)}
    builders = {"docx": build_docx, "pdf": build_pdf, "pptx": build_pptx}
    load = machine_load()
    for fmt, build in builders.items():
        wall, cpu, content = timed(lambda build=build: build(meeting_pack(meeting=meeting)))
        result[f"pack_{fmt}"], result[f"pack_{fmt}_cpu"] = wall, cpu
        result[f"pack_{fmt}_bytes"] = len(content)
    for fmt in ("docx", "pdf"):
        wall, cpu, content = timed(lambda fmt=fmt: builders[fmt](annual_review(convention=convention, year=2024)))
        result[f"review_{fmt}"], result[f"review_{fmt}_cpu"] = wall, cpu
        result[f"review_{fmt}_bytes"] = len(content)
    # The busier of the load averages seen before and after the builds.
    result["load"] = max(load, machine_load(), key=lambda item: item["load"])
    result["changes"] = len(changes)
    result["peak_mib"] = peak_rss_mib()
    print(json.dumps(result))


LABELS = {
    "pack_docx": "dossier de séance DOCX",
    "pack_pdf": "dossier de séance PDF",
    "pack_pptx": "diaporama PPTX",
    "review_docx": "bilan annuel DOCX",
    "review_pdf": "bilan annuel PDF",
}


def main() -> int:
    failed = False
    print(
        "Banc d'essai du dossier de séance du COPIL : 200 actions, 1 000 entrées d'historique dont "
        f"{4 * CHANGES_PER_KIND} changements depuis la réunion précédente (données synthétiques)."
    )
    for backend in backends():
        with throwaway_database(backend, "bench_steering_pack") as url:
            result = run_child(Path(__file__), "pack", url)
        print(
            f"{backend:10} tableau de bord {result['page'] * 1000:.0f} ms ; {result['changes']} changements listés ; "
            f"mémoire de pointe {result['peak_mib']:.0f} Mio"
        )
        print(f"{'':10} {load_sentence(result['load'])}")
        for key, label in LABELS.items():
            wall, cpu = result[key], result[key + "_cpu"]
            seconds, basis = judged_seconds(wall, cpu, result["load"])
            verdict = "OK" if seconds <= TARGET_SECONDS else "AU-DELÀ DE LA CIBLE"
            failed |= seconds > TARGET_SECONDS
            print(
                f"{'':10} {label} : {wall:.2f} s réel, {cpu:.2f} s CPU (cible ≤ {TARGET_SECONDS:g} s en {basis}) "
                f"{verdict} ; {result[key + '_bytes'] / 1024:.0f} Kio ; rapport au tableau de bord "
                f"{wall / result['page']:.0f}"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    if "--child" in sys.argv:
        child()
    else:
        sys.exit(main())
