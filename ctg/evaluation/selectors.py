"""Reads of the evaluation: the values a snapshot freezes, the snapshots of a convention, and what changed since.

Every read is a fixed number of queries whatever the number of communes, indicators and vintages: the indicator
values of the convention's territories in one query, the datasets behind the series in two.
"""

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q

from ctg.core.formatting import counted
from ctg.evaluation.changes import Figure, compare
from ctg.evaluation.enums import SURVEY_QUESTIONS, SnapshotKind, SurveyAnswer
from ctg.evaluation.models import (
    CarriedAction,
    CarriedEnjeu,
    CarriedIndicator,
    DiagnosticSnapshot,
    PartnerSurvey,
    SnapshotSeries,
    SnapshotValue,
)
from ctg.indicators import catalogue, engine
from ctg.indicators.enums import Direction, Kind
from ctg.indicators.models import IndicatorSeries, IndicatorValue
from ctg.indicators.selectors import epci_territories
from ctg.opendata.models import Dataset, Observation
from ctg.organisations.models import Organisation
from ctg.plans.enums import CLOSED_STATUSES
from ctg.plans.models import Action, FollowUpIndicator
from ctg.plans.selectors import indicators_with_trajectory, ledger_totals
from ctg.steering.models import BodyMember
from ctg.territories.enums import Level
from ctg.territories.models import Commune

VALUE_FIELDS = (
    "indicator",
    "level",
    "code",
    "year",
    "value",
    "numerator",
    "denominator",
    "status",
    "parts_present",
    "parts_expected",
    "note",
)
DATASET_FIELDS = ("id", "sha256", "producer", "title", "vintage", "file_name", "geography_year")
LEVEL_LABELS = dict(Level.choices)
# The territories compared beside each other on the page and in the exports, from the closest to the widest.
COMPARISON_LEVELS = [Level.EPCI.value, Level.DEPARTEMENT.value, Level.REGION.value, Level.FRANCE.value]


def convention_territories(convention) -> tuple[list[dict], list[dict]]:
    """(EPCI, département, région and France as dicts level/code/name; the EPCI's communes, by name). Two queries."""
    territories = epci_territories(convention.epci)
    communes = [
        {"level": Level.COMMUNE.value, "code": c["code"], "name": c["name"]}
        for c in Commune.objects.filter(epci_id=convention.epci_id).order_by("name").values("code", "name")
    ]
    return territories, communes


def _territory_condition(territories: Iterable[dict], commune_codes: Iterable[str]) -> Q:
    condition = Q(level=Level.COMMUNE, code__in=sorted(commune_codes))
    for territory in territories:
        if territory["level"] == Level.FRANCE:
            # France is matched whatever code its producer publishes it under (FRMETRO for Filosofi).
            condition |= Q(level=Level.FRANCE)
        elif territory["level"] != Level.COMMUNE:
            condition |= Q(level=territory["level"], code=territory["code"])
    return condition


def territory_values(
    *, territories: list[dict], commune_codes: Iterable[str], max_year: int | None = None
) -> Iterator[tuple]:
    """Every computed indicator value of the territories and communes (tuples in the order of VALUE_FIELDS), up
    to `max_year` when given. One query, streamed."""
    rows = IndicatorValue.objects.filter(
        _territory_condition(territories, commune_codes), indicator__in=list(catalogue.BY_CODE)
    )
    if max_year is not None:
        rows = rows.filter(year__lte=max_year)
    return rows.values_list(*VALUE_FIELDS).iterator(chunk_size=5000)


