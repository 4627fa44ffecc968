"""What the final evaluation report prints, built once for both formats (DOCX and PDF).

Method; the four questions (and the coherence) with their evidence; what changed since the signature; the roll-ups
per theme; what was not started and what was added on the way; each action with its grid, indicators, money and
dates; each commune (ctg.evaluation.final_report.communes); the funding summary; the partners' answers; the
coordinator's conclusions and recommendations. Every text is plain (no markup): the DOCX writes it through
`printable`, the PDF template escapes it.
"""

from typing import Any

from django.utils import timezone

from ctg.core.formatting import counted, format_date, format_euros
from ctg.evaluation.enums import CRITERION_QUESTIONS, SURVEY_QUESTIONS, Criterion
from ctg.evaluation.exports import snapshot_description
from ctg.evaluation.final_report.communes import communes_chapter
from ctg.evaluation.models import ConventionEvaluation, PartnerSurvey
from ctg.evaluation.rollups import LEVEL_COLUMNS, LEVEL_LABELS, ROLLUP_AMOUNTS, Rollup, evaluation_rollup
from ctg.evaluation.selectors import reference_snapshot, survey_results, what_changed
from ctg.plans.selectors import ledger_totals
from ctg.territories.enums import Level

MONEY_LABELS = {"amount_planned": "Prévu", "amount_granted": "Accordé", "amount_paid": "Versé"}
# The territories of the "what changed" table of the report: the EPCI beside its département and France.
CHANGE_LEVELS = (Level.EPCI.value, Level.DEPARTEMENT.value, Level.FRANCE.value)
LEVEL_HEADER = ["Critère", *(LEVEL_LABELS[level] for level in LEVEL_COLUMNS)]


def report_file_name(convention, fmt: str) -> str:
    return f"rapport-evaluation-convention-{convention.pk}.{fmt}"


def _money_text(group: Rollup) -> str:
    parts = []
    for field in ROLLUP_AMOUNTS:
        text = f"{MONEY_LABELS[field].lower()} {format_euros(group.money[field])}"
        if group.money_unknown[field]:
            text += f" ({counted(group.money_unknown[field], 'ligne')} sans montant)"
        parts.append(text)
    return (
        f"Financements ({counted(group.funding_lines, 'ligne')} des plans de financement) : " + ", ".join(parts) + "."
    )


def _rollup_block(group: Rollup) -> dict[str, Any]:
    """A roll-up as table rows and sentences, ready for both formats."""
    return {
        "label": group.label,
        "summary": (
            f"{counted(group.actions, 'action')} ; {counted(group.grids, 'grille remplie')}, "
            f"dont {counted(group.validated, 'validée')}."
        ),
        "level_rows": [[row["label"], *map(str, row["counts"])] for row in group.level_rows()],
        "facts": [
            "Indicateurs de suivi : "
            + " ; ".join(f"{label.lower()} {count}" for label, count in group.indicator_counts())
            + ".",
            _money_text(group),
            f"Dates : {counted(group.started_on_time, 'début')} à la date prévue ou avant, "
            f"{group.started_late} en retard ; "
            f"{counted(group.ended_on_time, 'fin')} à la date prévue ou avant, {group.ended_late} en retard ; "
            f"{counted(group.not_started, 'action non commencée', 'actions non commencées')} ; "
            f"{group.dates_unknown} sans dates prévues complètes.",
        ],
    }


