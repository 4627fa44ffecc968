"""Authorisation matrix: every URL of the project × every kind of visitor × GET and POST.

The URLs come from the resolver, so a new page is covered as soon as it is routed; a page with no expectation
below makes test_every_url_has_an_expectation fail and list its name.

How to add a page: add one entry to PAGES, keyed by its URL name ("namespace:name"):

    "plans_views:action_edit": Page(
        get=PILOT_EDITOR,
        post=PILOT_EDITOR,
        kwargs=lambda w: {"convention_pk": w.a.pk, "pk": own_action(w).pk},
    ),

(own_action(w), defined below, builds an action of A piloted by A's pilot; entries of each area are grouped in
PAGES and in the PAGES.update() block that follows it.)

- get / post: an access level below (PUBLIC, AUTHENTICATED, READER, EDITOR, ADMIN, COMMUNE_EDITOR, PILOT_EDITOR,
  NOT_ALLOWED, NOT_ALLOWED_PUBLIC), or level.but(actor=outcome, ...) for an exception.
- kwargs: a function of the World returning the URL kwargs. Without it, convention_pk and pk are convention A's.
  Build your objects there with your factories: w.a and w.b are conventions A and B, w.user("pilote") the pilot
  of A, w.own_commune the commune of A's commune member, w.other_commune another engaged commune of A.
- data: a function of the World returning the POST body when an empty body would not reach the check you
  want (most views check permissions before reading the body, so it is rarely needed).

Each (page, method) test runs every visitor in its own rolled-back savepoint, so a POST by one visitor cannot
change what the next one sees, and reports every mismatch at once. The World and its visitors' sessions are built
once per test process, in a transaction held open while the matrix runs (as Django's TestCase.setUpTestData does):
each test works on its own copy of the World, in its own transaction rolled back at its end. Outcomes: "ok" (2xx,
or a redirect other than to the login page), "login" (redirect to the login page), 403, 404, 405. Every response
must also carry a Content-Security-Policy without 'unsafe-inline'. The Django admin is excluded (it has its own
permission system, see test_admin_refuses_non_staff).
"""

import copy
import dataclasses
import datetime
import io
from collections.abc import Callable

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from ctg.accounts.enums import Role
from ctg.accounts.models import User
from ctg.conventions.enums import DocumentKind, Phase, SignatoryRole
from ctg.conventions.models import Convention, ConventionDocument, Signatory
from ctg.evaluation.enums import Criterion, SnapshotKind
from ctg.evaluation.models import ActionEvaluation, DiagnosticSnapshot, PartnerSurvey, Renewal
from ctg.evaluation.survey_links import survey_link_renew
from ctg.jobs.enums import JobStatus
from ctg.jobs.models import Job, WorkerHeartbeat
from ctg.organisations.models import Organisation
from ctg.steering.calendar import calendar_feed_renew
from ctg.steering.enums import MeetingState, OutcomeKind
from ctg.steering.models import FollowUp, Guest, Outcome
from tests.accounts.factories import DepartementAccessFactory, InvitationFactory, MembershipFactory, UserFactory
from tests.conventions.factories import ConventionFactory, minimal_pdf
from tests.diagnostic.factories import EnjeuFactory
from tests.held_data import held
from tests.offer.factories import OfferItemFactory
from tests.opendata.factories import DatasetFactory, data_administrator
from tests.organisations.factories import OrganisationFactory
from tests.plans.factories import (
    ActionFactory,
    FundingLineFactory,
    IndicatorFactory,
    MilestoneFactory,
    ObjectiveFactory,
)
from tests.steering.factories import AgendaItemFactory, BodyFactory, BodyMemberFactory, MeetingFactory
from tests.territories.factories import CommuneFactory, DepartementFactory, EpciFactory

OK, LOGIN, FORBIDDEN, NOT_FOUND, NOT_ALLOWED_STATUS = "ok", "login", 403, 404, 405

# Who visits. "departement_reader" reads every convention of A's département without a membership;
# "member_b" administers convention B only; "other_commune" has the commune role on A for another commune;
# "data_admin" holds the platform's data-administration role (official open data) and no convention role.
ACTORS = [
    "anonymous",
    "administrateur",
    "contributeur",
    "pilote",
    "commune",
    "lecteur",
    "departement_reader",
    "member_b",
    "other_commune",
    "data_admin",
]
A_ROLES = ["administrateur", "contributeur", "pilote", "commune", "lecteur", "other_commune"]


@dataclasses.dataclass(frozen=True)
class Level:
    outcomes: dict

    def but(self, **overrides) -> "Level":
        unknown = set(overrides) - set(ACTORS)
        assert not unknown, f"Unknown actors: {unknown}"
        return Level({**self.outcomes, **overrides})


def _level(ok: set[str], *, anonymous=LOGIN, outsider=NOT_FOUND, refused=FORBIDDEN) -> Level:
    outcomes = {"anonymous": anonymous, "member_b": outsider, "data_admin": outsider}
    for actor in [*A_ROLES, "departement_reader"]:
        outcomes[actor] = OK if actor in ok else refused
    return Level(outcomes)


PUBLIC = Level(dict.fromkeys(ACTORS, OK))
AUTHENTICATED = Level({**dict.fromkeys(ACTORS, OK), "anonymous": LOGIN})
READER = _level({*A_ROLES, "departement_reader"})
EDITOR = _level({"administrateur", "contributeur"})
ADMIN = _level({"administrateur"})
COMMUNE_EDITOR = _level({"administrateur", "contributeur", "commune"})
PILOT_EDITOR = _level({"administrateur", "contributeur", "pilote"})
NOT_ALLOWED = Level({**dict.fromkeys(ACTORS, NOT_ALLOWED_STATUS), "anonymous": LOGIN})
NOT_ALLOWED_PUBLIC = Level(dict.fromkeys(ACTORS, NOT_ALLOWED_STATUS))
NOT_FOUND_PUBLIC = Level(dict.fromkeys(ACTORS, NOT_FOUND))


