"""Benchmark: a convention's dashboard and a département's portfolio at national scale, against the minimal page of
the site in the same run.

Generates SYNTHETIC data (labelled so, never shown as real): 1,250 conventions, one per EPCI, over 35,000 communes;
100,000 actions (80 per convention, each naming one commune, a third with a milestone), 100,000 funding lines of the
convention's CAF, 5,000 COPIL meetings and 3,750 tasks decided in them, one relais per convention covering ten
communes. One synthetic département holds 100 of the conventions: its portfolio lists all 100 (checked). For SQLite
and PostgreSQL (when reachable), in throwaway databases, a first child process generates the data with bulk inserts,
a second one serves the pages through Django's test client and prints their median server times and its own peak
memory (ru_maxrss: the serving process only, not the generation).

Targets, as ratios against the minimal page of the site (same middleware, same logged-in user, the layout template
with nothing in it, see bench/plan.py): dashboard ≤ 10, portfolio of a département of 100 conventions ≤ 20. Maps are
rendered once and then read from the cache, as on a live site; the first (uncached) request is printed apart.
"""

import datetime
import json
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._runner import backends, peak_rss_mib, run_child, setup_django, throwaway_database

CONVENTIONS = 1250
COMMUNES_PER_EPCI = 28
ACTIONS_PER_CONVENTION = 80
DEPARTEMENTS = 12
PORTFOLIO_CONVENTIONS = 100
DASHBOARD_TARGET = 10.0
PORTFOLIO_TARGET = 20.0
REPEAT = 15
BATCH = 5000
TODAY = datetime.date(2024, 3, 20)


def ping(request):
    from django.http import HttpResponse

    return HttpResponse("ok")


def minimal_page(request, convention_pk):
    """The smallest page of the site: same login, same convention lookup, the layout and nothing else."""
    from django.shortcuts import get_object_or_404, render

    from ctg.conventions.models import Convention

    convention = get_object_or_404(Convention.objects.for_user(request.user), pk=convention_pk)
    return render(request, "base.html", {"convention": convention})


def _urlconf():
    import types

    from django.urls import include, path

    module = types.ModuleType("bench_steering_urls")
    module.urlpatterns = [
        path("bench-ping/", ping),
        path("bench-page/<int:convention_pk>/", minimal_page),
        path("", include("config.urls")),
    ]
    sys.modules["bench_steering_urls"] = module
    return "bench_steering_urls"