def _questions(whole: Rollup, changes: list[dict], survey: dict) -> list[dict[str, Any]]:
    """Each criterion with its question, how the grids answered it over the whole plan, and its evidence."""
    trends: dict[str, int] = {}
    for row in changes:
        if row["level"] == Level.EPCI:
            trends[row["trend"]] = trends.get(row["trend"], 0) + 1
    survey_by_label = {q["label"]: q for q in survey["questions"]}
    evidence = {
        Criterion.PERTINENCE: [
            "Évolution des indicateurs du diagnostic pour l'EPCI depuis la photographie de référence : "
            + (" ; ".join(f"{label} {count}" for label, count in sorted(trends.items())) or "aucune photographie")
            + " (détail au chapitre « Ce qui a changé depuis la signature »)."
        ],
        Criterion.EFFICACITE: [
            "Indicateurs de suivi des actions : "
            + " ; ".join(f"{label.lower()} {count}" for label, count in whole.indicator_counts())
            + "."
        ],
        Criterion.EFFICIENCE: [_money_text(whole)],
        Criterion.DURABILITE: [
            f"{counted(whole.actions - whole.not_started, 'action commencée', 'actions commencées')} sur "
            f"{whole.actions} ; {counted(whole.ended_on_time + whole.ended_late, 'terminée')} avec une date de fin "
            "effective."
        ],
        Criterion.COHERENCE: [],
    }
    rows = {row["label"]: row["counts"] for row in whole.level_rows()}
    questions = []
    for criterion in Criterion:
        counts = rows[criterion.label]
        partners = survey_by_label.get(criterion.label)
        lines = list(evidence[criterion])
        if partners and survey["answered_count"]:
            lines.append(
                "Réponses des partenaires : "
                + " ; ".join(f"{label.lower()} {count}" for label, count in partners["counts"])
                + (f" ; sans réponse {partners['unanswered']}" if partners["unanswered"] else "")
                + "."
            )
        questions.append(
            {
                "label": criterion.label,
                "question": CRITERION_QUESTIONS[criterion],
                "levels": " ; ".join(
                    f"{LEVEL_LABELS[level].lower()} {count}"
                    for level, count in zip(LEVEL_COLUMNS, counts, strict=True)
                ),
                "evidence": lines,
            }
        )
    return questions


def _change_rows(snapshot, convention) -> list[dict]:
    if snapshot is None:
        return []
    data = what_changed(snapshot=snapshot, convention=convention, commune_codes=[])
    rows = []
    for item in data["indicators"]:
        for row in item["rows"]:
            if row["place"]["level"] not in CHANGE_LEVELS:
                continue
            then, now = row["then"], row["now"]
            rows.append(
                {
                    "theme": item["theme_label"],
                    "indicator": item["indicator"].label,
                    "territory": row["place"]["name"],
                    "level": row["place"]["level"],
                    "then": f"{then.display} ({then.vintage})" if then.year else "absent de la photographie",
                    "now": f"{now.display} ({now.vintage})" if now.year else "aucune valeur actuelle",
                    "change": " / ".join(t for t in (row["absolute_display"], row["relative_display"]) if t) or "—",
                    "trend": row["trend_label"],
                    "notes": " ; ".join(row["notes"]),
                    "source": now.source or then.source,
                }
            )
    return rows


def _actions(rollup: dict) -> list[dict[str, Any]]:
    indicators: dict[int, list[dict]] = {}
    for row in rollup["indicator_rows"]:
        indicators.setdefault(row["indicator"].action_id, []).append(row)
    result = []
    for action in rollup["actions"]:
        evaluation = getattr(action, "evaluation", None)
        funding = rollup["funding"].get(action.pk)
        if evaluation is None:
            state = "grille non remplie"
        elif evaluation.is_validated:
            state = f"grille validée le {format_date(timezone.localdate(evaluation.validated_at))}"
        else:
            state = "grille non validée"
        result.append(
            {
                "title": f"{action.code} – {action.title}",
                "facts": (
                    f"Statut : {action.get_status_display().lower()} ; {state}. "
                    f"Dates prévues : {format_date(action.planned_start)} – {format_date(action.planned_end)} ; "
                    f"effectives : {format_date(action.actual_start)} – {format_date(action.actual_end)}."
                ),
                "money": (
                    "Financements : "
                    + ", ".join(
                        f"{MONEY_LABELS[field].lower()} {format_euros(funding[f'{field}_sum'])}"
                        for field in ROLLUP_AMOUNTS
                    )
                    + f" ({counted(funding['lines'], 'ligne')})."
                    if funding
                    else "Aucune ligne de financement."
                ),
                "grid": [
                    [c["label"], c["level_label"] or "à évaluer", c["justification"] or "—"]
                    for c in (evaluation.criteria() if evaluation else [])
                ],
                "indicators": [
                    [
                        f"{row['indicator'].code} – {row['indicator'].label}",
                        _value(row["indicator"].baseline_value, row["indicator"].unit, row["indicator"].baseline_date),
                        _value(row["latest"].value, row["indicator"].unit, row["latest"].date)
                        if row["latest"]
                        else "—",
                        _value(row["target"].value, row["indicator"].unit, row["target"].date)
                        if row["target"]
                        else "—",
                        f"{row['rate']} %" if row["rate"] is not None else "non calculable",
                    ]
                    for row in indicators.get(action.pk, [])
                ],
            }
        )
    return result


def _value(value, unit: str, date) -> str:
    if value is None:
        return "à renseigner"
    text = f"{value.normalize():f}".replace(".", ",")
    return f"{text} {unit} ({format_date(date)})".replace("  ", " ")


