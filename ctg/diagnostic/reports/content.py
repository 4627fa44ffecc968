"""What the diagnostic report prints, gathered once for the DOCX and the PDF from the selectors of the pages.

Figures come from ctg.indicators.selectors.comparison (the same cells as the diagnostic pages: display text,
status, note, source and vintage), enjeux from ctg.diagnostic.selectors, the offer of young children from
ctg.offer.selectors. Maps are the pages' Vega-Lite specs (ctg.indicators.maps) rendered to PNG: one per theme,
for its headline indicator (the first of the theme whose map is drawn: values for at least half of the communes),
to keep generation within seconds; the caption is the page's (classes, EPCI value, why communes have no value).
"""

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from django.utils import timezone

from ctg.charts.render import render_png
from ctg.core.formatting import format_long_date
from ctg.diagnostic.selectors import enjeux_by_theme
from ctg.indicators import catalogue
from ctg.indicators.formatting import format_number
from ctg.indicators.maps import BOUNDARY_SOURCE, indicator_map
from ctg.indicators.selectors import column_notes, comparison, epci_territories
from ctg.offer.selectors import childcare_capacity, relais_coverage
from ctg.territories.models import Commune

MAP_SCALE = 1.5
METHOD_TEXT = [
    "Les chiffres proviennent des données publiques importées dans Pilote CTG (INSEE : recensement de la "
    "population, état civil, Filosofi ; Cnaf : données CAF à l'IRIS) et du registre de l'offre de services "
    "tenu par les partenaires de la convention. Chaque tableau donne la source et le millésime de chaque "
    "indicateur.",
    "Un ratio d'un territoire (EPCI, département, région, France) est le rapport des sommes de ses communes, "
    "jamais une moyenne de taux. Les statistiques non additives (revenu médian, taux de pauvreté) ne figurent "
    "qu'aux niveaux où le producteur les publie.",
    "Les valeurs couvertes par le secret statistique sont notées « secret statistique », les valeurs absentes "
    "« non disponible » : elles ne sont jamais remplacées par zéro. Un agrégat dont des communes manquent n'est pas "
    "donné (« non disponible ») : une note sous le titre du tableau dit, une fois pour le tableau, quelles colonnes "
    "sont incomplètes et quel fichier importer pour les calculer.",
    "La population municipale du recensement, que le référentiel des communes donne pour chaque commune, est "
    "calculée à chaque niveau (EPCI, département, région, France) quand les fichiers importés ne la donnent pas, "
    "si toutes les communes du territoire l'ont.",
    "Les estimations sont signalées comme telles et nomment leur méthode.",
    "Une statistique publiée absente d'un niveau est notée « non publié à ce niveau » quand le producteur ne la "
    "publie pas à ce niveau ; quand le fichier de ce niveau n'a pas été importé, elle est « non disponible » et la "
    "note du tableau nomme le fichier du producteur.",
    f"Un taux dont le dénominateur compte moins de {catalogue.SMALL_NUMBER_THRESHOLD} personnes (ou ménages, "
    "familles, allocataires) porte la note « effectif faible » : une personne de plus ou de moins le déplace de "
    "plus de 3 points. Les valeurs sont arrondies au plus proche, une demie vers le haut (2 584,5 donne 2 585).",
    "Chaque indicateur est donné pour son dernier millésime ; l'annexe « Évolution des indicateurs » donne tous "
    "les millésimes importés.",
]


@dataclasses.dataclass
class ReportMap:
    indicator: dict
    png: bytes
    title: str
    caption: str


