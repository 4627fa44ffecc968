"""What the COPIL pack of a meeting and the annual review of a convention say, as a `PackDocument`.

The meeting pack: the agenda, what changed since the previous meeting of the same body (ctg.steering.pack.changes),
progress per theme, late and blocked actions, funding, follow-up indicators with their trajectory, the decisions to
take (the agenda items with the current state of what they concern), and the previous meeting's decisions and tasks
with their follow-up. The annual review: the same sources over one calendar year, for the CAF and the council.

Every figure comes from the dashboard selectors (ctg.steering.dashboard) or the ledger totals (ctg.plans.selectors),
never computed again here, and every section says its source and the date it was read.
"""

import datetime
from collections import defaultdict
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from ctg.conventions.models import Convention
from ctg.core.formatting import format_date, format_datetime, format_euros, format_long_date, format_number
from ctg.plans import models as plan
from ctg.plans.enums import ActionStatus
from ctg.plans.selectors import ledger_totals
from ctg.steering.dashboard import dashboard
from ctg.steering.enums import OutcomeKind
from ctg.steering.models import AgendaItem, Meeting, Outcome
from ctg.steering.pack.changes import ChangeKind, PlanChange, changes_by_kind, plan_changes
from ctg.steering.pack.document import PackDocument, Section, Table, text

PLAN_SOURCE = "Source : plan d'actions de la convention dans Pilote CTG, état au {at}."
HISTORY_SOURCE = (
    "Source : historique des modifications du plan d'actions dans Pilote CTG (date de chaque enregistrement)."
)
LEDGER_SOURCE = (
    "Source : registre des financements du plan, état au {at}. Une somme ne couvre que les montants renseignés ; "
    "un montant inconnu n'est jamais compté comme zéro."
)
AMOUNT_HEADER = ["Lignes", "Prévu", "Demandé", "Accordé", "Versé"]
STATUS_LABELS = dict(ActionStatus.choices)


def _euros(value) -> str:
    return format_euros(value, cents="always", missing="non renseigné")


def _amount_cells(row: dict[str, Any]) -> list[str]:
    return [
        str(row.get("lines", 0)),
        *(_euros(row.get(f)) for f in ("amount_planned", "amount_requested", "amount_granted", "amount_paid")),
    ]


def previous_meeting(meeting: Meeting) -> Meeting | None:
    """The meeting of the same body held just before this one."""
    return (
        Meeting.objects.filter(body_id=meeting.body_id, starts_at__lt=meeting.starts_at)
        .order_by("-starts_at", "-pk")
        .first()
    )


# Sections shared by both documents


def _changes_section(title: str, changes: list[PlanChange], window: str) -> Section:
    section = Section(title, slide="Ce qui a changé")
    section.paragraph(window)
    counts = "; ".join(f"{kind} : {len(items)}" for kind, items in changes_by_kind(changes))
    section.paragraph(f"{len(changes)} changement{'s' if len(changes) > 1 else ''} ({counts}).")
    for kind, items in changes_by_kind(changes):
        section.table(
            Table(
                caption=kind,
                header=["Date", "Objet", "Changement"],
                rows=[[format_date(c.date), text(c.subject), text(c.detail)] for c in items],
                empty="Aucun.",
            )
        )
    section.source(HISTORY_SOURCE)
    return section


