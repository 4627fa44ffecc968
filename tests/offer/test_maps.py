import json

import pytest

from ctg.offer.maps import relais_coverage_map_spec
from ctg.offer.selectors import relais_coverage
from ctg.territories.models import Commune
from tests.offer.factories import OfferItemFactory

pytestmark = pytest.mark.django_db


def test_coverage_map_download_strips_control_characters_of_stored_sources(caux_seine):
    convention = caux_seine["convention"]
    # Stored before the rule refusing control characters (PostgreSQL stores every one but NUL): the download
    # must still be clean.
    OfferItemFactory(
        convention=convention,
        relais=True,
        commune_id="76114",
        source="Saisie\x01 de la\x1b commune",
        covered_communes=[Commune.objects.get(pk="76114")],
    )
    spec = relais_coverage_map_spec(convention=convention, coverage=relais_coverage(convention=convention))
    text = json.dumps(spec, ensure_ascii=False)
    assert "Saisie de la commune" in text
    assert "\\u0001" not in text and "\\u001b" not in text
