"""Identifiers printed into HTML attributes, links and form values must never carry a thousands separator: with
French localisation {{ action.pk }} prints "2 549" once a table passes a thousand rows, which breaks element ids,
htmx targets, query strings and option values. {% url %} is safe; a bare {{ x.pk }} needs |unlocalize. Years are
identifiers too: "millésime 2 021" reads wrong, so a bare {{ x.year }} or {{ x.vintage }} needs |unlocalize."""

import re
from pathlib import Path

from django.template import Context, Template
from django.test import override_settings

TEMPLATES = Path(__file__).resolve().parents[2] / "ctg" / "templates"
BARE_IDENTIFIER = re.compile(r"\{\{ *[a-z_.]*(\.pk|_pk|year|vintage) *\}\}")


def test_no_template_prints_an_identifier_localised():
    offending = [
        f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if BARE_IDENTIFIER.search(line)
    ]
    assert not offending, "Ajoutez |unlocalize :\n" + "\n".join(offending)


@override_settings(USE_THOUSAND_SEPARATOR=True, LANGUAGE_CODE="fr")
def test_unlocalize_keeps_a_large_identifier_whole():
    rendered = Template('{% load l10n %}id="suivi-{{ pk|unlocalize }}" {{ pk }}').render(Context({"pk": 2549}))
    assert rendered.startswith('id="suivi-2549"')
    assert rendered != 'id="suivi-2549" 2549'  # the bare form would be localised: the guard above is needed
