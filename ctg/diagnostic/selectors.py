"""Reads of enjeux for pages: plain data, a bounded number of queries."""

from collections import defaultdict

from ctg.conventions.models import Convention, Theme
from ctg.diagnostic.enums import PRIORITY_ORDER, EnjeuStatus
from ctg.diagnostic.models import Enjeu


def themes_for(convention: Convention) -> list[Theme]:
    """Themes retained in the convention and its local themes, in the CAF's order."""
    retained = list(convention.themes.all())
    local = list(Theme.objects.filter(convention=convention))
    return sorted({t.pk: t for t in retained + local}.values(), key=lambda t: (t.order, t.label))


def enjeux_by_theme(*, convention: Convention) -> dict:
    """Enjeux grouped by theme (every retained theme listed, even without enjeu), highest priority first."""
    enjeux = list(Enjeu.objects.filter(convention=convention).select_related("theme"))
    grouped = defaultdict(list)
    for enjeu in enjeux:
        grouped[enjeu.theme_id].append(enjeu)
    themes = themes_for(convention)
    known = {t.pk for t in themes}
    # An enjeu may remain on a theme no longer retained: it is still shown, never hidden.
    themes += sorted({e.theme for e in enjeux if e.theme_id not in known}, key=lambda t: (t.order, t.label))
    return {
        "themes": [
            {
                "theme": theme,
                "enjeux": sorted(grouped.get(theme.pk, []), key=lambda e: (PRIORITY_ORDER[e.priority], e.title)),
            }
            for theme in themes
        ],
        "count": len(enjeux),
        "validated_count": sum(e.status == EnjeuStatus.VALIDE for e in enjeux),
    }


def enjeu_history(enjeu: Enjeu) -> list[dict]:
    """Each recorded version with who, when, and which fields changed from the previous one."""
    records = list(enjeu.history.select_related("history_user").order_by("history_date", "history_id"))
    labels = {f.name: f.verbose_name for f in Enjeu._meta.fields}
    order = {name: index for index, name in enumerate(labels)}
    rows = []
    previous = None
    for record in records:
        changes: list[str] = []
        if previous is not None:
            delta = record.diff_against(previous, excluded_fields=["version", "updated_at", "validated_by"])
            fields = sorted((change.field for change in delta.changes), key=lambda name: order.get(name, len(order)))
            changes = [str(labels.get(name, name)) for name in fields]
        rows.append(
            {
                "date": record.history_date,
                "user": record.history_user,
                "kind": {"+": "Création", "~": "Modification", "-": "Suppression"}[record.history_type],
                "status": record.get_status_display(),
                "validated_on": record.validated_on,
                "changes": changes,
            }
        )
        previous = record
    rows.reverse()
    return rows


# Key figures of the public summary: the EPCI's profile in a few published, sourced figures.
PUBLIC_KEY_INDICATORS = [
    "population",
    "population_change",
    "share_0_14",
    "births_per_year",
    "single_parent_share",
    "unemployment_15_64",
    "median_income_2019",
    "rpe_communes_share",
]


def public_summary(convention: Convention) -> dict:
    """What the public page shows of the diagnostic: the enjeux validated by the COPIL, by theme, and key figures
    of the EPCI with their source and vintage. No person (author, validator) and no proposed enjeu. Three queries.
    """
    from ctg.indicators import catalogue
    from ctg.indicators.selectors import comparison
    from ctg.territories.enums import Level

    enjeux = list(
        Enjeu.objects.filter(convention=convention)
        .validated()
        .select_related("theme")
        .only("title", "text", "priority", "validated_on", "theme__label", "theme__order")
    )
    grouped = defaultdict(list)
    for enjeu in enjeux:
        grouped[enjeu.theme].append(
            {
                "title": enjeu.title,
                "text": enjeu.text,
                "priority": enjeu.get_priority_display(),
                "validated_on": enjeu.validated_on,
                "order": PRIORITY_ORDER[enjeu.priority],
            }
        )
    themes = [
        {"label": theme.label, "enjeux": sorted(items, key=lambda e: (e["order"], e["title"]))}
        for theme, items in sorted(grouped.items(), key=lambda pair: (pair[0].order, pair[0].label))
    ]
    territory = {"level": Level.EPCI.value, "code": convention.epci_id, "name": convention.epci.name}
    figures = comparison(
        indicators=[catalogue.get(code) for code in PUBLIC_KEY_INDICATORS], territories=[territory], communes=[]
    )["indicators"]
    return {
        "enjeu_themes": themes,
        "enjeu_count": len(enjeux),
        "territory": territory,
        "key_figures": [
            {
                "code": figure["code"],
                "label": figure["label"],
                "unit": figure["unit"],
                "cell": figure["territory_cells"][0],
                "source": figure["source"],
                "period": figure["period"],
                "available": figure["available"],
                "is_estimate": figure["is_estimate"],
                "method": figure["method"],
            }
            for figure in figures
        ],
    }
