import copy
import hashlib
import io
import zipfile

import pytest
from django.core.files.storage import default_storage
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


def test_the_files_of_the_archive_travel_in_it_through_the_storage(full_convention):
    """Every FileField of a part is written in files/ (named by its SHA-256) and listed in the manifest."""
    convention = full_convention["convention"]
    with_files = [
        f"{part.label}.{field.name}"
        for part in PARTS
        for field in part.model._meta.concrete_fields
        if isinstance(field, models.FileField)
    ]
    assert with_files == ["conventions.conventiondocument.file"]
    document = convention.documents.get()
    with document.file.open("rb") as handle:
        pdf = handle.read()
    content = convention_export(convention=convention)
    manifest, data = read_archive(content)
    path = data["objects"]["conventions.conventiondocument"][0]["fields"]["file"]
    assert path == f"files/{hashlib.sha256(pdf).hexdigest()}.pdf"
    assert manifest["files"] == [{"path": path, "size": len(pdf), "sha256": hashlib.sha256(pdf).hexdigest()}]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.read(path) == pdf
    delete_convention(convention)

    imported = convention_import(content=content).convention

    copy_ = imported.documents.get()
    assert copy_.file.name != document.file.name and copy_.file.name.startswith(f"conventions/{imported.pk}/")
    with copy_.file.open("rb") as handle:
        assert handle.read() == pdf
    assert copy_.history.get().file == copy_.file.name


def test_a_missing_or_altered_file_is_refused_and_nothing_is_stored(archive):
    path = archive["manifest"]["files"][0]["path"]
    with zipfile.ZipFile(io.BytesIO(archive["content"])) as source:
        members = {name: source.read(name) for name in source.namelist()}
    for name, change in (("absent", None), ("altéré", b"%PDF-1.4 autre")):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as target:
            for member, data in members.items():
                if member != path:
                    target.writestr(member, data)
                elif change is not None:
                    target.writestr(member, change)
        with pytest.raises(
            ArchiveError,
            match=f"{path} " + ("est annoncé mais absent" if change is None else f"de l'archive est {name}"),
        ):
            convention_import(content=buffer.getvalue())
    # A file the manifest names but data.json does not hold: the document is refused, its file not left behind.
    data = copy.deepcopy(archive["data"])
    data["objects"]["conventions.conventiondocument"][0]["fields"]["file"] = "files/autre.pdf"
    before = database_counts()
    with pytest.raises(ArchiveError, match=r"Document de la convention n° \d+ de l'archive, champ « fichier PDF »"):
        convention_import(content=write_archive(archive["manifest"], data, files={path: members[path]}))
    assert database_counts() == before


@pytest.fixture
def archive(full_convention):
    content = convention_export(convention=full_convention["convention"])
    delete_convention(full_convention["convention"])
    manifest, data = read_archive(content)
    with zipfile.ZipFile(io.BytesIO(content)) as source:
        files = {entry["path"]: source.read(entry["path"]) for entry in manifest["files"]}
    return {"content": content, "manifest": manifest, "data": data, "files": files}


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
    _refused(write_archive(manifest, archive["data"], files=archive["files"]), "Version d'archive inconnue : 99")


def test_unknown_model(archive):
    data = copy.deepcopy(archive["data"])
    data["objects"]["plans.meeting"] = []
    _refused(write_archive(archive["manifest"], data, files=archive["files"]), "modèle inconnu .* plans.meeting")


def test_an_object_pointing_to_another_convention(archive):
    data = copy.deepcopy(archive["data"])
    data["objects"]["diagnostic.enjeu"][-1]["fields"]["convention"] = 424242
    _refused(
        write_archive(archive["manifest"], data, files=archive["files"]),
        "Enjeu n° .*, champ « convention » : rattaché à une autre",
    )


def test_a_milestone_of_a_fiche_missing_from_the_archive(archive):
    """Refused after most objects were written: the whole import is rolled back."""
    data = copy.deepcopy(archive["data"])
    data["objects"]["plans.milestone"][0]["fields"]["action"] = 424242
    stored = _stored_documents()
    _refused(
        write_archive(archive["manifest"], data, files=archive["files"]),
        "Jalon n° .*, champ « action » : désigne un objet absent",
    )
    # The signed PDF was stored before the refusal: it is removed with the rest.
    assert _stored_documents() == stored


def test_a_value_the_model_refuses(archive):
    data = copy.deepcopy(archive["data"])
    data["objects"]["plans.fundingline"][0]["fields"]["amount_paid"] = "999999"
    _refused(
        write_archive(archive["manifest"], data, files=archive["files"]),
        "Ligne de financement n° .*versé ne peut dépasser",
    )


def test_an_epci_missing_from_the_referential(archive):
    data = copy.deepcopy(archive["data"])
    data["objects"]["conventions.convention"][0]["fields"]["epci"] = "200099999"
    _refused(
        write_archive(archive["manifest"], data, files=archive["files"]),
        "champ « EPCI » : l'EPCI 200099999 n'existe pas",
    )


def test_a_commune_missing_from_the_referential(archive):
    data = copy.deepcopy(archive["data"])
    data["objects"]["offer.offeritem"][0]["fields"]["commune"] = "99999"
    _refused(write_archive(archive["manifest"], data, files=archive["files"]), "commune 99999 absente du référentiel")


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
    before, stored = database_counts(), _stored_documents()
    report = convention_import(content=archive["content"], dry_run=True)
    assert report.dry_run and report.created
    assert database_counts() == before
    assert _stored_documents() == stored


def _stored_documents() -> list[str]:
    if not default_storage.exists("conventions"):
        return []
    folders, _ = default_storage.listdir("conventions")
    return [f"{folder}/{name}" for folder in folders for name in default_storage.listdir(f"conventions/{folder}")[1]]


def test_a_field_the_model_refuses_is_named(archive):
    data = copy.deepcopy(archive["data"])
    data["objects"]["plans.action"][0]["fields"]["code"] = "pas un code"
    _refused(
        write_archive(archive["manifest"], data, files=archive["files"]),
        "Fiche action n° .* de l'archive, champ « code » : Le code",
    )
