"""Summaries other areas contribute to a convention's public page.

A section appears once both its template and its context function exist. The function takes the convention and
returns the template's context; it must return public, aggregated content only: no personal data (names, e-mails
of members or pilots) and no internal notes.
"""

import dataclasses
from importlib import import_module

from django.template import TemplateDoesNotExist
from django.template.loader import get_template


@dataclasses.dataclass(frozen=True)
class PublicSection:
    key: str
    title: str
    template: str
    context: str  # dotted path of a function(convention) -> dict
    missing_text: str


PUBLIC_SECTIONS = [
    PublicSection(
        key="diagnostic",
        title="Synthèse du diagnostic partagé",
        template="indicators_views/includes/public_summary.html",
        context="ctg.diagnostic.selectors.public_summary",
        missing_text="La synthèse du diagnostic n'est pas encore publiée.",
    ),
    PublicSection(
        key="plan",
        title="Synthèse du plan d'actions",
        template="plans_views/includes/public_summary.html",
        context="ctg.plans.selectors.public_summary",
        missing_text="La synthèse du plan d'actions n'est pas encore publiée.",
    ),
]


def _context_function(dotted: str):
    module_name, _, name = dotted.rpartition(".")
    try:
        module = import_module(module_name)
    except ModuleNotFoundError:
        return None
    return getattr(module, name, None)


def public_sections(convention) -> list[dict]:
    """Each section with its rendered HTML, or None when that area does not publish a summary yet."""
    sections = []
    for section in PUBLIC_SECTIONS:
        html = None
        function = _context_function(section.context)
        if function is not None:
            try:
                template = get_template(section.template)
            except TemplateDoesNotExist:
                template = None
            if template is not None:
                html = template.render({"convention": convention, **function(convention)})
        sections.append({"key": section.key, "title": section.title, "html": html, "missing": section.missing_text})
    return sections