class World:
    """Two conventions and one visitor of each kind; objects for URL kwargs are built by the entries."""

    def __init__(self):
        departement = DepartementFactory()
        epci_a = EpciFactory()
        self.own_commune = CommuneFactory(epci=epci_a, departement=departement)
        self.other_commune = CommuneFactory(epci=epci_a, departement=departement)
        self.a = ConventionFactory(epci=epci_a, title="Convention A")
        self.a.communes.set([self.own_commune, self.other_commune])
        epci_b = EpciFactory()
        self.b_commune = CommuneFactory(epci=epci_b, departement=DepartementFactory())
        self.b = ConventionFactory(epci=epci_b, title="Convention B")
        self.b.communes.set([self.b_commune])
        self.users = {"anonymous": None}
        for role in ["administrateur", "contributeur", "pilote", "lecteur"]:
            self.users[role] = MembershipFactory(convention=self.a, role=role, user__username=role).user
        self.users["commune"] = MembershipFactory(
            convention=self.a, role=Role.COMMUNE, commune=self.own_commune, user__username="commune"
        ).user
        self.users["other_commune"] = MembershipFactory(
            convention=self.a, role=Role.COMMUNE, commune=self.other_commune, user__username="autre_commune"
        ).user
        self.users["member_b"] = MembershipFactory(
            convention=self.b, role=Role.ADMINISTRATEUR, user__username="membre_b"
        ).user
        self.users["departement_reader"] = DepartementAccessFactory(
            departement=departement, user__username="lecteur_departement"
        ).user
        self.users["data_admin"] = data_administrator(username="administration_donnees")
        self.sessions = {}

    def log_in_everyone(self):
        """Log each visitor in once, outside the requests' savepoints: their sessions serve every request."""
        for actor, user in self.users.items():
            if user is not None and actor not in self.sessions:
                client = Client()
                client.force_login(user)
                self.sessions[actor] = client.cookies[settings.SESSION_COOKIE_NAME].value

    def client(self, actor, **kwargs) -> Client:
        """A new client, logged in as the actor (anonymous: not logged in)."""
        client = Client(**kwargs)
        if self.users[actor] is not None:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[actor]
        return client

    def user(self, actor):
        return self.users[actor]

    def membership(self, actor):
        return self.users[actor].memberships.get(convention=self.a)


def _public_a(w: World) -> dict:
    w.a.is_public = True
    w.a.save(update_fields=["is_public"])
    return {"pk": w.a.pk}


