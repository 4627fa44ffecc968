"""Summaries other areas contribute to a convention's public page.

Each section names its template and its context function; the function takes the convention and returns the
template's context. It must return public, aggregated content only: no personal data (names, e-mails of members
or pilots) and no internal notes. A section is declared here only once both exist: a typo fails loudly.
"""

import dataclasses
from collections.abc import Callable

from django.template.loader import render_to_string

from ctg.diagnostic.selectors import public_summary as diagnostic_public_summary
from ctg.plans.selectors import public_summary as plan_public_summary


@dataclasses.dataclass(frozen=True)
class PublicSection:
    key: str
    title: str
    template: str
    context: Callable[..., dict]


PUBLIC_SECTIONS = [
    PublicSection(
        key="diagnostic",
        title="Synthèse du diagnostic partagé",
        template="indicators_views/includes/public_summary.html",
        context=diagnostic_public_summary,
    ),
    PublicSection(
        key="plan",
        title="Synthèse du plan d'actions",
        template="plans_views/includes/public_summary.html",
        context=plan_public_summary,
    ),
]


def public_sections(convention) -> list[dict]:
    """Each section with its rendered HTML."""
    return [
        {
            "key": section.key,
            "title": section.title,
            "html": render_to_string(section.template, {"convention": convention, **section.context(convention)}),
        }
        for section in PUBLIC_SECTIONS
    ]
