"""Benchmark: the action plan page of a large convention, against a minimal Django view in the same run.

Generates a SYNTHETIC convention (labelled so, never shown as real) with 200 actions over 4 themes and 8
objectives, 1,000 funding lines from 5 funders, 300 follow-up indicators with targets and measures, 400
milestones. For SQLite and PostgreSQL (when reachable), in throwaway databases, a child process serves the plan
page, which lists every one of the 200 actions (checked: each code must appear in the page), and a minimal page of
the site (same middleware, same logged-in user, same scoped convention lookup, the layout template with nothing in
it) through Django's test client, and compares the median server times.

Which baseline the target applies to: ratio ≤ 10 against the minimal page of the site. That page pays what every
page of the site pays (session, authentication, CSP and history middleware, the scoped convention query, the
layout with its navigation), so the ratio measures what the plan page itself adds, on the same machine and in the
same run. The bare "ok" response (no template, no query) is printed too, with its ratio, for the record: it shows
the cost of the framework alone, but it is not a page a user could get, so no target applies to it.
"""

import datetime
import json
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._runner import backends, run_child, setup_django, throwaway_database

TARGET_RATIO = 10.0
ACTIONS = 200
FUNDING_LINES = 1000
INDICATORS = 300
REPEAT = 30


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
    """Module-like URLconf: the project's URLs plus the minimal view."""
    import types

    from django.urls import include, path

    module = types.ModuleType("bench_plan_urls")
    module.urlpatterns = [
        path("bench-ping/", ping),
        path("bench-page/<int:convention_pk>/", minimal_page),
        path("", include("config.urls")),
    ]
    sys.modules["bench_plan_urls"] = module
    return "bench_plan_urls"


def generate():
    from ctg.accounts.enums import Role
    from ctg.accounts.models import Membership, User
    from ctg.conventions.models import Convention, Theme
    from ctg.organisations.enums import OrganisationKind
    from ctg.organisations.models import Organisation
    from ctg.plans.models import (
        Action,
        FollowUpIndicator,
        FundingLine,
        IndicatorMeasure,
        IndicatorTarget,
        Milestone,
        Objective,
    )
    from ctg.territories.models import EPCI, Commune, Departement, Region

    region = Region.objects.create(code="R99", name="Région synthétique")
    departement = Departement.objects.create(code="D99", name="Département synthétique", region=region)
    epci = EPCI.objects.create(siren="999999999", name="EPCI synthétique", kind="CC")
    Commune.objects.bulk_create(
        [
            Commune(code=f"Z{i:04d}", name=f"Commune synthétique {i}", departement=departement, epci=epci)
            for i in range(30)
        ]
    )
    caf = Organisation.objects.create(name="CAF synthétique", kind=OrganisationKind.CAF)
    convention = Convention.objects.create(
        title="CTG synthétique (banc d'essai)",
        epci=epci,
        caf=caf,
        start_date=datetime.date(2022, 1, 1),
        end_date=datetime.date(2025, 12, 31),
    )
    themes = [Theme.objects.create(code=f"bench-{i}", label=f"Thématique synthétique {i}", order=i) for i in range(4)]
    convention.themes.add(*themes)
    objectives = [
        Objective.objects.create(convention=convention, theme=themes[i % 4], code=f"OS{i}", title=f"Objectif {i}")
        for i in range(8)
    ]
    user = User.objects.create(username="bench", email="bench@exemple.invalid")
    Membership.objects.create(user=user, convention=convention, role=Role.ADMINISTRATEUR)
    funders = [Organisation.objects.create(name=f"Financeur synthétique {i}", kind="autre") for i in range(5)]
    actions = Action.objects.bulk_create(
        [
            Action(
                convention=convention,
                code=f"A-{i:03d}",
                title=f"Action synthétique {i}",
                status=["a_venir", "en_cours", "realisee"][i % 3],
                planned_start=datetime.date(2022, 1 + i % 12, 1),
                planned_end=datetime.date(2024, 1 + i % 12, 1),
                pilot_user=user if i % 4 == 0 else None,
                progress_manual=i % 100,
            )
            for i in range(ACTIONS)
        ]
    )
    Action.objectives.through.objects.bulk_create(
        [Action.objectives.through(action=a, objective=objectives[i % 8]) for i, a in enumerate(actions)]
    )
    Milestone.objects.bulk_create(
        [
            Milestone(action=actions[i % ACTIONS], title=f"Jalon {i}", due_date=datetime.date(2023, 1 + i % 12, 1))
            for i in range(2 * ACTIONS)
        ]
    )
    FundingLine.objects.bulk_create(
        [
            FundingLine(
                action=actions[i % ACTIONS],
                funder=funders[i % 5],
                year=2022 + i % 4,
                nature="fonctionnement",
                scheme="fonds_propres",
                amount_planned=Decimal(1000 + i),
                amount_granted=Decimal(900 + i),
                amount_paid=Decimal(800 + i),
            )
            for i in range(FUNDING_LINES)
        ]
    )
    indicators = FollowUpIndicator.objects.bulk_create(
        [
            FollowUpIndicator(
                convention=convention,
                action=actions[i % ACTIONS],
                code=f"I-{i}",
                label=f"Indicateur synthétique {i}",
                source="Données synthétiques",
                baseline_value=Decimal(10),
                baseline_date=datetime.date(2022, 1, 1),
            )
            for i in range(INDICATORS)
        ]
    )
    IndicatorTarget.objects.bulk_create(
        [IndicatorTarget(indicator=i, date=datetime.date(2025, 1, 1), value=Decimal(20)) for i in indicators]
    )
    IndicatorMeasure.objects.bulk_create(
        [
            IndicatorMeasure(indicator=i, date=datetime.date(2023, 1, 1), value=Decimal(14), source="s")
            for i in indicators
        ]
    )
    return convention, user


