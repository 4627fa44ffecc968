"""Concurrent writes: several clients writing at the same instant all succeed and nothing is lost.

Each test starts its clients on a barrier so that their requests really overlap, each in its own thread with its
own database connection and its own transaction (ATOMIC_REQUESTS), as under several web processes. On SQLite the
test database is a file (config.settings.test), so the locking is SQLite's real one.
"""

import threading

import pytest
from django.core import mail
from django.db import connections
from django.test import Client
from django.urls import reverse

from ctg.accounts.enums import Role
from ctg.accounts.models import Invitation, Membership, User
from ctg.plans.models import FollowUpNote
from ctg.plans.services import note_create
from tests.accounts.factories import InvitationFactory, MembershipFactory
from tests.plans.factories import ActionFactory

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 8


def run_together(work, count: int = WORKERS) -> list:
    """Run `work(index)` in `count` threads released at once; return each result or the exception it raised."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(index):
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except Exception as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker is still waiting for the database"
    return results


def logged_in_client(user) -> Client:
    client = Client(raise_request_exception=True)
    client.force_login(user)
    return client


def test_notes_posted_at_once_on_one_action_are_all_saved():
    action = ActionFactory()
    clients = [
        logged_in_client(MembershipFactory(convention=action.convention, role=Role.ADMINISTRATEUR).user)
        for _ in range(WORKERS)
    ]
    url = reverse("plans_views:note_create", args=[action.convention_id, action.pk])

    def post_notes(index):
        return [
            clients[index].post(url, {"date": "2024-05-02", "text": f"Note {index}-{n}"}).status_code for n in range(3)
        ]

    results = run_together(post_notes)

    assert results == [[302, 302, 302]] * WORKERS
    texts = set(FollowUpNote.objects.filter(action=action).values_list("text", flat=True))
    assert texts == {f"Note {index}-{n}" for index in range(WORKERS) for n in range(3)}


def test_service_writes_from_several_threads_are_all_saved():
    action = ActionFactory()
    author = MembershipFactory(convention=action.convention, role=Role.ADMINISTRATEUR).user

    def write(index):
        return note_create(action=action, date=action.planned_start, text=f"Service {index}", by=author).pk

    results = run_together(write)

    assert all(isinstance(pk, int) for pk in results), results
    assert FollowUpNote.objects.filter(action=action).count() == WORKERS


def test_invitations_sent_at_once_by_several_administrators_are_all_kept():
    admins = [MembershipFactory(role=Role.ADMINISTRATEUR) for _ in range(WORKERS)]
    convention = admins[0].convention
    for membership in admins[1:]:
        Membership.objects.filter(pk=membership.pk).update(convention=convention)
    clients = [logged_in_client(membership.user) for membership in admins]
    url = reverse("accounts_views:members", args=[convention.pk])

    def invite(index):
        return (
            clients[index].post(url, {"email": f"nouvelle{index}@exemple.invalid", "role": Role.LECTEUR}).status_code
        )

    results = run_together(invite)

    assert results == [302] * WORKERS
    assert Invitation.objects.filter(convention=convention).count() == WORKERS
    assert len(mail.outbox) == WORKERS


def test_a_double_clicked_invitation_gives_one_account_and_a_clear_message():
    invitation = InvitationFactory(email="double.clic@exemple.invalid")
    url = reverse("accounts_views:invitation_accept", args=[invitation.token])
    data = {"first_name": "Camille", "last_name": "Martin", "password1": "Une phrase longue 42", "password2": ""}
    data["password2"] = data["password1"]
    clients = [Client(raise_request_exception=True) for _ in range(WORKERS)]

    results = run_together(lambda index: clients[index].post(url, data))

    assert [r.status_code for r in results].count(302) == 1, results
    refused = [r for r in results if r.status_code != 302]
    assert all(r.status_code == 410 for r in refused)
    assert all("Cette invitation a déjà été utilisée." in r.content.decode() for r in refused)
    assert User.objects.filter(email="double.clic@exemple.invalid").count() == 1
    assert (
        Membership.objects.filter(convention=invitation.convention, user__email="double.clic@exemple.invalid").count()
        == 1
    )


def test_two_administrators_removing_each_other_at_once_leave_one():
    first = MembershipFactory(role=Role.ADMINISTRATEUR)
    second = MembershipFactory(role=Role.ADMINISTRATEUR, convention=first.convention)
    pairs = [(logged_in_client(first.user), second), (logged_in_client(second.user), first)]

    def remove(index):
        client, target = pairs[index]
        return client.post(reverse("accounts_views:member_remove", args=[first.convention_id, target.pk])).status_code

    results = run_together(remove, count=2)

    assert all(isinstance(code, int) for code in results), results
    assert Membership.objects.filter(convention=first.convention, role=Role.ADMINISTRATEUR).count() == 1