def _funding(convention) -> dict[str, Any]:
    totals = ledger_totals(convention=convention)
    overall = totals["overall"]
    return {
        "overall": [
            f"{counted(overall['lines'], 'ligne')} de financement ; prévu {format_euros(overall['amount_planned'])}, "
            f"demandé {format_euros(overall['amount_requested'])}, accordé {format_euros(overall['amount_granted'])}, "
            f"versé {format_euros(overall['amount_paid'])} (montants connus ; un montant non renseigné n'est pas "
            "compté comme zéro)."
        ],
        "per_funder": [
            [
                row["funder__name"],
                *(format_euros(row.get(f)) for f in ("amount_planned", "amount_granted", "amount_paid")),
            ]
            for row in totals["per_funder"]
        ],
        "per_year": [
            [
                str(row["year"]),
                *(format_euros(row.get(f)) for f in ("amount_planned", "amount_granted", "amount_paid")),
            ]
            for row in totals["per_year"]
        ],
    }


METHOD = [
    "Ce rapport répond aux quatre questions d'évaluation de la CNAF – pertinence, efficacité, efficience, "
    "durabilité – complétées par la cohérence des actions entre elles et avec les politiques des partenaires.",
    "Chaque action est évaluée dans une grille : pour chaque critère, un niveau (atteint, partiellement atteint, non "
    "atteint, non évaluable) et sa justification, remplis par le pilote de l'action et validés par un administrateur "
    "de la convention. Les synthèses par thématique et pour l'ensemble du plan comptent les niveaux, sans moyenne ; "
    "une action rattachée à plusieurs thématiques compte dans chacune.",
    "Les éléments de preuve viennent du plan d'actions tenu dans Pilote CTG : indicateurs de suivi (valeur de "
    "référence, dernière mesure, cible, taux d'atteinte = chemin parcouru de la référence vers la cible), plans de "
    "financement (prévu, accordé, versé ; un montant non renseigné n'est jamais compté comme zéro), dates prévues et "
    "effectives, historique des fiches et décisions des instances.",
    "L'évolution du territoire compare la photographie du diagnostic prise à la signature avec les données ouvertes "
    "les plus récentes (sources et millésimes indiqués sur chaque ligne).",
]


def final_report(*, convention) -> dict[str, Any]:
    """Everything the final evaluation report prints, for `convention`."""
    rollup = evaluation_rollup(convention=convention)
    snapshot = reference_snapshot(convention=convention)
    changes = _change_rows(snapshot, convention)
    survey = survey_results(survey=PartnerSurvey.objects.filter(convention=convention).first(), convention=convention)
    conclusions = ConventionEvaluation.objects.filter(convention=convention).first()
    return {
        "convention": convention,
        "title": "Rapport d'évaluation de la convention territoriale globale",
        "subtitle": convention.title,
        "facts": [
            f"Territoire : {convention.epci.name}",
            f"Convention territoriale globale {convention.period_label}",
            *([f"Signée le {format_date(convention.signed_on)}"] if convention.signed_on else []),
            f"Document produit par Pilote CTG le {format_date(timezone.localdate())}, à partir des données saisies "
            "et importées.",
        ],
        "method": METHOD,
        "snapshot": snapshot_description(snapshot) if snapshot else "",
        "questions": _questions(rollup["whole"], changes, survey),
        "level_header": LEVEL_HEADER,
        "whole": _rollup_block(rollup["whole"]),
        "themes": [_rollup_block(group) for group in rollup["themes"]],
        "changes": changes,
        "not_started": [
            f"{a.code} – {a.title} ({a.get_status_display().lower()}, début prévu {format_date(a.planned_start)})"
            for a in rollup["not_started"]
        ],
        "added": [
            f"{row['action'].code} – {row['action'].title} "
            f"(enregistrée le {format_date(timezone.localdate(row['created']))}"
            + (
                " ; " + " ; ".join(f"{d.agenda_item.meeting} : {d.text}" for d in row["decisions"])
                if row["decisions"]
                else " ; aucune décision enregistrée"
            )
            + ")"
            for row in rollup["added"]
        ],
        "cut_off_note": rollup["cut_off"]["note"],
        "actions": _actions(rollup),
        "communes": communes_chapter(convention=convention),
        "funding": _funding(convention),
        "survey": survey,
        "survey_questions": SURVEY_QUESTIONS,
        "conclusions": conclusions.conclusions if conclusions else "",
        "recommendations": conclusions.recommendations if conclusions else "",
    }