def _median_ms(client, urls: list[str]) -> list[float]:
    """Median server time of each URL; requests alternate so that load changes affect them alike."""
    for url in urls:
        for _ in range(3):
            assert client.get(url).status_code == 200, url
    times = [[] for _ in urls]
    for _ in range(REPEAT):
        for index, url in enumerate(urls):
            start = time.perf_counter()
            client.get(url)
            times[index].append((time.perf_counter() - start) * 1000)
    return [statistics.median(t) for t in times]


def child():
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    call_command("migrate", verbosity=0)
    convention, user = generate()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would give a live database
    with override_settings(ROOT_URLCONF=_urlconf(), ALLOWED_HOSTS=["testserver"], DEBUG=False):
        client = Client()
        client.force_login(user)
        url = reverse("plans_views:index", args=[convention.pk])
        queries = []

        def count(execute, sql, params, many, context):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = client.get(url)
        assert response.status_code == 200, response.status_code
        html = response.content.decode()
        missing = [f"A-{i:03d}" for i in range(ACTIONS) if f">A-{i:03d}</a>" not in html]
        assert not missing, f"actions absentes de la page : {missing[:5]}"
        theme = convention.themes.order_by("order").first()
        page_ms, theme_ms, minimal_ms, ping_ms = _median_ms(
            client, [url, f"{url}?theme={theme.pk}", f"/bench-page/{convention.pk}/", "/bench-ping/"]
        )
    result = {"page_ms": page_ms, "theme_ms": theme_ms, "minimal_ms": minimal_ms, "ping_ms": ping_ms}
    print(json.dumps({**result, "queries": len(queries), "bytes": len(response.content)}))


def main():
    failed = False
    print(
        f"Banc d'essai du plan d'actions : {ACTIONS} actions, {FUNDING_LINES} lignes de financement, "
        f"{INDICATORS} indicateurs (données synthétiques)."
    )
    for backend in backends():
        with throwaway_database(backend, "bench_plan") as url:
            result = run_child(Path(__file__), "page", url)
        ratio = result["page_ms"] / result["minimal_ms"]
        verdict = "OK" if ratio <= TARGET_RATIO else "AU-DELÀ DE LA CIBLE"
        failed |= ratio > TARGET_RATIO
        print(
            f"{backend:10} page du plan, {ACTIONS} actions listées, {result['page_ms']:.1f} ms "
            f"({result['queries']} requêtes SQL, "
            f"{result['bytes'] / 1024:.0f} Kio) ; page minimale du site {result['minimal_ms']:.1f} ms : "
            f"rapport {ratio:.1f} (cible ≤ {TARGET_RATIO:g}) {verdict} ; "
            f"pour mémoire, réponse « ok » sans gabarit {result['ping_ms']:.1f} ms "
            f"(rapport {result['page_ms'] / result['ping_ms']:.0f})"
        )
        print(
            f"{'':10} page filtrée sur une thématique ({ACTIONS // 4} actions listées) {result['theme_ms']:.1f} ms : "
            f"rapport {result['theme_ms'] / result['minimal_ms']:.1f} à la page minimale (pour information)"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    if "--child" in sys.argv:
        child()
    else:
        sys.exit(main())