def _themes_sections(
    board: dict[str, Any], at: str, theme_attention: dict[int, list[dict[str, Any]]]
) -> list[Section]:
    """The progress per theme, then one sub-section per theme with its actions in difficulty (the deck gives each
    theme its slide)."""
    section = Section("Avancement par thématique", slide="Avancement par thématique")
    section.paragraph(
        f"{board['count']} action{'s' if board['count'] > 1 else ''} ; {board['late_count']} en retard, "
        f"{board['blocked_count']} bloquée{'s' if board['blocked_count'] > 1 else ''}."
    )
    rows = []
    for row in board["themes"]:
        stats = row["stats"]
        statuses = " ; ".join(f"{label} : {n}" for _, label, n in stats.status_list)
        rows.append([text(row["theme"].label), str(stats.count), statuses, str(stats.late), _progress(stats.progress)])
    section.table(
        Table(
            caption="Actions, statuts et avancement moyen par thématique",
            header=["Thématique", "Actions", "Statuts", "En retard", "Avancement moyen"],
            rows=rows,
            empty="Aucune action rattachée à une thématique.",
            figures=(1, 3, 4),
        )
    )
    section.paragraph(
        "Avancement moyen des actions dont l'avancement est connu (jalons pondérés, sinon avancement saisi) ; une "
        "action à plusieurs thématiques compte dans chacune.",
        muted=True,
    )
    section.source(PLAN_SOURCE.format(at=at))
    sections = [section]
    for row in board["themes"]:
        theme, stats = row["theme"], row["stats"]
        sub = Section(text(theme.label), level=2, slide=text(theme.label))
        sub.paragraph(
            f"{stats.count} action{'s' if stats.count > 1 else ''}, {stats.late} en retard ; avancement moyen : "
            f"{_progress(stats.progress)}."
        )
        sub.table(
            Table(
                caption="Statuts des actions",
                header=["Statut", "Actions"],
                rows=[[label, str(n)] for _, label, n in stats.status_list],
                figures=(1,),
            )
        )
        sub.table(
            Table(
                caption="Actions en retard ou bloquées",
                header=["Action", "Pilote", "Situation"],
                rows=[
                    [text(f"{r['code']} – {r['title']}"), text(r["pilot"] or "—"), _attention_label(r)]
                    for r in theme_attention.get(theme.pk, [])
                ],
                empty="Aucune action en retard ni bloquée dans cette thématique.",
            )
        )
        sections.append(sub)
    return sections


def _progress(value: int | None) -> str:
    return "non renseigné" if value is None else f"{value} %"


def _attention_label(row: dict[str, Any]) -> str:
    parts = []
    if row["late"]:
        parts.append("En retard")
    if row["status"] == ActionStatus.BLOQUEE:
        parts.append("Bloquée")
    progress = "avancement non renseigné" if row["progress"] is None else f"avancement {row['progress']} %"
    return ", ".join(parts) + f" ({progress})"


def _attention_section(board: dict[str, Any], at: str) -> Section:
    section = Section("Actions en retard ou bloquées", slide="Actions en retard ou bloquées")
    section.table(
        Table(
            caption="Actions en retard ou bloquées",
            header=["Action", "Pilote", "Statut", "Situation"],
            rows=[
                [
                    text(f"{r['code']} – {r['title']}"),
                    text(r["pilot"] or "—"),
                    STATUS_LABELS.get(r["status"], r["status"]),
                    _attention_label(r),
                ]
                for r in board["attention"]
            ],
            empty="Aucune action en retard ni bloquée.",
        )
    )
    section.source(PLAN_SOURCE.format(at=at))
    return section


def _funding_section(totals: dict[str, Any], at: str, *, title: str = "Financements") -> Section:
    section = Section(title, slide=title)
    if not totals or not totals.get("overall", {}).get("lines"):
        section.paragraph("Aucune ligne de financement.", muted=True)
        section.source(LEDGER_SOURCE.format(at=at))
        return section
    section.table(
        Table(
            caption="Par financeur",
            header=["Financeur", *AMOUNT_HEADER],
            rows=[[text(r["funder__name"]), *_amount_cells(r)] for r in totals["per_funder"]]
            + [["Total", *_amount_cells(totals["overall"])]],
            figures=(1, 2, 3, 4, 5),
        )
    )
    if len(totals["per_year"]) > 1:
        section.table(
            Table(
                caption="Par année",
                header=["Année", *AMOUNT_HEADER],
                rows=[[str(r["year"]), *_amount_cells(r)] for r in totals["per_year"]],
                figures=(1, 2, 3, 4, 5),
            )
        )
    section.source(LEDGER_SOURCE.format(at=at))
    return section


def _measure_text(indicator) -> str:
    latest = indicator.latest
    if latest is None:
        return "aucune mesure"
    unit = f" {indicator.unit}" if indicator.unit else ""
    return f"{format_number(latest.value.normalize())}{unit} au {format_date(latest.date)}"


