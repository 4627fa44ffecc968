"""The plan timeline (Gantt-like) as a Vega-Lite spec: one bar per action from planned start to planned end,
one mark per milestone. Pages show it as SVG with a table alternative; the same spec gives the PNG."""

import datetime

from ctg.core.formatting import counted
from ctg.plans.enums import ActionStatus

FONT = "DejaVu Sans"
STATUS_COLOURS = {
    ActionStatus.A_VENIR.label: "#8a94a6",
    ActionStatus.EN_COURS.label: "#1f5fa8",
    ActionStatus.REALISEE.label: "#2e7d32",
    ActionStatus.EN_PAUSE.label: "#b26a00",
    ActionStatus.BLOQUEE.label: "#b3261e",
    ActionStatus.ABANDONNEE.label: "#5f5f5f",
}
ROW_HEIGHT = 22


def _label(action) -> str:
    title = action.title if len(action.title) <= 50 else action.title[:49] + "…"
    return f"{action.code} – {title}"


def timeline_spec(*, convention, actions, milestones, today: datetime.date) -> dict | None:
    """None when no action has both planned dates (nothing to draw; the table still lists them)."""
    bars = [
        {
            "action": _label(a),
            "debut": a.planned_start.isoformat(),
            "fin": a.planned_end.isoformat(),
            "statut": ActionStatus(a.status).label,
            "retard": "en retard" if a.late else "",
        }
        for a in actions
        if a.planned_start and a.planned_end
    ]
    if not bars:
        return None
    drawn = {b["action"] for b in bars}
    points = [
        {
            "action": _label(m.action),
            "date": m.due_date.isoformat(),
            "jalon": m.title,
            "etat": "réalisé" if m.done_date else "à réaliser",
        }
        for m in milestones
        if m.due_date and _label(m.action) in drawn
    ]
    order = [b["action"] for b in sorted(bars, key=lambda b: b["action"])]
    y = {"field": "action", "type": "nominal", "sort": order, "title": None, "axis": {"labelLimit": 320}}
    description = (
        f"Calendrier prévisionnel de {counted(len(bars), 'action')} de la convention {convention.title}, "
        f"avec {counted(len(points), 'jalon')} ; le tableau qui suit donne les mêmes dates."
    )
    layers = [
        {
            "data": {"values": bars},
            "mark": {"type": "bar", "height": 14},
            "encoding": {
                "y": y,
                "x": {"field": "debut", "type": "temporal", "title": None, "axis": {"format": "%m/%Y"}},
                "x2": {"field": "fin"},
                "color": {
                    "field": "statut",
                    "type": "nominal",
                    "title": "Statut",
                    "scale": {"domain": list(STATUS_COLOURS), "range": list(STATUS_COLOURS.values())},
                },
                "tooltip": [
                    {"field": "action"},
                    {"field": "statut"},
                    {"field": "debut", "type": "temporal", "format": "%d/%m/%Y", "title": "début prévu"},
                    {"field": "fin", "type": "temporal", "format": "%d/%m/%Y", "title": "fin prévue"},
                ],
            },
        },
        {
            "data": {"values": [{"date": today.isoformat()}]},
            "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#222222"},
            "encoding": {"x": {"field": "date", "type": "temporal"}},
        },
    ]
    if points:
        layers.append(
            {
                "data": {"values": points},
                "mark": {"type": "point", "shape": "diamond", "filled": True, "size": 70, "color": "#222222"},
                "encoding": {
                    "y": y,
                    "x": {"field": "date", "type": "temporal"},
                    "opacity": {
                        "field": "etat",
                        "type": "nominal",
                        "title": "Jalon",
                        "scale": {"domain": ["réalisé", "à réaliser"], "range": [1, 0.45]},
                    },
                    "tooltip": [{"field": "jalon"}, {"field": "etat"}, {"field": "date", "type": "temporal"}],
                },
            }
        )
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": "Calendrier du plan d'actions", "font": FONT, "fontSize": 15, "anchor": "start"},
        "description": description,
        "width": 640,
        "height": max(ROW_HEIGHT * len(bars), 60),
        "config": {"font": FONT, "view": {"stroke": None}},
        "layer": layers,
    }
