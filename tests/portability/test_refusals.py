import copy

import pytest
from django.db import models

from ctg.portability.parts import EXCLUDED, PARTS, uncovered_models
from ctg.portability.services import ArchiveError, convention_export, convention_import
from tests.portability.conftest import database_counts, delete_convention, read_archive, write_archive

pytestmark = pytest.mark.django_db


def test_every_model_of_a_convention_is_in_the_archive_or_excluded_with_its_reason():
    assert uncovered_models() == [], (
        "Ces modèles appartiennent à une convention : ajoutez-les à PARTS (ctg/portability/parts.py) ou à EXCLUDED "
        "avec la raison."
    )
    assert set(EXCLUDED).isdisjoint(part.label for part in PARTS)


def test_no_model_of_the_archive_holds_a_file():
    """The archive has no place for files yet: a FileField on one of its models needs it first."""
    with_files = [
        f"{part.label}.{field.name}"
        for part in PARTS
        for field in part.model._meta.concrete_fields
        if isinstance(field, models.FileField)
    ]
    assert with_files == []


@pytest.fixture
def archive(full_convention):
    content = convention_export(convention=full_convention["convention"])
    delete_convention(full_convention["convention"])
    manifest, data = read_archive(content)
    return {"content": content, "manifest": manifest, "data": data}


def _refused(content: bytes, message: str, **kwargs) -> None:
    before = database_counts()
    with pytest.raises(ArchiveError, match=message):
        convention_import(content=content, **kwargs)
    assert database_counts() == before


def test_not_a_zip():
    _refused(b"PK nothing", "n'est pas une archive zip")


def test_bad_json(archive):
    _refused(write_archive(archive["manifest"], None, raw_data=b'{"objects": [1, 2'), "data.json n'est pas un JSON")


def test_unknown_version(archive):
    manifest = {**archive["manifest"], "version": 99}
    _refused(write_archive(manifest, archive["data"]), "Version d'archive inconnue : 99")


def test_unknown_model(archive):
    data = copy.deepcopy(archive["data"])
    data["objects"]["plans.meeting"] = []
    _refused(write_archive(archive["manifest"], data), "modèle inconnu .* plans.meeting")


def test_an_object_pointing_to_another_convention(archive):
    data = copy.deepcopy(archive["data"])
    data["objects"]["diagnostic.enjeu"][-1]["fields"]["convention"] = 424242
    _refused(write_archive(archive["manifest"], data), "Enjeu n° .*, champ « convention » : rattaché à une autre")


def test_a_milestone_of_a_fiche_missing_from_the_archive(archive):
    """Refused after most objects were written: the whole import is rolled back."""
    data = copy.deepcopy(archive["data"])
    data["objects"]["plans.milestone"][0]["fields"]["action"] = 424242
    _refused(write_archive(archive["manifest"], data), "Jalon n° .*, champ « action » : désigne un objet absent")


def test_a_value_the_model_refuses(archive):
    data = copy.deepcopy(archive["data"])
    data["objects"]["plans.fundingline"][0]["fields"]["amount_paid"] = "999999"
    _refused(write_archive(archive["manifest"], data), "Ligne de financement n° .*versé ne peut dépasser")


def test_an_epci_missing_from_the_referential(archive):
    data = copy.deepcopy(archive["data"])
    data["objects"]["conventions.convention"][0]["fields"]["epci"] = "200099999"
    _refused(write_archive(archive["manifest"], data), "champ « EPCI » : l'EPCI 200099999 n'existe pas")


def test_a_commune_missing_from_the_referential(archive):
    data = copy.deepcopy(archive["data"])
    data["objects"]["offer.offeritem"][0]["fields"]["commune"] = "99999"
    _refused(write_archive(archive["manifest"], data), "commune 99999 absente du référentiel")


def test_a_convention_already_here_is_refused_unless_imported_as_new(full_convention):
    convention = full_convention["convention"]
    content = convention_export(convention=convention)
    _refused(content, "existe déjà sur cette instance .* --as-new")

    report = convention_import(content=content, as_new=True)

    assert report.convention.pk != convention.pk
    assert report.convention.title == convention.title
    assert report.convention.actions.count() == convention.actions.count()
    assert report.users_created == []


def test_a_dry_run_writes_nothing(archive):
    before = database_counts()
    report = convention_import(content=archive["content"], dry_run=True)
    assert report.dry_run and report.created
    assert database_counts() == before


def test_a_field_the_model_refuses_is_named(archive):
    data = copy.deepcopy(archive["data"])
    data["objects"]["plans.action"][0]["fields"]["code"] = "pas un code"
    _refused(write_archive(archive["manifest"], data), "Fiche action n° .* de l'archive, champ « code » : Le code")