def _theme_map(
    *, convention, indicators: list[dict], communes: Sequence[Mapping[str, Any]], territories: list[dict]
) -> ReportMap | None:
    for headline in (i for i in indicators if i["available"] and i["has_commune_values"]):
        data = {
            "indicator": headline,
            "territories": territories,
            "communes": [{**c, "cell": headline["commune_cells"][c["code"]]} for c in communes],
        }
        summary, spec = indicator_map(epci=convention.epci, data=data)
        if spec is not None:
            break
    else:
        return None
    return ReportMap(
        indicator=headline,
        png=render_png(spec, scale=MAP_SCALE),
        title=f"{headline['label']} par commune ({headline['period']})",
        caption=(
            f"Carte : {headline['label']} par commune, {headline['period']}. Source : {headline['source']} ; "
            f"{BOUNDARY_SOURCE}. {summary.caption}"
        ),
    )


def _offer_rows(childcare: dict, relais: dict) -> list[dict]:
    """EPCI-level published figures of the offer for young children, each with its year and source."""
    totals = list(childcare["epci_totals"].values())
    if relais["published_relais"]:
        totals.append({**relais["published_relais"], "label": "Relais petite enfance"})
    return [
        {"label": t["label"], "display": format_number(t["value"], 0), "year": t["year"], "source": t["source"]}
        for t in totals
    ]


def diagnostic_report(*, convention, with_maps: bool = True) -> dict:
    """Everything the diagnostic report prints, in a bounded number of queries whatever the number of communes."""
    territories = epci_territories(convention.epci)
    communes = list(
        Commune.objects.filter(epci_id=convention.epci_id)
        .order_by("name")
        .values("code", "name", "geometry", "population", "population_year")
    )
    engaged = set(convention.communes.values_list("code", flat=True))
    data = comparison(indicators=catalogue.CATALOGUE, territories=territories, communes=communes, table_notes=True)
    themes = []
    for code, label in catalogue.THEMES:
        indicators = [i for i in data["indicators"] if i["theme"] == code]
        annex = [i for i in indicators if i["has_commune_values"]]
        themes.append(
            {
                "code": code,
                "label": label,
                "indicators": indicators,
                # Why whole columns have no figure, and which file to import: once under the table's caption.
                "table_notes": column_notes([i["territory_cells"] for i in indicators], territories),
                "map": _theme_map(
                    convention=convention, indicators=indicators, communes=communes, territories=territories
                )
                if with_maps
                else None,
                "annex_indicators": annex,
                # The period is added to a column header unless the label already names it.
                "annex_headers": [
                    i["label"] if i["period"] in i["label"] else f"{i['label']} ({i['period']})" for i in annex
                ],
                "annex_rows": [
                    {
                        "code": c["code"],
                        "name": c["name"],
                        "engaged": c["code"] in engaged,
                        "cells": [i["commune_cells"][c["code"]] for i in annex],
                    }
                    for c in communes
                ],
            }
        )
    sources = sorted({i["source"] for i in data["indicators"] if i["available"]})
    childcare = childcare_capacity(convention=convention)
    relais = relais_coverage(convention=convention)
    now = timezone.localtime()
    return {
        "convention": convention,
        "title": f"Diagnostic territorial : {convention.epci.name}",
        "subtitle": convention.title,
        "generated_at": now,
        "generated_on": format_long_date(now.date()),
        "signed_on": format_long_date(convention.signed_on) if convention.signed_on else "",
        "territories": territories,
        "themes": themes,
        "maps": [t["map"] for t in themes if t["map"]],
        "communes": [{"code": c["code"], "name": c["name"], "engaged": c["code"] in engaged} for c in communes],
        "commune_count": len(communes),
        "engaged_count": len(engaged),
        "sources": sources,
        "method": METHOD_TEXT,
        # Every vintage of the indicators that have several, for the annex (the EPCI and its comparisons).
        "history": [i for i in data["indicators"] if i["history"]],
        "enjeux": enjeux_by_theme(convention=convention),
        "childcare": childcare,
        "relais": relais,
        "offer_rows": _offer_rows(childcare, relais),
        "registry_places": format_number(childcare["registry"]["places"], 0)
        if childcare["registry"]["places"] is not None
        else None,
    }


def export_file_name(convention, extension: str) -> str:
    return f"diagnostic-convention-{convention.pk}.{extension}"