def _square(x: int, y: int, size: float) -> dict:
    left, bottom = 0.1 + x * size, 49.0 + y * size
    ring = [[left, bottom], [left + size, bottom], [left + size, bottom + size], [left, bottom + size]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def generate():
    """Bulk inserts only: no history rows, no signals (the pages read none of them)."""
    from ctg.accounts.enums import Role
    from ctg.accounts.models import DepartementAccess, Membership, User
    from ctg.conventions.enums import Phase
    from ctg.conventions.models import Convention
    from ctg.offer.enums import OfferKind
    from ctg.offer.models import OfferItem
    from ctg.organisations.enums import OrganisationKind
    from ctg.organisations.models import Organisation
    from ctg.plans.models import Action, FundingLine, Milestone
    from ctg.steering.enums import BodyKind, Frequency, OutcomeKind
    from ctg.steering.models import AgendaItem, Body, FollowUp, Meeting, Outcome
    from ctg.territories.models import EPCI, Commune, Departement, Region

    region = Region.objects.create(code="R99", name="Région synthétique")
    departements = Departement.objects.bulk_create(
        [
            Departement(code=f"Z{i:02d}", name=f"Département synthétique {i}", region=region)
            for i in range(DEPARTEMENTS)
        ]
    )
    epcis = EPCI.objects.bulk_create(
        [
            EPCI(
                siren=f"{900000000 + i}",
                name=f"EPCI synthétique {i:04d}",
                kind="CC",
                # The portfolio's département: a 10 × 10 grid of squares for its map.
                geometry=_square(i % 10, i // 10, 0.2) if i < PORTFOLIO_CONVENTIONS else None,
            )
            for i in range(CONVENTIONS)
        ],
        batch_size=BATCH,
    )

    def departement_of(i: int):
        if i < PORTFOLIO_CONVENTIONS:
            return departements[0]
        return departements[1 + i % (DEPARTEMENTS - 1)]

    communes = Commune.objects.bulk_create(
        [
            Commune(
                code=f"{i * COMMUNES_PER_EPCI + j:05d}",
                name=f"Commune synthétique {i}-{j}",
                departement=departement_of(i),
                epci=epcis[i],
                population=1000 + j,
                # Outlines for the dashboard's convention (the first one) only.
                geometry=_square(j % 7, j // 7, 0.03) if i == 0 else None,
            )
            for i in range(CONVENTIONS)
            for j in range(COMMUNES_PER_EPCI)
        ],
        batch_size=BATCH,
    )
    caf = Organisation.objects.create(name="CAF synthétique", kind=OrganisationKind.CAF)
    phases = list(Phase)
    conventions = Convention.objects.bulk_create(
        [
            Convention(
                title=f"CTG synthétique {i:04d} (banc d'essai)",
                epci=epcis[i],
                caf=caf,
                start_date=datetime.date(2022, 1, 1),
                end_date=datetime.date(2025, 12, 31),
                phase=phases[i % len(phases)],
            )
            for i in range(CONVENTIONS)
        ],
        batch_size=BATCH,
    )
    engaged = Convention.communes.through
    engaged.objects.bulk_create(
        [
            engaged(convention_id=c.pk, commune_id=communes[i * COMMUNES_PER_EPCI + j].pk)
            for i, c in enumerate(conventions)
            for j in range(0, COMMUNES_PER_EPCI, 2)
        ],
        batch_size=BATCH,
    )
    statuses = ["a_venir", "en_cours", "realisee", "bloquee"]
    actions = Action.objects.bulk_create(
        [
            Action(
                convention=c,
                code=f"A-{k:03d}",
                title=f"Action synthétique {k}",
                status=statuses[k % 4],
                planned_start=datetime.date(2022, 1, 1),
                planned_end=datetime.date(2023 + k % 3, 1 + k % 12, 1),
                progress_manual=(k * 7) % 101,
                all_communes=k % 10 == 0,
            )
            for c in conventions
            for k in range(ACTIONS_PER_CONVENTION)
        ],
        batch_size=BATCH,
    )
    named = Action.communes.through
    named.objects.bulk_create(
        [
            named(action_id=a.pk, commune_id=communes[(n // ACTIONS_PER_CONVENTION) * COMMUNES_PER_EPCI + n % 14].pk)
            for n, a in enumerate(actions)
            if not a.all_communes
        ],
        batch_size=BATCH,
    )
    Milestone.objects.bulk_create(
        [
            Milestone(action=a, title="Jalon synthétique", due_date=datetime.date(2024, 1 + n % 12, 1))
            for n, a in enumerate(actions)
            if n % 3 == 0
        ],
        batch_size=BATCH,
    )
    FundingLine.objects.bulk_create(
        [
            FundingLine(
                action=a,
                funder=caf,
                year=2022 + n % 4,
                nature="fonctionnement",
                scheme="fonds_propres",
                amount_planned=Decimal(1000 + n % 500),
                amount_granted=Decimal(900 + n % 500) if n % 2 else None,
                amount_paid=Decimal(800 + n % 500) if n % 4 == 1 else None,
            )
            for n, a in enumerate(actions)
        ],
        batch_size=BATCH,
    )
    bodies = Body.objects.bulk_create(
        [Body(convention=c, kind=BodyKind.COPIL, frequency=Frequency.TRIMESTRIELLE) for c in conventions],
        batch_size=BATCH,
    )
    paris = datetime.timezone(datetime.timedelta(hours=1))
    meetings = Meeting.objects.bulk_create(
        [
            Meeting(
                body=b,
                starts_at=datetime.datetime(2023 + m // 2, 3 + 6 * (m % 2), 12, 14, tzinfo=paris),
                place="Salle synthétique",
            )
            for b in bodies
            for m in range(4)
        ],
        batch_size=BATCH,
    )
    items = AgendaItem.objects.bulk_create(
        [AgendaItem(meeting=m, order=1, title="Point synthétique") for m in meetings[::4]], batch_size=BATCH
    )
    outcomes = Outcome.objects.bulk_create(
        [
            Outcome(agenda_item=item, kind=OutcomeKind.TASK, text="Tâche synthétique")
            for item in items
            for _ in range(3)
        ],
        batch_size=BATCH,
    )
    FollowUp.objects.bulk_create(
        [
            FollowUp(
                convention_id=conventions[n // 3].pk,
                outcome=o,
                assignee_name="Personne synthétique",
                due_date=datetime.date(2024, 1 + n % 6, 1),
            )
            for n, o in enumerate(outcomes)
        ],
        batch_size=BATCH,
    )
    relais = OfferItem.objects.bulk_create(
        [
            OfferItem(
                convention=c,
                kind=OfferKind.RPE,
                name=f"Relais synthétique {i}",
                commune=communes[i * COMMUNES_PER_EPCI],
                source="Données synthétiques",
                reference_year=2024,
            )
            for i, c in enumerate(conventions)
        ],
        batch_size=BATCH,
    )
    covered = OfferItem.covered_communes.through
    covered.objects.bulk_create(
        [
            covered(offeritem_id=r.pk, commune_id=communes[i * COMMUNES_PER_EPCI + j].pk)
            for i, r in enumerate(relais)
            for j in range(10)
        ],
        batch_size=BATCH,
    )
    coordinator = User.objects.create(username="bench-coordination", email="coordination@exemple.invalid")
    Membership.objects.create(user=coordinator, convention=conventions[0], role=Role.ADMINISTRATEUR)
    advisor = User.objects.create(username="bench-caf", email="caf@exemple.invalid", organisation=caf)
    DepartementAccess.objects.create(user=advisor, departement=departements[0])
    return {"actions": len(actions), "communes": len(communes)}


def _median_ms(client, urls: list[str]) -> list[float]:
    """Median server time of each URL; requests alternate so that load changes affect them alike."""
    for url in urls:
        for _ in range(2):
            assert client.get(url).status_code == 200, url
    times: list[list[float]] = [[] for _ in urls]
    for _ in range(REPEAT):
        for index, url in enumerate(urls):
            start = time.perf_counter()
            client.get(url)
            times[index].append((time.perf_counter() - start) * 1000)
    return [statistics.median(t) for t in times]


def _count_queries(client, url: str) -> tuple[int, bytes, float]:
    from django.db import connection

    queries: list[str] = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    start = time.perf_counter()
    with connection.execute_wrapper(count):
        response = client.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return len(queries), response.content, elapsed


def child_generate():
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    counts = generate()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would give a live database
    print(json.dumps({"seconds": time.perf_counter() - start, **counts}))


def child_serve():
    import time_machine

    setup_django()
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from ctg.accounts.models import User
    from ctg.conventions.models import Convention

    with (
        time_machine.travel(datetime.datetime(2024, 3, 20, 10, 0, tzinfo=datetime.UTC), tick=True),
        override_settings(ROOT_URLCONF=_urlconf(), ALLOWED_HOSTS=["testserver"], DEBUG=False),
    ):
        first = Convention.objects.order_by("pk").first()
        assert first is not None
        coordinator, advisor = Client(), Client()
        coordinator.force_login(User.objects.get(username="bench-coordination"))
        advisor.force_login(User.objects.get(username="bench-caf"))
        dashboard = reverse("steering_views:dashboard", args=[first.pk])
        portfolio = reverse("portfolio_views:departement", kwargs={"code": "Z00"})
        dashboard_queries, _, dashboard_first = _count_queries(coordinator, dashboard)
        portfolio_queries, html, portfolio_first = _count_queries(advisor, portfolio)
        page = html.decode()
        listed = page.count('<tr id="convention-')
        assert listed == PORTFOLIO_CONVENTIONS, f"{listed} conventions listées au lieu de {PORTFOLIO_CONVENTIONS}"
        minimal = f"/bench-page/{first.pk}/"
        dashboard_ms, minimal_ms, ping_ms = _median_ms(coordinator, [dashboard, minimal, "/bench-ping/"])
        portfolio_ms, advisor_minimal_ms = _median_ms(advisor, [portfolio, minimal])
    print(
        json.dumps(
            {
                "dashboard_ms": dashboard_ms,
                "minimal_ms": minimal_ms,
                "ping_ms": ping_ms,
                "portfolio_ms": portfolio_ms,
                "advisor_minimal_ms": advisor_minimal_ms,
                "dashboard_queries": dashboard_queries,
                "portfolio_queries": portfolio_queries,
                "dashboard_first_ms": dashboard_first,
                "portfolio_first_ms": portfolio_first,
                "portfolio_bytes": len(html),
                "peak_mib": peak_rss_mib(),
            }
        )
    )


def main():
    failed = False
    print(
        f"Banc d'essai du pilotage : {CONVENTIONS} conventions, {CONVENTIONS * COMMUNES_PER_EPCI} communes, "
        f"{CONVENTIONS * ACTIONS_PER_CONVENTION} actions et autant de lignes de financement, portefeuille d'un "
        f"département de {PORTFOLIO_CONVENTIONS} conventions (données synthétiques)."
    )
    script = Path(__file__)
    for backend in backends():
        with throwaway_database(backend, "bench_steering") as url:
            made = run_child(script, "generate", url)
            result = run_child(script, "serve", url)
        dashboard_ratio = result["dashboard_ms"] / result["minimal_ms"]
        portfolio_ratio = result["portfolio_ms"] / result["advisor_minimal_ms"]
        failed |= dashboard_ratio > DASHBOARD_TARGET or portfolio_ratio > PORTFOLIO_TARGET

        def verdict(ratio, target):
            return "OK" if ratio <= target else "AU-DELÀ DE LA CIBLE"

        print(
            f"{backend:10} génération {made['seconds']:.0f} s ({made['actions']} actions, {made['communes']} communes)"
        )
        print(
            f"{'':10} tableau de bord (80 actions) {result['dashboard_ms']:.1f} ms, "
            f"{result['dashboard_queries']} requêtes SQL ; page minimale {result['minimal_ms']:.1f} ms : "
            f"rapport {dashboard_ratio:.1f} (cible ≤ {DASHBOARD_TARGET:g}) "
            f"{verdict(dashboard_ratio, DASHBOARD_TARGET)}"
        )
        print(
            f"{'':10} portefeuille ({PORTFOLIO_CONVENTIONS} conventions listées) {result['portfolio_ms']:.1f} ms, "
            f"{result['portfolio_queries']} requêtes SQL, {result['portfolio_bytes'] / 1024:.0f} Kio ; "
            f"page minimale {result['advisor_minimal_ms']:.1f} ms : rapport {portfolio_ratio:.1f} "
            f"(cible ≤ {PORTFOLIO_TARGET:g}) {verdict(portfolio_ratio, PORTFOLIO_TARGET)}"
        )
        print(
            f"{'':10} premières requêtes, cartes rendues (hors cache) : tableau de bord "
            f"{result['dashboard_first_ms']:.0f} ms, portefeuille {result['portfolio_first_ms']:.0f} ms ; "
            f"réponse « ok » sans gabarit {result['ping_ms']:.1f} ms ; "
            f"mémoire maximale du processus servant les pages {result['peak_mib']:.0f} Mio"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    if "--child" in sys.argv:
        mode = sys.argv[sys.argv.index("--child") + 1]
        child_generate() if mode == "generate" else child_serve()
    else:
        sys.exit(main())
