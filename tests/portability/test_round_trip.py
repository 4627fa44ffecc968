import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from ctg.accounts.models import Membership
from ctg.conventions.models import Convention
from ctg.plans.models import Action, Milestone
from ctg.portability.services import convention_export, convention_import
from tests.portability.conftest import canonical, convention_pages, delete_convention

pytestmark = pytest.mark.django_db

User = get_user_model()


def test_round_trip_into_an_instance_without_the_convention_nor_its_people(client, full_convention):
    convention = full_convention["convention"]
    admin = User.objects.create_superuser("admin-portabilite", "admin@portabilite.invalid", "x")
    client.force_login(admin)
    before = convention_pages(client, convention)
    content = convention_export(convention=convention)
    members = {m.user.email for m in Membership.objects.filter(convention=convention).select_related("user")}
    referenced = set(User.objects.filter(pk__in=[u.pk for u in full_convention["users"].values()]))

    delete_convention(convention)
    for user in referenced:
        user.delete()
    assert not User.objects.filter(email__in=members).exists()

    report = convention_import(content=content)

    imported = report.convention
    assert imported.pk != convention.pk
    assert members <= set(report.users_created)
    for user in User.objects.filter(email__in=members):
        assert not user.is_active
        assert not user.has_usable_password()
    assert any("inactif" in note for note in report.notes)
    assert report.history_records > 0
    after = convention_pages(client, imported)
    assert after.keys() == before.keys()
    for name in before:
        assert after[name] == before[name], name
    # Same figures and same history, whatever the identifiers.
    assert canonical(convention_export(convention=imported)) == canonical(content)


def test_people_already_there_are_found_by_email_and_keep_their_access(client, full_convention):
    convention = full_convention["convention"]
    coordination = full_convention["users"]["coordination"]
    client.force_login(coordination)
    before = convention_pages(client, convention)
    content = convention_export(convention=convention)
    delete_convention(convention)

    report = convention_import(content=content)

    assert report.users_created == []
    assert coordination.email in report.users_matched
    assert Membership.objects.filter(convention=report.convention, user=coordination, role="administrateur").exists()
    assert convention_pages(client, report.convention) == before
    # A deleted milestone's history came along, under an identifier that no new milestone can take.
    deleted = Milestone.history.filter(action__convention=report.convention, history_type="-")
    assert deleted.count() == 1
    new = Milestone.objects.create(action=Action.objects.get(convention=report.convention, code="DIAG-01"), title="x")
    assert new.pk > deleted.get().id


def test_the_archive_holds_no_password_and_names_people_by_email(full_convention):
    content = convention_export(convention=full_convention["convention"])
    assert b"argon2" not in content and b"pbkdf2" not in content
    from tests.portability.conftest import read_archive

    manifest, data = read_archive(content)
    assert (
        manifest["counts"]["plans.action"]
        == Action.all_objects.filter(convention=full_convention["convention"]).count()
    )
    # Governance, evaluation, documents and the trash travel too.
    counts = manifest["counts"]
    assert counts["steering.meeting"] == 1 and counts["steering.outcome"] == 2 and counts["steering.followup"] == 1
    # The signature's snapshot, and the one the COPIL decision took.
    assert counts["evaluation.diagnosticsnapshot"] == 2 and counts["evaluation.snapshotvalue"] > 0
    assert counts["evaluation.conventionevaluation"] == 1 and counts["evaluation.partneranswer"] == 1
    assert counts["evaluation.actionevaluation"] == 1 and counts["conventions.conventiondocument"] == 1
    assert counts["conventions.phasechange"] >= 1
    trashed = [row for row in data["objects"]["plans.action"] if row["fields"]["code"] == "TMP-01"]
    assert trashed[0]["fields"]["deleted_at"] and trashed[0]["fields"]["deleted_by"] is not None
    for entry in data["users"].values():
        assert set(entry) <= {"email", "first_name", "last_name", "organisation", "deleted"}
    # Official data are shared reference data: only the convention's local dataset travels.
    assert [row["fields"]["convention"] for row in data["objects"]["opendata.dataset"]] == [
        full_convention["convention"].pk
    ]


def test_commands_export_then_import(tmp_path, full_convention):
    convention = full_convention["convention"]
    path = tmp_path / "convention.zip"
    out = call_command_output("export_convention", str(convention.pk), "--output", str(path))
    assert "exportée" in out
    delete_convention(convention)
    User.objects.filter(username="lecteur").delete()

    out = call_command_output("import_convention", str(path), "--dry-run")
    assert "Essai" in out
    assert not Convention.objects.filter(title=convention.title).exists()

    out = call_command_output("import_convention", str(path))
    assert "importée" in out
    assert "compte créé inactif : lecteur@demo.pilote-ctg.invalid" in out
    assert "sans mot de passe utilisable" in out
    assert "1 compte créé inactif" in out and "(s)" not in out
    assert Convention.objects.filter(title=convention.title).count() == 1


def call_command_output(*args) -> str:
    import io

    stdout = io.StringIO()
    call_command(*args, stdout=stdout)
    return stdout.getvalue()


def test_a_renewal_finds_its_previous_convention_by_epci_and_period(caux_seine):
    previous = caux_seine["convention"]
    renewal = Convention.objects.create(
        title="CTG Caux Seine agglo 2025-2028",
        epci=previous.epci,
        caf=previous.caf,
        start_date=datetime.date(2025, 1, 1),
        end_date=datetime.date(2028, 12, 31),
        previous=previous,
    )
    content = convention_export(convention=renewal)
    renewal.delete()

    report = convention_import(content=content)

    assert report.convention.previous == previous
    assert report.notes == []


def test_a_renewal_whose_previous_convention_is_elsewhere_is_imported_without_the_link(caux_seine):
    previous = caux_seine["convention"]
    renewal = Convention.objects.create(
        title="CTG Caux Seine agglo 2025-2028",
        epci=previous.epci,
        caf=previous.caf,
        start_date=datetime.date(2025, 1, 1),
        end_date=datetime.date(2028, 12, 31),
        previous=previous,
    )
    content = convention_export(convention=renewal)
    renewal.delete()
    delete_convention(previous)

    report = convention_import(content=content)

    assert report.convention.previous is None
    assert "le lien est laissé vide" in report.notes[0]