def _indicators_section(indicators: list, at: str) -> Section:
    section = Section("Indicateurs de suivi", slide="Indicateurs de suivi")
    rows = []
    for indicator in indicators:
        latest = indicator.latest
        rows.append(
            [
                text(f"{indicator.code} – {indicator.label}"),
                _measure_text(indicator),
                text(latest.source) if latest is not None else "—",
                indicator.trajectory.label,
            ]
        )
    section.table(
        Table(
            caption="Indicateurs de suivi et leur trajectoire",
            header=["Indicateur", "Dernière mesure", "Source de la mesure", "Trajectoire"],
            rows=rows,
            empty="Aucun indicateur de suivi.",
        )
    )
    section.paragraph(
        "Trajectoire : la dernière mesure comparée à la cible, en proportion du temps écoulé depuis la ligne de base.",
        muted=True,
    )
    section.source(PLAN_SOURCE.format(at=at))
    return section


def _follow_up_text(outcome: Outcome, today: datetime.date) -> str:
    """Where a task stands, or what a decision concerns today."""
    if outcome.kind == OutcomeKind.TASK:
        follow_up = getattr(outcome, "follow_up", None)
        if follow_up is None:
            return "Sans suivi"
        who = follow_up.assignee_label
        if follow_up.done_on is not None:
            return f"Faite le {format_date(follow_up.done_on)} ({who})"
        due = follow_up.due_date
        if due is None:
            return f"En cours, sans échéance ({who})"
        if due < today:
            return f"En retard : échéance du {format_date(due)} dépassée ({who})"
        return f"En cours, échéance le {format_date(due)} ({who})"
    if outcome.action is not None:
        return f"Action {outcome.action.code} : statut actuel « {STATUS_LABELS.get(outcome.action.status)} »"
    if outcome.funding_line is not None:
        return f"Ligne {outcome.funding_line} : accordé {_euros(outcome.funding_line.amount_granted)}"
    if outcome.indicator is not None:
        return f"Indicateur {outcome.indicator.code}"
    return outcome.get_subject_display()


def _outcomes_of(meetings: list[Meeting]) -> list[Outcome]:
    return list(
        Outcome.objects.filter(agenda_item__meeting__in=meetings, kind__in=[OutcomeKind.DECISION, OutcomeKind.TASK])
        .select_related(
            "agenda_item__meeting__body",
            "action",
            "funding_line__action",
            "funding_line__funder",
            "indicator",
            "follow_up__assignee",
        )
        .order_by("agenda_item__meeting__starts_at", "agenda_item__order", "agenda_item__pk", "pk")
    )


def _outcomes_table(outcomes: list[Outcome], today: datetime.date, *, caption: str, with_meeting: bool) -> Table:
    header = ["Réunion"] if with_meeting else []
    header += ["Point", "Nature", "Énoncé", "Suivi"]
    rows = []
    for outcome in outcomes:
        row = [text(str(outcome.agenda_item.meeting))] if with_meeting else []
        row += [
            text(outcome.agenda_item.title),
            outcome.get_kind_display(),
            text(outcome.text),
            text(_follow_up_text(outcome, today)),
        ]
        rows.append(row)
    return Table(caption=caption, header=header, rows=rows, empty="Aucune décision ni tâche.")