def _password_reset_link(w: World) -> dict:
    user = UserFactory()
    return {"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)}


def _admin_member(w: World, actor="lecteur") -> dict:
    return {"convention_pk": w.a.pk, "pk": w.membership(actor).pk}


@dataclasses.dataclass(frozen=True)
class Page:
    get: Level
    post: Level
    kwargs: Callable[[World], dict] | None = None
    data: Callable[[World], dict] | None = None


PAGES: dict[str, Page] = {
    # --- accounts_views ---
    "accounts_views:login": Page(get=PUBLIC, post=PUBLIC),
    "accounts_views:logout": Page(get=NOT_ALLOWED, post=AUTHENTICATED),
    "accounts_views:password_reset": Page(get=PUBLIC, post=PUBLIC),
    "accounts_views:password_reset_done": Page(get=PUBLIC, post=NOT_ALLOWED_PUBLIC),
    "accounts_views:password_reset_confirm": Page(get=PUBLIC, post=PUBLIC, kwargs=_password_reset_link),
    "accounts_views:password_reset_complete": Page(get=PUBLIC, post=NOT_ALLOWED_PUBLIC),
    "accounts_views:password_change": Page(get=AUTHENTICATED, post=AUTHENTICATED),
    # An invitation for a new address: only someone logged out (or logged in with that address) may use it.
    "accounts_views:invitation_accept": Page(
        get=Level({**dict.fromkeys(ACTORS, FORBIDDEN), "anonymous": OK}),
        post=Level({**dict.fromkeys(ACTORS, FORBIDDEN), "anonymous": OK}),
        kwargs=lambda w: {"token": InvitationFactory(convention=w.a).token},
    ),
    "accounts_views:profile": Page(get=AUTHENTICATED, post=AUTHENTICATED),
    "accounts_views:reminder_preferences": Page(get=NOT_ALLOWED, post=AUTHENTICATED),
    "accounts_views:profile_export": Page(get=AUTHENTICATED, post=AUTHENTICATED),
    "accounts_views:profile_delete": Page(get=AUTHENTICATED, post=AUTHENTICATED),
    "accounts_views:members": Page(get=ADMIN, post=ADMIN),
    "accounts_views:member_role": Page(get=NOT_ALLOWED, post=ADMIN, kwargs=_admin_member),
    "accounts_views:member_remove": Page(get=NOT_ALLOWED, post=ADMIN, kwargs=_admin_member),
    "accounts_views:invitation_revoke": Page(
        get=NOT_ALLOWED,
        post=ADMIN,
        kwargs=lambda w: {"convention_pk": w.a.pk, "pk": InvitationFactory(convention=w.a).pk},
    ),
    "accounts_views:publication": Page(get=NOT_ALLOWED, post=ADMIN),
    "accounts_views:journal": Page(get=ADMIN, post=ADMIN),
    # ProConnect is not configured here: its pages do not exist. Configured, their access is checked by
    # tests/www/accounts_views/test_proconnect.py::TestAccess.
    "accounts_views:proconnect_login": Page(get=NOT_FOUND_PUBLIC, post=NOT_ALLOWED_PUBLIC),
    "accounts_views:proconnect_callback": Page(get=NOT_FOUND_PUBLIC, post=NOT_ALLOWED_PUBLIC),
    "accounts_views:proconnect_link": Page(get=NOT_FOUND_PUBLIC, post=NOT_FOUND_PUBLIC),
    "accounts_views:proconnect_logout_return": Page(get=PUBLIC, post=NOT_ALLOWED_PUBLIC),
    # --- public_views ---
    "public_views:convention": Page(get=PUBLIC, post=NOT_ALLOWED_PUBLIC, kwargs=_public_a),
    # --- conventions_views ---
    "conventions_views:home": Page(get=AUTHENTICATED, post=AUTHENTICATED),
    "conventions_views:detail": Page(get=READER, post=READER, kwargs=lambda w: {"pk": w.a.pk}),
    "conventions_views:territory_map": Page(
        # Synthetic communes have no boundaries: the map answers 404 once access is granted.
        get=READER.but(**{actor: NOT_FOUND for actor in [*A_ROLES, "departement_reader"]}),
        post=READER.but(**{actor: NOT_FOUND for actor in [*A_ROLES, "departement_reader"]}),
        kwargs=lambda w: {"pk": w.a.pk, "fmt": "svg"},
    ),
    "conventions_views:change_phase": Page(get=NOT_ALLOWED, post=ADMIN, kwargs=lambda w: {"pk": w.a.pk}),
    # --- territories_views (the national referential is public data, readable by every logged-in user) ---
    "territories_views:search": Page(get=AUTHENTICATED, post=AUTHENTICATED),
    "territories_views:epci": Page(get=AUTHENTICATED, post=AUTHENTICATED, kwargs=lambda w: {"siren": w.a.epci.siren}),
    "territories_views:commune": Page(
        get=AUTHENTICATED, post=AUTHENTICATED, kwargs=lambda w: {"code": w.own_commune.code}
    ),
}


# Pages answering 404 to every reader because the synthetic world has no boundaries or values to draw:
# the check that matters is that outsiders and anonymous visitors never reach the drawing.
NO_DATA_404 = READER.but(**dict.fromkeys([*A_ROLES, "departement_reader"], NOT_FOUND))


def _a(w: World) -> dict:
    return {"convention_pk": w.a.pk}


def own_action(w: World):
    """An action of A piloted by A's pilot."""
    return ActionFactory(convention=w.a, pilot_user=w.user("pilote"))


def _own_action(w: World) -> dict:
    return {"convention_pk": w.a.pk, "pk": own_action(w).pk}


def _trashed_action(w: World) -> dict:
    """A fiche of A in the trash."""
    return {"convention_pk": w.a.pk, "pk": ActionFactory(convention=w.a, deleted_at=timezone.now()).pk}


def _action_child(factory_class, kind: str | None = None):
    """kwargs for a child (milestone, funding line, indicator…) of an action piloted by A's pilot."""

    def build(w: World) -> dict:
        action = own_action(w)
        kwargs = {"convention_pk": w.a.pk, "pk": action.pk, "item_pk": factory_class(action=action).pk}
        if kind:
            kwargs["kind"] = kind
        return kwargs

    return build


def _enjeu(w: World) -> dict:
    return {"convention_pk": w.a.pk, "pk": EnjeuFactory(convention=w.a).pk}


def _own_commune_offer(w: World) -> dict:
    return {"convention_pk": w.a.pk, "pk": OfferItemFactory(convention=w.a, commune=w.own_commune).pk}


def _objective_indicator(w: World) -> dict:
    objective = ObjectiveFactory(convention=w.a)
    indicator = IndicatorFactory(action=None, objective=objective, convention=w.a)
    return {"convention_pk": w.a.pk, "pk": objective.pk, "item_pk": indicator.pk}


def _objective(w: World) -> dict:
    return {"convention_pk": w.a.pk, "pk": ObjectiveFactory(convention=w.a).pk}


# Readers of the convention, commune members included, create offer items (the form limits a commune member
# to their own commune); only editors and the commune concerned change an existing item.
OFFER_CREATOR = _level({"administrateur", "contributeur", "commune", "other_commune"})
# Official open data is shared by every convention: only the platform's data administrators import or withdraw
# it, never a convention role (an administrator of another convention once rewrote Bolbec's population).
OFFICIAL_DATA = Level({**dict.fromkeys(ACTORS, FORBIDDEN), "anonymous": LOGIN, "data_admin": OK})


def _official_dataset(w: World) -> dict:
    return {"pk": DatasetFactory(format="insee_comparateur").pk}


def _local_dataset(w: World) -> dict:
    return {"convention_pk": w.a.pk, "pk": DatasetFactory(convention=w.a).pk}


PAGES.update(
    {
        # --- indicators_views ---
        "indicators_views:index": Page(get=READER, post=READER),
        "indicators_views:commune": Page(
            get=READER, post=READER, kwargs=lambda w: {"convention_pk": w.a.pk, "code": w.own_commune.code}
        ),
        "indicators_views:map": Page(
            get=NO_DATA_404,
            post=NO_DATA_404,
            kwargs=lambda w: {"convention_pk": w.a.pk, "indicator": "population", "fmt": "svg"},
        ),
        "indicators_views:export_docx": Page(get=READER, post=NOT_ALLOWED),
        "indicators_views:export_pdf": Page(get=READER, post=NOT_ALLOWED),
        "indicators_views:export_xlsx": Page(get=READER, post=NOT_ALLOWED),
        "indicators_views:export_csv": Page(get=READER, post=NOT_ALLOWED),
        # --- diagnostic_views ---
        "diagnostic_views:index": Page(get=READER, post=READER),
        "diagnostic_views:create": Page(get=EDITOR, post=EDITOR),
        "diagnostic_views:detail": Page(get=READER, post=READER, kwargs=_enjeu),
        "diagnostic_views:edit": Page(get=EDITOR, post=EDITOR, kwargs=_enjeu),
        "diagnostic_views:validate": Page(get=NOT_ALLOWED, post=ADMIN, kwargs=_enjeu),
        # --- offer_views ---
        "offer_views:index": Page(get=READER, post=READER),
        "offer_views:create": Page(get=OFFER_CREATOR, post=OFFER_CREATOR),
        "offer_views:edit": Page(get=COMMUNE_EDITOR, post=COMMUNE_EDITOR, kwargs=_own_commune_offer),
        "offer_views:delete": Page(get=NOT_ALLOWED, post=COMMUNE_EDITOR, kwargs=_own_commune_offer),
        "offer_views:import": Page(get=EDITOR, post=EDITOR),
        "offer_views:total_record": Page(get=EDITOR, post=EDITOR),
        "offer_views:coverage_map": Page(
            get=NO_DATA_404, post=NO_DATA_404, kwargs=lambda w: {"convention_pk": w.a.pk, "fmt": "svg"}
        ),
        # --- opendata_views (national data, not convention data) ---
        "opendata_views:index": Page(get=AUTHENTICATED, post=NOT_ALLOWED),
        "opendata_views:upload": Page(get=OFFICIAL_DATA, post=OFFICIAL_DATA),
        "opendata_views:withdraw": Page(get=OFFICIAL_DATA, post=OFFICIAL_DATA, kwargs=_official_dataset),
        # --- local data of a convention (opendata_views/local_urls) ---
        "local_data_views:index": Page(get=READER, post=NOT_ALLOWED),
        "local_data_views:upload": Page(get=EDITOR, post=EDITOR),
        "local_data_views:withdraw": Page(get=EDITOR, post=EDITOR, kwargs=_local_dataset),
        # --- plans_views ---
        "plans_views:index": Page(get=READER, post=READER),
        "plans_views:mine": Page(get=READER, post=READER),
        "plans_views:timeline": Page(get=READER, post=READER),
        "plans_views:timeline_image": Page(
            get=NO_DATA_404, post=NO_DATA_404, kwargs=lambda w: {"convention_pk": w.a.pk, "fmt": "svg"}
        ),
        "plans_views:activity": Page(get=READER, post=READER),
        "plans_views:export_xlsx": Page(get=READER, post=NOT_ALLOWED),
        "plans_views:export_csv": Page(get=READER, post=NOT_ALLOWED),
        "plans_views:export_docx": Page(get=READER, post=NOT_ALLOWED),
        "plans_views:import_xlsx": Page(get=EDITOR, post=EDITOR),
        "plans_views:objective_create": Page(get=EDITOR, post=EDITOR),
        "plans_views:objective_edit": Page(get=EDITOR, post=EDITOR, kwargs=_objective),
        "plans_views:objective_delete": Page(get=NOT_ALLOWED, post=EDITOR, kwargs=_objective),
        "plans_views:objective_indicator_create": Page(get=EDITOR, post=EDITOR, kwargs=_objective),
        "plans_views:objective_measure_create": Page(get=EDITOR, post=EDITOR, kwargs=_objective_indicator),
        "plans_views:action_create": Page(get=EDITOR, post=EDITOR),
        "plans_views:action_detail": Page(get=READER, post=READER, kwargs=_own_action),
        "plans_views:action_edit": Page(get=PILOT_EDITOR, post=PILOT_EDITOR, kwargs=_own_action),
        "plans_views:action_follow_up": Page(get=PILOT_EDITOR, post=PILOT_EDITOR, kwargs=_own_action),
        "plans_views:action_delete": Page(get=EDITOR, post=EDITOR, kwargs=_own_action),
        # The trash of the plan, and restoring a fiche from it: the convention's administrators only.
        "plans_views:trash": Page(get=ADMIN, post=ADMIN),
        "plans_views:action_restore": Page(get=NOT_ALLOWED, post=ADMIN, kwargs=_trashed_action),
        "plans_views:action_docx": Page(get=READER, post=NOT_ALLOWED, kwargs=_own_action),
        "plans_views:milestone_create": Page(get=PILOT_EDITOR, post=PILOT_EDITOR, kwargs=_own_action),
        "plans_views:milestone_edit": Page(
            get=PILOT_EDITOR, post=PILOT_EDITOR, kwargs=_action_child(MilestoneFactory)
        ),
        "plans_views:note_create": Page(get=PILOT_EDITOR, post=PILOT_EDITOR, kwargs=_own_action),
        "plans_views:link_create": Page(get=PILOT_EDITOR, post=PILOT_EDITOR, kwargs=_own_action),
        "plans_views:funding_create": Page(get=PILOT_EDITOR, post=PILOT_EDITOR, kwargs=_own_action),
        "plans_views:funding_edit": Page(
            get=PILOT_EDITOR, post=PILOT_EDITOR, kwargs=_action_child(FundingLineFactory)
        ),
        "plans_views:indicator_create": Page(get=PILOT_EDITOR, post=PILOT_EDITOR, kwargs=_own_action),
        "plans_views:indicator_edit": Page(
            get=PILOT_EDITOR, post=PILOT_EDITOR, kwargs=_action_child(IndicatorFactory)
        ),
        "plans_views:target_create": Page(get=PILOT_EDITOR, post=PILOT_EDITOR, kwargs=_action_child(IndicatorFactory)),
        "plans_views:measure_create": Page(
            get=PILOT_EDITOR, post=PILOT_EDITOR, kwargs=_action_child(IndicatorFactory)
        ),
        "plans_views:child_delete": Page(
            get=PILOT_EDITOR, post=PILOT_EDITOR, kwargs=_action_child(MilestoneFactory, kind="milestone")
        ),
    }
)


def _job_of_a(w: World) -> dict:
    """A finished report of convention A, requested by A's administrator."""
    job = Job.objects.create(
        kind="diagnostic_report",
        key=f"matrix-{w.a.pk}",
        label="Rapport",
        convention=w.a,
        status=JobStatus.DONE,
        created_by=w.user("administrateur"),
        result_name="rapport.csv",
        result_content_type="text/csv",
    )
    job.result_file.save("rapport.csv", ContentFile(b"a;b\n"))
    return {"pk": job.pk}


def _worker_alive(w: World) -> dict:
    WorkerHeartbeat.objects.create(worker_id=f"matrix-{w.a.pk}")
    return {}


PAGES.update(
    {
        # --- jobs_views: a job is seen by who started it and by the readers of its convention ---
        "jobs_views:index": Page(get=AUTHENTICATED, post=NOT_ALLOWED),
        "jobs_views:detail": Page(get=READER, post=NOT_ALLOWED, kwargs=_job_of_a),
        "jobs_views:status": Page(get=READER, post=NOT_ALLOWED, kwargs=_job_of_a),
        "jobs_views:file": Page(get=READER, post=NOT_ALLOWED, kwargs=_job_of_a),
        # --- the health endpoint is public and discloses no data ---
        "health": Page(get=PUBLIC, post=NOT_ALLOWED_PUBLIC, kwargs=_worker_alive),
    }
)

# --- steering_views: members of A read the governance; only A's administrators manage it ---


def _body_of_a(w: World) -> dict:
    return {"convention_pk": w.a.pk, "pk": BodyFactory(convention=w.a).pk}


def _meeting_of_a(w: World) -> dict:
    meeting = MeetingFactory(body=BodyFactory(convention=w.a))
    AgendaItemFactory(meeting=meeting)
    return {"convention_pk": w.a.pk, "pk": meeting.pk}


def _held_meeting_of_a(w: World) -> dict:
    """A held meeting of A whose convention has a signatory side (the CAF), so that its minutes can be answered."""
    Signatory.objects.get_or_create(convention=w.a, organisation=w.a.caf, defaults={"role": SignatoryRole.CAF})
    meeting = MeetingFactory(body=BodyFactory(convention=w.a), state=MeetingState.TENUE)
    return {"convention_pk": w.a.pk, "pk": meeting.pk}


def _member_of_a(w: World) -> dict:
    member = BodyMemberFactory(body=BodyFactory(convention=w.a))
    return {"convention_pk": w.a.pk, "pk": member.body_id, "member_pk": member.pk}


def _calendar_feed_of_a(w: World) -> dict:
    token = calendar_feed_renew(user=w.user("lecteur"), convention=w.a, by=None)
    return {"convention_pk": w.a.pk, "token": token}


def _agenda_item_of_a(w: World) -> dict:
    item = AgendaItemFactory(meeting=MeetingFactory(body=BodyFactory(convention=w.a)))
    return {"convention_pk": w.a.pk, "pk": item.meeting_id, "item_pk": item.pk}


def _held_agenda_item_of_a(w: World) -> dict:
    item = AgendaItemFactory(meeting=MeetingFactory(body=BodyFactory(convention=w.a), state=MeetingState.TENUE))
    return {"convention_pk": w.a.pk, "pk": item.meeting_id, "item_pk": item.pk}


def _guest_of_a(w: World) -> dict:
    guest = Guest.objects.create(meeting=MeetingFactory(body=BodyFactory(convention=w.a)), name="Invitée fictive")
    return {"convention_pk": w.a.pk, "pk": guest.meeting_id, "guest_pk": guest.pk}


def _follow_up_of_a(w: World) -> dict:
    item = AgendaItemFactory(meeting=MeetingFactory(body=BodyFactory(convention=w.a), state=MeetingState.TENUE))
    outcome = Outcome.objects.create(agenda_item=item, kind=OutcomeKind.TASK, text="Tâche")
    follow_up = FollowUp.objects.create(convention=w.a, outcome=outcome, assignee_name="Personne fictive")
    return {"convention_pk": w.a.pk, "pk": follow_up.pk}


def _complete_grid_of_a(w: World) -> dict:
    """An action of A piloted by A's pilot, its grid complete and not validated."""
    action = own_action(w)
    levels = {f"{criterion.value}_level": "atteint" for criterion in Criterion}
    ActionEvaluation.objects.create(action=action, **levels)
    return {"convention_pk": w.a.pk, "pk": action.pk}


def _commune_records_of_a(w: World) -> dict:
    """An action naming the member's commune, with a funding line, and an item of the offer in the other commune."""
    action = ActionFactory(convention=w.a)
    action.communes.set([w.own_commune])
    FundingLineFactory(action=action)
    OfferItemFactory(convention=w.a, commune=w.other_commune, opening_year=w.a.start_date.year)
    return {"convention_pk": w.a.pk}


def _snapshot_of_a(w: World) -> dict:
    """Convention A with a signature snapshot (empty: the matrix checks access, not figures)."""
    DiagnosticSnapshot.objects.create(convention=w.a, kind=SnapshotKind.SIGNATURE, reference_date=w.a.signed_on)
    return {"convention_pk": w.a.pk}


def _partner_of_a(w: World) -> dict:
    """An organisation signing A, to which A's questionnaire is open; A's reader belongs to it."""
    organisation = OrganisationFactory(name="Partenaire fictif")
    Signatory.objects.create(convention=w.a, organisation=organisation, role=SignatoryRole.PARTENAIRE)
    User.objects.filter(pk=w.user("lecteur").pk).update(organisation=organisation)
    PartnerSurvey.objects.create(convention=w.a)
    return {"convention_pk": w.a.pk, "organisation_pk": organisation.pk}


def _survey_link_of_a(w: World) -> dict:
    """The personal answer link of a partner organisation of A to A's open questionnaire."""
    kwargs = _partner_of_a(w)
    token = survey_link_renew(
        survey=PartnerSurvey.objects.get(convention=w.a),
        organisation=Organisation.objects.get(pk=kwargs["organisation_pk"]),
        by=None,
    )
    return {"convention_pk": w.a.pk, "token": token}


def _ending_a(w: World) -> dict:
    """Convention A in its evaluation phase: its successor may be prepared."""
    Convention.objects.filter(pk=w.a.pk).update(phase=Phase.EVALUATION)
    return {"convention_pk": w.a.pk}


def _successor_a(w: World) -> dict:
    """Convention A prepared as the successor of an earlier convention of the same EPCI."""
    earlier = ConventionFactory(
        epci=w.a.epci, caf=w.a.caf, start_date=datetime.date(2016, 1, 1), end_date=datetime.date(2019, 12, 31)
    )
    Convention.objects.filter(pk=w.a.pk).update(previous=earlier)
    Renewal.objects.create(predecessor=earlier, successor=w.a, carried={})
    return {"convention_pk": w.a.pk}


def _caf_agent(w: World) -> dict:
    """A's département reader becomes an agent of a CAF: the only visitor who may open a convention."""
    reader = w.user("departement_reader")
    reader.organisation = OrganisationFactory(caf=True)
    reader.save(update_fields=["organisation"])
    return {}


def _phase_plan(w: World) -> dict:
    w.a.phase = Phase.PLAN
    w.a.save(update_fields=["phase"])
    return {"pk": w.a.pk}


def _signatory_of_a(w: World) -> dict:
    signatory = Signatory.objects.create(convention=w.a, organisation=w.a.caf, role=SignatoryRole.CAF)
    return {"pk": w.a.pk, "signatory_pk": signatory.pk}


class _RewindingFile(io.BytesIO):
    """An upload the test client reads whole for every visitor of the matrix."""

    name = "convention.pdf"

    def read(self, *args):
        self.seek(0)
        return super().read(*args)


def _document_of_a(w: World) -> dict:
    document = ConventionDocument(
        convention=w.a, kind=DocumentKind.SIGNED, dated=datetime.date(2022, 3, 1), original_name="c.pdf", size=10
    )
    document.file.save("c.pdf", ContentFile(minimal_pdf()), save=True)
    return {"pk": w.a.pk, "document_pk": document.pk}


# Read by the holders of the département's access only; 404 for everyone else, as any lookup outside one's scope.
PORTFOLIO = Level({**dict.fromkeys(ACTORS, NOT_FOUND), "anonymous": LOGIN, "departement_reader": OK})


def _departement_of_a(w: World) -> dict:
    return {"code": w.own_commune.departement_id}


PAGES.update(
    {
        "steering_views:index": Page(get=READER, post=READER),
        "steering_views:dashboard": Page(get=READER, post=READER),
        "steering_views:body_create": Page(get=ADMIN, post=ADMIN),
        "steering_views:body_detail": Page(get=READER, post=READER, kwargs=_body_of_a),
        "steering_views:body_edit": Page(get=ADMIN, post=ADMIN, kwargs=_body_of_a),
        "steering_views:member_add": Page(get=ADMIN, post=ADMIN, kwargs=_body_of_a),
        "steering_views:member_remove": Page(get=NOT_ALLOWED, post=ADMIN, kwargs=_member_of_a),
        "steering_views:member_edit": Page(get=ADMIN, post=ADMIN, kwargs=_member_of_a),
        "steering_views:meeting_create": Page(get=ADMIN, post=ADMIN, kwargs=_body_of_a),
        "steering_views:meeting_detail": Page(get=READER, post=READER, kwargs=_meeting_of_a),
        "steering_views:meeting_edit": Page(get=ADMIN, post=ADMIN, kwargs=_meeting_of_a),
        "steering_views:meeting_transition": Page(get=NOT_ALLOWED, post=ADMIN, kwargs=_meeting_of_a),
        "steering_views:agenda_item_add": Page(get=ADMIN, post=ADMIN, kwargs=_meeting_of_a),
        "steering_views:agenda_item_edit": Page(get=ADMIN, post=ADMIN, kwargs=_agenda_item_of_a),
        "steering_views:agenda_item_delete": Page(get=NOT_ALLOWED, post=ADMIN, kwargs=_agenda_item_of_a),
        "steering_views:outcome_add": Page(get=ADMIN, post=ADMIN, kwargs=_held_agenda_item_of_a),
        "steering_views:attendance": Page(get=ADMIN, post=ADMIN, kwargs=_meeting_of_a),
        "steering_views:guest_add": Page(get=NOT_ALLOWED, post=ADMIN, kwargs=_meeting_of_a),
        "steering_views:guest_remove": Page(get=NOT_ALLOWED, post=ADMIN, kwargs=_guest_of_a),
        # The body's secretary also writes the minutes; no actor of the matrix holds that seat.
        "steering_views:minutes": Page(get=ADMIN, post=ADMIN, kwargs=_held_meeting_of_a),
        # A member of the body answers for their own side; no actor of the matrix has a seat.
        "steering_views:minutes_answer": Page(get=NOT_ALLOWED, post=ADMIN, kwargs=_held_meeting_of_a),
        "steering_views:follow_up_done": Page(get=NOT_ALLOWED, post=ADMIN, kwargs=_follow_up_of_a),
        # Every reader of A has their own calendar link and downloads a meeting's invitation.
        "steering_views:calendar": Page(get=READER, post=READER),
        "steering_views:calendar_renew": Page(get=NOT_ALLOWED, post=READER),
        "steering_views:calendar_revoke": Page(get=NOT_ALLOWED, post=READER),
        "steering_views:meeting_invitation": Page(get=READER, post=NOT_ALLOWED, kwargs=_meeting_of_a),
        # Deliberately public: a calendar application fetches the feed without a session; the unguessable token
        # of the link is the credential (unknown, revoked or no longer readable: 404, see test_calendar.py).
        "steering_views:calendar_feed": Page(get=PUBLIC, post=NOT_ALLOWED_PUBLIC, kwargs=_calendar_feed_of_a),
        # --- portfolio_views: the portfolio of a département, for the holders of its read access only ---
        "portfolio_views:index": Page(
            get=Level({**dict.fromkeys(ACTORS, FORBIDDEN), "anonymous": LOGIN, "departement_reader": OK}),
            post=NOT_ALLOWED,
        ),
        "portfolio_views:departement": Page(get=PORTFOLIO, post=NOT_ALLOWED, kwargs=_departement_of_a),
        "portfolio_views:export": Page(
            get=PORTFOLIO, post=NOT_ALLOWED, kwargs=lambda w: {**_departement_of_a(w), "fmt": "csv"}
        ),
        # Every reader of the steering pages downloads the COPIL pack and the annual review (built by the worker).
        "steering_views:meeting_pack": Page(
            get=READER, post=NOT_ALLOWED, kwargs=lambda w: {**_meeting_of_a(w), "fmt": "pptx"}
        ),
        "steering_views:annual_review": Page(
            get=READER,
            post=NOT_ALLOWED,
            kwargs=lambda w: {"convention_pk": w.a.pk, "year": w.a.start_date.year, "fmt": "pdf"},
        ),
        # --- evaluation_views: readers see the evaluation; only administrators freeze the diagnostic ---
        "evaluation_views:index": Page(get=READER, post=NOT_ALLOWED, kwargs=_snapshot_of_a),
        "evaluation_views:snapshot_create": Page(
            get=ADMIN, post=ADMIN, kwargs=lambda w: {"convention_pk": w.a.pk, "kind": "decision"}
        ),
        "evaluation_views:overview": Page(get=READER, post=NOT_ALLOWED, kwargs=_snapshot_of_a),
        # The final report is read by every reader (built by the worker); only administrators write its conclusions.
        "evaluation_views:report_docx": Page(get=READER, post=NOT_ALLOWED, kwargs=_a),
        "evaluation_views:report_pdf": Page(get=READER, post=NOT_ALLOWED, kwargs=_a),
        "evaluation_views:conclusions": Page(get=ADMIN, post=ADMIN, kwargs=_a),
        # The partners' questionnaire: read by every reader, opened by administrators, answered for an organisation
        # by its members (A's reader here) or by an administrator on its behalf.
        "evaluation_views:survey": Page(get=READER, post=NOT_ALLOWED, kwargs=_a),
        "evaluation_views:survey_state": Page(get=NOT_ALLOWED, post=ADMIN, kwargs=_a),
        "evaluation_views:survey_answer": Page(
            get=_level({"administrateur", "lecteur"}), post=_level({"administrateur", "lecteur"}), kwargs=_partner_of_a
        ),
        # The record per commune (page and exports): every reader; a commune member's is restricted to their commune.
        "evaluation_views:communes": Page(get=READER, post=NOT_ALLOWED, kwargs=_commune_records_of_a),
        "evaluation_views:communes_xlsx": Page(get=READER, post=NOT_ALLOWED, kwargs=_commune_records_of_a),
        "evaluation_views:communes_csv": Page(get=READER, post=NOT_ALLOWED, kwargs=_commune_records_of_a),
        # The partners' personal answer links: managed by administrators only.
        "evaluation_views:survey_links": Page(
            get=ADMIN, post=NOT_ALLOWED, kwargs=lambda w: {"convention_pk": _partner_of_a(w)["convention_pk"]}
        ),
        "evaluation_views:survey_link_renew": Page(get=NOT_ALLOWED, post=ADMIN, kwargs=_partner_of_a),
        "evaluation_views:survey_link_revoke": Page(get=NOT_ALLOWED, post=ADMIN, kwargs=_partner_of_a),
        "evaluation_views:survey_link_email": Page(get=NOT_ALLOWED, post=ADMIN, kwargs=_partner_of_a),
        # Deliberately public: a member of a body without an account answers for their organisation; the unguessable
        # token of the link is the credential (unknown or revoked: 404, questionnaire closed: 410, see
        # tests/www/evaluation_views/test_survey_links.py). The POST still needs the CSRF token.
        "evaluation_views:survey_link_answer": Page(get=PUBLIC, post=PUBLIC, kwargs=_survey_link_of_a),
        "evaluation_views:changes": Page(get=READER, post=NOT_ALLOWED, kwargs=_snapshot_of_a),
        "evaluation_views:changes_xlsx": Page(get=READER, post=NOT_ALLOWED, kwargs=_snapshot_of_a),
        "evaluation_views:changes_csv": Page(get=READER, post=NOT_ALLOWED, kwargs=_snapshot_of_a),
        # The pilot fills the grids of the actions they pilot (editors any); administrators validate them.
        "evaluation_views:action_grid": Page(get=READER, post=PILOT_EDITOR, kwargs=_own_action),
        "evaluation_views:action_grid_validate": Page(get=NOT_ALLOWED, post=ADMIN, kwargs=_complete_grid_of_a),
        # Only administrators prepare the next convention; its readers see what was carried over.
        "evaluation_views:renewal_prepare": Page(get=ADMIN, post=ADMIN, kwargs=_ending_a),
        "evaluation_views:renewal_summary": Page(get=READER, post=NOT_ALLOWED, kwargs=_successor_a),
        # --- conventions_views: the convention's own life (opening, phase back, parties, signed copy) ---
        "conventions_views:create": Page(
            get=Level({**dict.fromkeys(ACTORS, FORBIDDEN), "anonymous": LOGIN, "departement_reader": OK}),
            post=Level({**dict.fromkeys(ACTORS, FORBIDDEN), "anonymous": LOGIN, "departement_reader": OK}),
            kwargs=_caf_agent,
        ),
        "conventions_views:edit": Page(
            get=ADMIN,
            post=ADMIN,
            kwargs=lambda w: {"pk": w.a.pk},
            data=lambda w: {
                "title": "A",
                "start_date": "2022-01-01",
                "end_date": "2025-12-31",
                "communes": [w.own_commune.pk, w.other_commune.pk],
            },
        ),
        "conventions_views:phase_back": Page(
            get=ADMIN, post=ADMIN, kwargs=_phase_plan, data=lambda w: {"reason": "Diagnostic à reprendre."}
        ),
        "conventions_views:signatory_create": Page(
            get=ADMIN,
            post=ADMIN,
            kwargs=lambda w: {"pk": w.a.pk},
            data=lambda w: {"organisation": w.a.caf.pk, "role": SignatoryRole.CAF},
        ),
        "conventions_views:signatory_edit": Page(
            get=ADMIN,
            post=ADMIN,
            kwargs=_signatory_of_a,
            data=lambda w: {"organisation": w.a.caf.pk, "role": SignatoryRole.CAF, "represented_by": "la Directrice"},
        ),
        "conventions_views:signatory_delete": Page(get=ADMIN, post=ADMIN, kwargs=_signatory_of_a),
        "conventions_views:document_create": Page(
            get=ADMIN,
            post=ADMIN,
            kwargs=lambda w: {"pk": w.a.pk},
            data=lambda w: {"kind": DocumentKind.SIGNED, "dated": "2022-03-01", "file": _RewindingFile(minimal_pdf())},
        ),
        "conventions_views:document_download": Page(get=READER, post=NOT_ALLOWED, kwargs=_document_of_a),
        "conventions_views:document_delete": Page(get=ADMIN, post=ADMIN, kwargs=_document_of_a),
    }
)


EXCLUDED_NAMESPACES = {"admin"}


def project_url_names() -> dict[str, list[str]]:
    """Every named URL of the project (outside the admin) with the names of its kwargs."""
    names = {}

    def walk(patterns, namespace, parent_kwargs):
        for pattern in patterns:
            # Kwargs of an include's prefix (conventions/<int:convention_pk>/plan/) belong to every child URL.
            kwargs = [*parent_kwargs, *pattern.pattern.regex.groupindex]
            if isinstance(pattern, URLResolver):
                child = namespace
                if pattern.namespace:
                    child = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                if child and child.split(":")[0] in EXCLUDED_NAMESPACES:
                    continue
                walk(pattern.url_patterns, child, kwargs)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names[f"{namespace}:{pattern.name}" if namespace else pattern.name] = kwargs

    walk(get_resolver().url_patterns, "", [])
    return names


def test_every_url_has_an_expectation():
    routed = project_url_names()
    missing = sorted(set(routed) - set(PAGES))
    stale = sorted(set(PAGES) - set(routed))
    assert not missing, "URLs without an entry in PAGES (tests/www/test_authorization_matrix.py):\n" + "\n".join(
        missing
    )
    assert not stale, "Entries in PAGES for URLs that no longer exist:\n" + "\n".join(stale)


def _kwargs(page: Page, world: World, name: str) -> dict:
    if page.kwargs:
        return page.kwargs(world)
    kwargs = {}
    for key in project_url_names().get(name, []):
        if key in ("convention_pk", "pk"):
            kwargs[key] = world.a.pk
        else:
            raise AssertionError(f"{name}: give a kwargs function for '{key}'")
    return kwargs


def outcome(response):
    if response.status_code in (301, 302, 303, 307, 308):
        login_url = reverse("accounts_views:login")
        return LOGIN if response["Location"].startswith(login_url + "?") else OK
    if 200 <= response.status_code < 300:
        return OK
    return response.status_code


def check_security_headers(response) -> str | None:
    policy = response.get("Content-Security-Policy", "")
    if not policy:
        return "no Content-Security-Policy header"
    if "unsafe-inline" in policy or "unsafe-eval" in policy:
        return f"weak Content-Security-Policy: {policy}"
    return None


def run_matrix(name: str, method: str, page: Page, world: World):
    world.log_in_everyone()
    url = reverse(name, kwargs=_kwargs(page, world, name))
    data = page.data(world) if page.data else {}
    expected = getattr(page, method).outcomes
    mismatches = []
    for actor in ACTORS:
        with transaction.atomic():
            client = world.client(actor)
            response = getattr(client, method)(url, data)
            got = outcome(response)
            if got != expected[actor]:
                mismatches.append(f"  {actor:<20} expected {expected[actor]!s:<6} got {got} ({response.status_code})")
            header_problem = check_security_headers(response)
            if header_problem:
                mismatches.append(f"  {actor:<20} {header_problem}")
            if response.streaming:
                # Consuming the stream closes the file through the test client's wrapper.
                b"".join(response.streaming_content)
            transaction.set_rollback(True)
    assert not mismatches, f"{method.upper()} {url} ({name}):\n" + "\n".join(mismatches)


@pytest.fixture(scope="class")
def shared_world(django_db_setup, django_db_blocker):
    """The World with its visitors logged in, built once for the tests of a class and rolled back after them.

    Its transaction stays open while they run; each test's own transaction is a savepoint inside it, rolled back at
    the test's end, so no test sees what another one did. The tests that follow find the database as it was.
    """

    def build():
        world = World()
        world.log_in_everyone()
        return world

    yield from held(django_db_blocker, build)


@pytest.fixture
def world(shared_world, db):
    """The test's own copy of the shared World: an attribute an entry changes stays in that test."""
    return copy.deepcopy(shared_world)


@pytest.mark.django_db
class TestEveryPage:
    """Every page × every visitor, on one World shared by the tests of the class."""

    @pytest.mark.parametrize("name", sorted(PAGES))
    @pytest.mark.parametrize("method", ["get", "post"])
    def test_authorization_matrix(self, name, method, world):
        if name not in project_url_names():
            pytest.skip(f"{name} is not routed (see test_every_url_has_an_expectation)")
        run_matrix(name, method, PAGES[name], world)

    @pytest.mark.parametrize("name", sorted(PAGES))
    def test_post_without_csrf_token_is_refused(self, name, world):
        """Every page that accepts a POST from its administrator refuses it without the CSRF token."""
        page = PAGES[name]
        if name not in project_url_names():
            pytest.skip(f"{name} is not routed")
        url = reverse(name, kwargs=_kwargs(page, world, name))
        if page.post.outcomes["administrateur"] == NOT_ALLOWED_STATUS:
            return
        client = world.client("administrateur", enforce_csrf_checks=True)
        response = client.post(url, page.data(world) if page.data else {})
        assert response.status_code == 403, f"{name} accepted a POST without CSRF token ({response.status_code})"


@pytest.mark.django_db
def test_admin_refuses_non_staff(client):
    world = World()
    client.force_login(world.users["administrateur"])
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    client.logout()
    response = client.get("/admin/")
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/securityevent/").status_code == 200


@pytest.mark.django_db
def test_another_conventions_object_by_id_is_404(client):
    """A member of B asking for A's pages by id gets 404, exactly like an id that does not exist."""
    world = World()
    client.force_login(world.users["member_b"])
    for url in [
        reverse("conventions_views:detail", kwargs={"pk": world.a.pk}),
        reverse("accounts_views:members", kwargs={"convention_pk": world.a.pk}),
        reverse(
            "accounts_views:member_role", kwargs={"convention_pk": world.a.pk, "pk": world.membership("lecteur").pk}
        ),
        reverse("accounts_views:journal", kwargs={"convention_pk": world.a.pk}),
    ]:
        assert client.get(url).status_code in (404, 405), url
        assert client.post(url).status_code == 404, url
    # Through B's own URLs, ids of A's objects are unknown too.
    for name, kwargs in [
        ("plans_views:action_edit", {"convention_pk": world.b.pk, "pk": own_action(world).pk}),
        ("plans_views:objective_edit", {"convention_pk": world.b.pk, "pk": _objective(world)["pk"]}),
        ("diagnostic_views:edit", {"convention_pk": world.b.pk, "pk": _enjeu(world)["pk"]}),
        ("offer_views:edit", {"convention_pk": world.b.pk, "pk": _own_commune_offer(world)["pk"]}),
        ("steering_views:body_edit", {"convention_pk": world.b.pk, "pk": _body_of_a(world)["pk"]}),
        ("steering_views:member_edit", {**_member_of_a(world), "convention_pk": world.b.pk}),
        ("steering_views:meeting_edit", {"convention_pk": world.b.pk, "pk": _meeting_of_a(world)["pk"]}),
        ("steering_views:agenda_item_edit", {**_agenda_item_of_a(world), "convention_pk": world.b.pk}),
    ]:
        if name in project_url_names():
            assert client.get(reverse(name, kwargs=kwargs)).status_code == 404, name
            assert client.post(reverse(name, kwargs=kwargs)).status_code == 404, name
    # B's administrator cannot reach A's membership through B's URL either.
    url = reverse(
        "accounts_views:member_remove", kwargs={"convention_pk": world.b.pk, "pk": world.membership("lecteur").pk}
    )
    assert client.post(url).status_code == 404
    assert world.membership("lecteur")


@pytest.mark.django_db
def test_unpublished_public_page_is_404_for_everyone():
    world = World()
    url = reverse("public_views:convention", kwargs={"pk": world.a.pk})
    assert Client().get(url).status_code == 404
    client = Client()
    client.force_login(world.users["administrateur"])
    assert client.get(url).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_pilot_edits_only_the_actions_they_pilot(method):
    """A pilot opens and saves the fiche of an action they pilot, and gets 403 on any other action."""
    if "plans_views:action_edit" not in project_url_names():
        pytest.skip("plans_views:action_edit is not routed yet")

    def action_of(actor):
        return lambda w: {"convention_pk": w.a.pk, "pk": ActionFactory(convention=w.a, pilot_user=w.user(actor)).pk}

    world = World()
    piloted = Page(get=PILOT_EDITOR, post=PILOT_EDITOR, kwargs=action_of("pilote"))
    run_matrix("plans_views:action_edit", method, piloted, world)
    # Piloted by someone else: the pilot is refused like any non-editor member.
    not_piloted = Page(get=EDITOR, post=EDITOR, kwargs=action_of("contributeur"))
    run_matrix("plans_views:action_edit", method, not_piloted, world)


def test_web_code_reads_conventions_only_through_scoped_querysets():
    """Every convention lookup of the web layer goes through for_user() (or public() for the public page)."""
    import re
    from pathlib import Path

    www = Path(__file__).resolve().parents[2] / "ctg" / "www"
    unscoped = []
    for path in sorted(www.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if re.search(r"Convention\.objects(?!\.(for_user|public)\()", line) or re.search(
                r"get_object_or_404\(\s*Convention\s*[,)]", line
            ):
                unscoped.append(f"{path.relative_to(www)}:{number}: {line.strip()}")
    assert not unscoped, "Unscoped convention lookups:\n" + "\n".join(unscoped)
