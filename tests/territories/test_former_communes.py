"""The referential's history (FormerCommune), imported from the real découpage administratif 6.0.0."""

import gzip
import json

import pytest

from ctg.territories.enums import CommuneChangeKind
from ctg.territories.importers import REFERENTIAL_DIR, import_referential, parse_referential
from ctg.territories.models import FormerCommune

DEPARTEMENTS = {"14", "93"}


@pytest.fixture
def referential_14_93(tmp_path):
    """The real files, restricted to the Calvados and Seine-Saint-Denis (and EPCI wholly inside them)."""
    for name in ("regions.json", "departements.json"):
        (tmp_path / name).write_bytes((REFERENTIAL_DIR / name).read_bytes())
    with gzip.open(REFERENTIAL_DIR / "communes.json.gz") as handle:
        communes = [c for c in json.load(handle) if c.get("departement") in DEPARTEMENTS]
    codes = {c["code"] for c in communes}
    with gzip.open(REFERENTIAL_DIR / "epci.json.gz") as handle:
        epcis = [e for e in json.load(handle) if all(m["code"] in codes for m in e["membres"])]
    with gzip.open(tmp_path / "communes.json.gz", "wt", encoding="utf-8") as handle:
        json.dump(communes, handle)
    with gzip.open(tmp_path / "epci.json.gz", "wt", encoding="utf-8") as handle:
        json.dump(epcis, handle)
    return tmp_path


def former(current: str) -> dict[str, tuple[str, str]]:
    return {f.code: (f.name, f.kind) for f in FormerCommune.objects.filter(commune_id=current)}


@pytest.mark.django_db
def test_saint_denis_absorbed_pierrefitte_and_saint_martin_de_may(referential_14_93):
    result = import_referential(referential_14_93)
    assert result["former_communes"].created == FormerCommune.objects.count() > 0
    # Saint-Denis (93066): anciensCodes 75059, 75066 (the former Seine département) and 93059, plus its own code as
    # a delegated commune; Pierrefitte-sur-Seine is a delegated commune whose chefLieu is 93066.
    assert former("93066") == {
        "75059": ("", CommuneChangeKind.MERGED),
        "75066": ("", CommuneChangeKind.MERGED),
        "93059": ("Pierrefitte-sur-Seine", CommuneChangeKind.MERGED),
        "93066": ("Saint-Denis", CommuneChangeKind.MERGED),
    }
    # Saint-Martin-de-May (14408) is May-sur-Orne (14408, same code) and Saint-Martin-de-Fontenay (14623).
    assert former("14408") == {
        "14408": ("May-sur-Orne", CommuneChangeKind.MERGED),
        "14623": ("Saint-Martin-de-Fontenay", CommuneChangeKind.MERGED),
    }
    assert FormerCommune.objects.get(code="93059").label == "Pierrefitte-sur-Seine (93059)"
    # The file gives no date of effect.
    assert not FormerCommune.objects.filter(effective__isnull=False).exists()


@pytest.mark.django_db
def test_history_import_is_idempotent(referential_14_93):
    import_referential(referential_14_93)
    before = list(FormerCommune.objects.order_by("code", "commune").values_list("code", "commune", "name", "kind"))
    again = import_referential(referential_14_93)["former_communes"]
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(before))
    after = list(FormerCommune.objects.order_by("code", "commune").values_list("code", "commune", "name", "kind"))
    assert after == before


@pytest.mark.django_db
def test_a_link_the_file_no_longer_has_is_removed(referential_14_93):
    import_referential(referential_14_93)
    with gzip.open(referential_14_93 / "communes.json.gz") as handle:
        communes = json.load(handle)
    for entry in communes:
        if entry["code"] == "14408" and entry["type"] == "commune-actuelle":
            entry["anciensCodes"] = []
    communes = [c for c in communes if not (c["code"] == "14623" and c["type"] == "commune-deleguee")]
    with gzip.open(referential_14_93 / "communes.json.gz", "wt", encoding="utf-8") as handle:
        json.dump(communes, handle)
    counts = import_referential(referential_14_93)["former_communes"]
    assert counts.updated == 1
    assert set(former("14408")) == {"14408"}


def test_a_former_code_under_two_current_communes_is_a_split(referential_14_93):
    # No split in the 2026 referential: one is built by listing 14623 under a second current commune too.
    with gzip.open(referential_14_93 / "communes.json.gz") as handle:
        communes = json.load(handle)
    for entry in communes:
        if entry["code"] == "14001" and entry["type"] == "commune-actuelle":
            entry["anciensCodes"] = ["14623"]
    with gzip.open(referential_14_93 / "communes.json.gz", "wt", encoding="utf-8") as handle:
        json.dump(communes, handle)
    parsed = parse_referential(referential_14_93).former_communes
    assert parsed[("14623", "14408")]["kind"] == parsed[("14623", "14001")]["kind"] == CommuneChangeKind.SPLIT
    assert parsed[("93059", "93066")]["kind"] == CommuneChangeKind.MERGED