def _theme_attention(convention: Convention, rows: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """The dashboard's late or blocked actions under each theme, placed as the plan tree places them: under the
    themes of their objectives, else under their own themes (two queries)."""
    by_pk = {r["pk"]: r for r in rows}
    through_objectives: defaultdict[int, set[int]] = defaultdict(set)
    for action_id, theme_id in plan.Action.objectives.through.objects.filter(action_id__in=list(by_pk)).values_list(
        "action_id", "objective__theme_id"
    ):
        through_objectives[action_id].add(theme_id)
    own: defaultdict[int, set[int]] = defaultdict(set)
    for action_id, theme_id in plan.Action.themes.through.objects.filter(action_id__in=list(by_pk)).values_list(
        "action_id", "theme_id"
    ):
        own[action_id].add(theme_id)
    grouped: defaultdict[int, list[dict[str, Any]]] = defaultdict(list)
    for pk, row in by_pk.items():
        for theme_id in sorted(through_objectives.get(pk) or own.get(pk, set())):
            grouped[theme_id].append(row)
    return grouped


# The meeting pack


def _linked_state(item: AgendaItem, board: dict[str, Any], indicators: dict[int, Any]) -> str:
    if item.action is not None:
        action = item.action
        late = any(r["pk"] == action.pk and r["late"] for r in board["attention"])
        state = f"Action {action.code} : {STATUS_LABELS.get(action.status, action.status)}"
        return state + (" (en retard)" if late else "")
    if item.funding_line is not None:
        line = item.funding_line
        return (
            f"Ligne {line} : prévu {_euros(line.amount_planned)}, demandé {_euros(line.amount_requested)}, "
            f"accordé {_euros(line.amount_granted)}"
        )
    if item.indicator is not None:
        indicator = indicators.get(item.indicator.pk)
        trajectory = indicator.trajectory.label if indicator is not None else "—"
        return f"Indicateur {item.indicator.code} : {trajectory}"
    if item.enjeu is not None:
        return f"Enjeu « {item.enjeu.title} » : {item.enjeu.get_status_display()}"
    return "—"


def meeting_pack(*, meeting: Meeting, now: datetime.datetime | None = None) -> PackDocument:
    now = now or timezone.now()
    today = timezone.localdate(now)
    at = format_datetime(now)
    body = meeting.body
    convention = body.convention
    board = dashboard(convention=convention, today=today)
    items = list(
        AgendaItem.objects.filter(meeting=meeting).select_related(
            "action", "enjeu", "funding_line__action", "funding_line__funder", "indicator"
        )
    )
    previous = previous_meeting(meeting)
    end = min(now, meeting.starts_at)
    changes = plan_changes(convention_id=convention.pk, start=previous.starts_at if previous else None, end=end)
    indicators = {i.pk: i for i in board["indicators"]}

    agenda = Section("Ordre du jour", slide="Ordre du jour")
    agenda.table(
        Table(
            caption="Points de l'ordre du jour",
            header=["N°", "Point", "Durée", "Présenté par", "Concerne"],
            rows=[
                [
                    str(index),
                    text(item.title),
                    f"{item.duration_minutes} min" if item.duration_minutes else "—",
                    text(item.presenter or "—"),
                    text(str(item.linked) if item.linked else "—"),
                ]
                for index, item in enumerate(items, start=1)
            ],
            empty="L'ordre du jour est vide.",
        )
    )
    if previous is not None:
        window = (
            f"Changements enregistrés depuis la réunion précédente de l'instance ({previous}, "
            f"{format_datetime(previous.starts_at)}) jusqu'au {format_datetime(end)}."
        )
    else:
        window = f"Première réunion de l'instance : changements enregistrés jusqu'au {format_datetime(end)}."
    decisions = Section("Décisions à prendre", slide="Décisions à prendre")
    decisions.table(
        Table(
            caption="Points soumis à l'instance et état actuel de ce qu'ils concernent",
            header=["N°", "Point", "État actuel"],
            rows=[
                [str(index), text(item.title), text(_linked_state(item, board, indicators))]
                for index, item in enumerate(items, start=1)
            ],
            empty="Aucun point à l'ordre du jour.",
        )
    )
    decisions.source(PLAN_SOURCE.format(at=at))
    follow = Section("Suites de la réunion précédente", slide="Suites de la réunion précédente")
    if previous is None:
        follow.paragraph("Aucune réunion précédente de cette instance.", muted=True)
    else:
        follow.paragraph(
            f"Décisions et tâches de la réunion « {previous} », et où elles en sont au {format_date(today)}."
        )
        follow.table(
            _outcomes_table(
                _outcomes_of([previous]), today, caption="Décisions et tâches, avec leur suivi", with_meeting=False
            )
        )
    sections = [
        agenda,
        _changes_section("Ce qui a changé depuis la réunion précédente", changes, window),
        *_themes_sections(board, at, _theme_attention(convention, board["attention"])),
        _attention_section(board, at),
        _funding_section(board["totals"], at),
        _indicators_section(board["indicators"], at),
        decisions,
        follow,
    ]
    place = meeting.place or meeting.link
    return PackDocument(
        title=f"Dossier de séance – {body} du {format_long_date(meeting.local_date)}",
        subtitle=text(convention.title),
        facts=[
            f"Instance : {text(str(body))}",
            f"Date : {format_datetime(meeting.starts_at)}",
            f"Lieu : {text(place)}",
            f"Convention territoriale globale {convention.period_label} – {text(convention.epci.name)}",
        ],
        generated=f"Document produit par Pilote CTG le {at}, à partir des données du plan d'actions.",
        sections=sections,
        file_stem=f"dossier-de-seance-{meeting.local_date.isoformat()}-reunion-{meeting.pk}",
    )


# The annual review


def year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The instant just before 1 January and the last instant of 31 December, local time."""
    zone = timezone.get_current_timezone()
    first = datetime.datetime(year, 1, 1, tzinfo=zone)
    last = datetime.datetime(year, 12, 31, 23, 59, 59, 999999, tzinfo=zone)
    return first - datetime.timedelta(microseconds=1), last


def review_years(convention: Convention, today: datetime.date) -> list[int]:
    """The calendar years of the convention's period that have begun, most recent first."""
    last = min(convention.end_date.year, today.year)
    return list(range(last, convention.start_date.year - 1, -1))


def annual_review(*, convention: Convention, year: int, now: datetime.datetime | None = None) -> PackDocument:
    now = now or timezone.now()
    today = timezone.localdate(now)
    at = format_datetime(now)
    start, end = year_bounds(year)
    end = min(end, now)
    board = dashboard(convention=convention, today=today)
    changes = plan_changes(convention_id=convention.pk, start=start, end=end)
    window = f"Changements enregistrés du 1er janvier {year} au {format_datetime(end)}."
    meetings = list(
        Meeting.objects.filter(body__convention=convention, starts_at__gt=start, starts_at__lte=end)
        .select_related("body")
        .prefetch_related(Prefetch("agenda_items", queryset=AgendaItem.objects.order_by("order", "pk")))
        .order_by("starts_at", "pk")
    )
    held = Section("Réunions de l'année", slide="Réunions de l'année")
    held.table(
        Table(
            caption=f"Réunions des instances en {year}",
            header=["Réunion", "État", "Points à l'ordre du jour"],
            rows=[[text(str(m)), m.get_state_display(), str(len(m.agenda_items.all()))] for m in meetings],
            empty=f"Aucune réunion en {year}.",
            figures=(2,),
        )
    )
    outcomes = Section("Décisions et tâches de l'année", slide="Décisions de l'année")
    outcomes.table(
        _outcomes_table(
            _outcomes_of(meetings), today, caption="Décisions et tâches, avec leur suivi", with_meeting=True
        )
    )
    year_measures = [c for c in changes if c.kind == ChangeKind.MEASURE]
    indicators = _indicators_section(board["indicators"], at)
    indicators.paragraph(
        f"{len(year_measures)} mesure{'s' if len(year_measures) > 1 else ''} enregistrée"
        f"{'s' if len(year_measures) > 1 else ''} en {year} (détail dans « Ce qui a changé dans l'année »)."
    )
    sections = [
        _changes_section(f"Ce qui a changé dans l'année {year}", changes, window),
        *_themes_sections(board, at, _theme_attention(convention, board["attention"])),
        _attention_section(board, at),
        _funding_section(ledger_totals(convention=convention, year=year), at, title=f"Financements de l'année {year}"),
        indicators,
        held,
        outcomes,
    ]
    return PackDocument(
        title=f"Bilan annuel {year}",
        subtitle=text(convention.title),
        facts=[
            f"Convention territoriale globale {convention.period_label} – {text(convention.epci.name)}",
            f"Période : année civile {year}",
            "Destinataires : la CAF et le conseil communautaire.",
            "Les états d'avancement, retards et trajectoires sont ceux du jour de production du document.",
        ],
        generated=f"Document produit par Pilote CTG le {at}, à partir des données du plan d'actions.",
        sections=sections,
        file_stem=f"bilan-annuel-{year}-convention-{convention.pk}",
    )