def series_sources(pairs: set[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """(indicator, year) -> the source line of the computed series (one query)."""
    codes = sorted({code for code, _ in pairs})
    return {
        (indicator, year): source
        for indicator, year, source in IndicatorSeries.objects.filter(indicator__in=codes).values_list(
            "indicator", "year", "source"
        )
        if (indicator, year) in pairs
    }


def series_datasets(
    pairs: set[tuple[str, int]], *, territories: list[dict], commune_codes: Iterable[str]
) -> dict[tuple[str, int], list[dict]]:
    """(indicator, year) -> the datasets whose observations of the territories entered that series, as dicts of
    DATASET_FIELDS (two queries). A term taking its variable's latest vintage (an area) reads that vintage."""
    indicators = {code: catalogue.BY_CODE[code] for code, _ in pairs if code in catalogue.BY_CODE}
    variables = set().union(*(engine.variables_read(i) for i in indicators.values())) if indicators else set()
    if not variables:
        return {}
    found = (
        Observation.objects.filter(_territory_condition(territories, commune_codes), variable__in=sorted(variables))
        .values_list("variable", "year", "dataset_id")
        .distinct()
    )
    by_variable: dict[str, dict[int, set[int]]] = {}
    for variable, year, dataset_id in found:
        by_variable.setdefault(variable, {}).setdefault(year, set()).add(dataset_id)
    result: dict[tuple[str, int], set[int]] = {}
    for code, year in pairs:
        indicator = indicators.get(code)
        if indicator is None:
            continue
        ids = result.setdefault((code, year), set())
        if indicator.kind == Kind.HOOK:
            terms = [catalogue.Term(variable) for variable in indicator.inputs]
        else:
            terms = list(indicator.numerator + indicator.denominator)
        for term in terms:
            years = by_variable.get(term.variable, {})
            term_year = max(years) if (term.latest and years) else year
            ids |= years.get(term_year, set())
    all_ids = set().union(*result.values()) if result else set()
    datasets = {d["id"]: d for d in Dataset.objects.filter(pk__in=all_ids).values(*DATASET_FIELDS)}
    return {
        key: sorted((datasets[i] for i in ids if i in datasets), key=lambda d: d["id"]) for key, ids in result.items()
    }


def geography_years(datasets: list[dict]) -> list[int]:
    """The years of the communes' geography (COG) of the datasets that state one."""
    return sorted({d["geography_year"] for d in datasets if d.get("geography_year")})


def convention_snapshots(*, convention) -> list[DiagnosticSnapshot]:
    return list(DiagnosticSnapshot.objects.filter(convention=convention).select_related("taken_by"))


def reference_snapshot(*, convention, snapshots: list[DiagnosticSnapshot] | None = None) -> DiagnosticSnapshot | None:
    """The snapshot "what changed" compares with by default: the signature's, else the most recent one."""
    snapshots = snapshots if snapshots is not None else convention_snapshots(convention=convention)
    for snapshot in snapshots:
        if snapshot.kind == SnapshotKind.SIGNATURE:
            return snapshot
    return snapshots[0] if snapshots else None


def compared_indicators() -> list[catalogue.Indicator]:
    """The catalogue's indicators compared, one per measure: an indicator that a later one `follows` (the 2016
    population) is shown as the baseline of its successor, not on its own line."""
    followed = {indicator.follows for indicator in catalogue.CATALOGUE if indicator.follows}
    return [indicator for indicator in catalogue.CATALOGUE if indicator.code not in followed]


def _latest(rows_by_year: dict[int, dict] | None) -> dict | None:
    if not rows_by_year:
        return None
    return rows_by_year[max(rows_by_year)]


def _chain_latest(store: dict, indicator: catalogue.Indicator, key: tuple = ()) -> tuple[str, dict | None]:
    """(code, row) of the newest vintage of a measure in `store` ({(code, *key): {year: row}}): the indicator's own
    or, when it `follows` another code, that one's; on the same year the indicator's own wins."""
    best_code, best = indicator.code, _latest(store.get((indicator.code, *key)))
    if indicator.follows:
        earlier = _latest(store.get((indicator.follows, *key)))
        if earlier is not None and (best is None or earlier["year"] > best["year"]):
            best_code, best = indicator.follows, earlier
    return best_code, best


def what_changed(*, snapshot: DiagnosticSnapshot, convention, commune_codes: list[str] | None = None) -> dict:
    """Indicator by indicator, the snapshot's figure and the newest one for the EPCI, département, région and
    France, and for the communes of `commune_codes` (all the EPCI's when None). Fixed number of queries.

    Returns {"territories": [...], "indicators": [{"indicator", "theme_label", "rows": [comparison per
    territory]}], "themes": [(code, label, indicators)]}.
    """
    territories, communes = convention_territories(convention)
    if commune_codes is not None:
        wanted = set(commune_codes)
        communes = [c for c in communes if c["code"] in wanted]
    places = communes + territories if commune_codes is not None else territories + communes
    commune_set = {c["code"] for c in communes}
    comparison_condition = _territory_condition(territories, commune_set)

    def _key(level: str, code: str) -> tuple[str, str]:
        return (level, "FR" if level == Level.FRANCE else code)

    then: dict[tuple[str, str, str], dict[int, dict]] = {}
    for row in SnapshotValue.objects.filter(comparison_condition, snapshot=snapshot).values(*VALUE_FIELDS).iterator():
        then.setdefault((row["indicator"], *_key(row["level"], row["code"])), {})[row["year"]] = row
    now: dict[tuple[str, str, str], dict[int, dict]] = {}
    for values in territory_values(territories=territories, commune_codes=commune_set):
        row = dict(zip(VALUE_FIELDS, values, strict=True))
        now.setdefault((row["indicator"], *_key(row["level"], row["code"])), {})[row["year"]] = row
    frozen_series = {
        (s.indicator, s.year): s
        for s in SnapshotSeries.objects.filter(snapshot=snapshot).only("indicator", "year", "source", "datasets")
    }
    now_pairs = {(key[0], year) for key, by_year in now.items() for year in by_year}
    now_sources = series_sources(now_pairs)
    now_datasets = series_datasets(now_pairs, territories=territories, commune_codes=commune_set)

    indicators: list[dict[str, Any]] = []
    for indicator in compared_indicators():
        rows = []
        for place in places:
            key = _key(place["level"], place["code"])
            now_code, current = _chain_latest(now, indicator, key)
            before_code, before = _chain_latest(then, indicator, key)
            before_series = frozen_series.get((before_code, before["year"])) if before else None
            rows.append(
                {
                    "place": place,
                    "level_label": LEVEL_LABELS[place["level"]],
                    **compare(
                        indicator=indicator,
                        then=Figure.from_row(
                            before,
                            indicator=catalogue.BY_CODE.get(before_code, indicator),
                            source=before_series.source if before_series else "",
                            datasets=before_series.datasets if before_series else [],
                        ),
                        now=Figure.from_row(
                            current,
                            indicator=catalogue.BY_CODE[now_code],
                            source=now_sources.get((now_code, current["year"]), indicator.source) if current else "",
                            datasets=now_datasets.get((now_code, current["year"]), []) if current else [],
                        ),
                        level=place["level"],
                    ),
                }
            )
        indicators.append(
            {
                "indicator": indicator,
                "theme_label": catalogue.THEME_LABELS[indicator.theme],
                "direction_label": Direction(indicator.direction).label,
                "rows": rows,
            }
        )
    themes = [
        (code, label, [i for i in indicators if i["indicator"].theme == code]) for code, label in catalogue.THEMES
    ]
    return {"territories": territories, "communes": communes, "indicators": indicators, "themes": themes}


def follow_up_baselines(*, convention, snapshot: DiagnosticSnapshot | None) -> list[dict]:
    """The follow-up indicators of the plan linked to a diagnostic indicator: their baseline taken from the
    snapshot (the EPCI's figure, its vintage and source), the open-data figure of each newer vintage, and the
    measures recorded. Five queries whatever the number of indicators."""
    indicators = list(
        FollowUpIndicator.objects.filter(convention=convention)
        .exclude(diagnostic_code="")
        .select_related("action", "objective")
        .prefetch_related("measures")
        .order_by("code")
    )
    codes = {i.diagnostic_code for i in indicators if i.diagnostic_code in catalogue.BY_CODE}
    codes |= {catalogue.BY_CODE[c].follows for c in codes if catalogue.BY_CODE[c].follows}
    siren = convention.epci_id
    then: dict[str, dict[int, dict]] = {}
    sources: dict[tuple[str, int], str] = {}
    if snapshot is not None and codes:
        for row in SnapshotValue.objects.filter(
            snapshot=snapshot, level=Level.EPCI, code=siren, indicator__in=sorted(codes)
        ).values(*VALUE_FIELDS):
            then.setdefault(row["indicator"], {})[row["year"]] = row
        sources = {
            (s["indicator"], s["year"]): s["source"]
            for s in SnapshotSeries.objects.filter(snapshot=snapshot, indicator__in=sorted(codes)).values(
                "indicator", "year", "source"
            )
        }
    now: dict[str, dict[int, dict]] = {}
    for row in IndicatorValue.objects.filter(level=Level.EPCI, code=siren, indicator__in=sorted(codes)).values(
        *VALUE_FIELDS
    ):
        now.setdefault(row["indicator"], {})[row["year"]] = row
    now_sources = series_sources({(code, year) for code, by_year in now.items() for year in by_year})
    result: list[dict[str, Any]] = []
    for follow_up in indicators:
        indicator = catalogue.BY_CODE.get(follow_up.diagnostic_code)
        if indicator is None:
            result.append({"follow_up": follow_up, "indicator": None})
            continue
        base_code, base = _chain_latest({(code,): rows for code, rows in then.items()}, indicator)
        baseline = Figure.from_row(
            base,
            indicator=catalogue.BY_CODE[base_code],
            source=sources.get((base_code, base["year"]), "") if base else "",
        )
        chain = [indicator.code, indicator.follows] if indicator.follows else [indicator.code]
        newer = sorted(
            (
                Figure.from_row(
                    row,
                    indicator=catalogue.BY_CODE[code],
                    source=now_sources.get((code, year), catalogue.BY_CODE[code].source),
                )
                for code in chain
                for year, row in now.get(code, {}).items()
                if base is None or year > base["year"]
            ),
            key=lambda figure: figure.year or 0,
        )
        result.append(
            {
                "follow_up": follow_up,
                "indicator": indicator,
                "baseline": baseline,
                "newer": newer,
                "measures": list(follow_up.measures.all()),
            }
        )
    return result


def snapshot_epci_baselines(*, convention) -> dict:
    """{"snapshot": the reference snapshot or None, "figures": {indicator code: Figure of the EPCI}}: the latest
    vintage of each indicator in the snapshot, an indicator whose code changed (population 2016 → 2022) taking
    its predecessor's figure. Three queries."""
    snapshot = reference_snapshot(convention=convention)
    if snapshot is None:
        return {"snapshot": None, "figures": {}}
    then: dict[str, dict[int, dict]] = {}
    for row in SnapshotValue.objects.filter(snapshot=snapshot, level=Level.EPCI, code=convention.epci_id).values(
        *VALUE_FIELDS
    ):
        then.setdefault(row["indicator"], {})[row["year"]] = row
    sources = {
        (indicator, year): source
        for indicator, year, source in SnapshotSeries.objects.filter(snapshot=snapshot).values_list(
            "indicator", "year", "source"
        )
    }
    figures = {}
    for indicator in catalogue.CATALOGUE:
        code, row = _chain_latest({(c,): rows for c, rows in then.items()}, indicator)
        if row is not None:
            figures[indicator.code] = Figure.from_row(
                row, indicator=catalogue.BY_CODE[code], source=sources.get((code, row["year"]), "")
            )
    return {"snapshot": snapshot, "figures": figures}


def action_grids(*, convention) -> list[dict]:
    """Every live action of the plan with its evaluation grid's state (one query)."""
    actions = Action.objects.filter(convention=convention).select_related("evaluation").order_by("code")
    rows = []
    for action in actions:
        evaluation = getattr(action, "evaluation", None)
        if evaluation is None:
            state = "à remplir"
        elif evaluation.is_validated:
            state = "validée"
        elif evaluation.is_complete:
            state = "à valider"
        else:
            state = "en cours"
        rows.append({"action": action, "evaluation": evaluation, "state": state})
    return rows


def renewable_actions(*, convention):
    """The convention's actions that may still be carried over into its successor: the unfinished ones first."""
    return (
        Action.objects.filter(convention=convention)
        .exclude(carried_into__isnull=False)
        .annotate(
            finished=models.Case(
                models.When(status__in=CLOSED_STATUSES, then=models.Value(1)),
                default=models.Value(0),
                output_field=models.IntegerField(),
            )
        )
        .order_by("finished", "code")
    )


def renewal_contents(*, renewal) -> dict[str, Any]:
    """What a renewal carried over: enjeux copied as proposals, actions with their indicators and new baselines."""
    enjeux = CarriedEnjeu.objects.filter(renewal=renewal).select_related("origin", "copy__theme")
    actions = list(
        CarriedAction.objects.filter(renewal=renewal).select_related("origin", "copy").order_by("copy__code")
    )
    indicators = (
        CarriedIndicator.objects.filter(action__in=actions)
        .select_related("origin", "copy", "baseline_measure")
        .order_by("copy__code")
    )
    by_action: dict[int, list] = {}
    for indicator in indicators:
        by_action.setdefault(indicator.action_id, []).append(indicator)
    return {
        "carried_enjeux": list(enjeux),
        "carried_actions": [(carried, by_action.get(carried.pk, [])) for carried in actions],
    }


def achievement_rate(*, baseline, latest, target) -> Decimal | None:
    """How far the latest measure went from the baseline towards the target, in percent (100 = target reached;
    beyond 100 = exceeded; negative = moved away). None when one of the three is missing or the target equals the
    baseline (no distance to cover)."""
    if baseline is None or latest is None or target is None or target == baseline:
        return None
    return ((latest - baseline) / (target - baseline) * 100).quantize(Decimal("1"))


def action_evidence(*, action: Action) -> dict[str, Any]:
    """The evidence beside an action's evaluation grid: each follow-up indicator's baseline → latest measure →
    final target with its achievement rate, the money planned / granted / paid (unknown amounts left out of the sums,
    never counted as zero), and the dates planned against the actual ones."""
    rows = []
    for indicator in indicators_with_trajectory(FollowUpIndicator.objects.filter(action=action).order_by("code")):
        targets = list(indicator.targets.all())
        target = targets[-1] if targets else None
        latest = indicator.latest
        rows.append(
            {
                "indicator": indicator,
                "latest": latest,
                "target": target,
                "rate": achievement_rate(
                    baseline=indicator.baseline_value,
                    latest=latest.value if latest else None,
                    target=target.value if target else None,
                ),
            }
        )
    return {"evidence_indicators": rows, "evidence_money": ledger_totals(action=action)["overall"]}


def partner_organisations(*, convention) -> list[Organisation]:
    """The partner organisations the questionnaire is open to: the convention's signatories, the organisations
    leading or joining one of its actions, and those sitting in its steering bodies; by name (one query)."""
    return list(
        Organisation.objects.filter(
            Q(signatures__convention=convention)
            | Q(led_actions__convention=convention, led_actions__deleted_at__isnull=True)
            | Q(partner_actions__convention=convention, partner_actions__deleted_at__isnull=True)
            | Q(pk__in=BodyMember.objects.filter(body__convention=convention).values("organisation_id"))
        )
        .distinct()
        .order_by("name")
    )


def survey_results(*, survey: PartnerSurvey | None, convention) -> dict[str, Any]:
    """The questionnaire's answers summed up: per question, how many organisations gave each reply; the comments;
    and which partner organisations answered (three queries)."""
    organisations = partner_organisations(convention=convention)
    answers = list(survey.answers.select_related("organisation", "answered_by")) if survey is not None else []
    answered = {answer.organisation_id for answer in answers}
    questions = []
    for criterion, question in SURVEY_QUESTIONS.items():
        counts = dict.fromkeys(SurveyAnswer.values, 0)
        for answer in answers:
            reply = getattr(answer, criterion.value)
            if reply:
                counts[reply] += 1
        unanswered = len(answers) - sum(counts.values())
        questions.append(
            {
                "label": criterion.label,
                "question": question,
                "counts": [(label, counts[value]) for value, label in SurveyAnswer.choices],
                "unanswered": unanswered,
            }
        )
    return {
        "survey": survey,
        "questions": questions,
        "answers": answers,
        "comments": [(answer.organisation.name, answer.comment) for answer in answers if answer.comment],
        "organisations": [(organisation, organisation.pk in answered) for organisation in organisations],
        "answered_count": len(answers),
        "answered_sentence": (
            f"{counted(len(answers), 'organisation')} sur {counted(len(organisations), 'partenaire')} de la "
            f"convention {'a' if len(answers) < 2 else 'ont'} répondu (signataires, porteurs et partenaires des "
            "actions, membres des instances)."
        ),
        "expected_count": len(organisations),
        "answer_labels": [label for _, label in SurveyAnswer.choices],
    }
