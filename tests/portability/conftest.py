import datetime
import io
import json
import zipfile
import zoneinfo
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.urls import reverse

from ctg.conventions.enums import DocumentKind, Phase
from ctg.conventions.models import Theme
from ctg.conventions.services import convention_change_phase, document_attach
from ctg.diagnostic.models import Enjeu
from ctg.diagnostic.services import enjeu_create, enjeu_validate
from ctg.evaluation.enums import Achievement, SnapshotKind
from ctg.evaluation.selectors import partner_organisations
from ctg.evaluation.services import (
    action_evaluation_save,
    convention_evaluation_save,
    partner_answer_save,
    partner_survey_open,
    snapshot_take,
)
from ctg.indicators.services import indicators_compute
from ctg.offer.demo import load_demo_offer
from ctg.offer.enums import OfferKind
from ctg.offer.services import offer_item_create
from ctg.opendata.services import local_data_import
from ctg.plans import services as plans
from ctg.plans.demo import load_demo_plan
from ctg.plans.enums import ActionStatus
from ctg.plans.models import Action, Objective
from ctg.portability.parts import PARTS_BY_LABEL
from ctg.steering import services as steering
from ctg.steering.demo import load_demo_steering
from ctg.steering.enums import BodyKind, DecisionSubject, MeetingState, OutcomeKind, Presence
from ctg.steering.models import Body, Meeting
from ctg.territories.models import Commune
from tests.conventions.factories import minimal_pdf, pdf_upload
from tests.indicators.factories import DatasetFactory, ObservationFactory

LOCAL_DATA = (
    "code_geo;niveau;variable;annee;valeur\n"
    "76114;commune;NB_PLACES_LOCALES;2024;120\n"
    "200010700;epci;NB_PLACES_LOCALES;2024;410\n"
)


@pytest.fixture(autouse=True)
def own_media_root(settings, tmp_path):
    """Files of these tests in their own folder: what an import leaves behind is seen, not another test's files."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def full_convention(caux_seine, tmp_path):
    """The demo convention with its offer and plan, and one of every kind of object an archive holds: local theme
    and data, enjeux, objectives, sub-action, milestones (one deleted), notes, links, measures, a deleted fiche."""
    convention = caux_seine["convention"]
    users = {account.username: user for account, user in caux_seine["accounts"]}
    coordination = users["coordination"]
    load_demo_offer(convention=convention, by=coordination)
    load_demo_plan(convention=convention)
    convention_change_phase(convention=convention, phase=Phase.PLAN, by=coordination)
    local = Theme.objects.create(convention=convention, code="mobilite", label="Mobilité des familles", order=200)
    reference = Theme.objects.reference().order_by("order").first()
    enjeu = enjeu_create(
        convention=convention,
        theme=reference,
        title="Places d'accueil du jeune enfant",
        text="Le territoire manque de places.",
        indicator_codes=["taux_couverture_eaje"],
        by=coordination,
    )
    enjeu_validate(enjeu=enjeu, validated_on=datetime.date(2022, 3, 1), by=coordination)
    other = enjeu_create(
        convention=convention, theme=local, title="Transports", text="Les familles se déplacent mal.", by=coordination
    )
    strategic = plans.objective_create(
        convention=convention, theme=local, code="OS-1", title="Accueillir", by=coordination
    )
    operational = plans.objective_create(
        convention=convention,
        theme=local,
        code="OO-1.1",
        title="Ouvrir des places",
        parent=strategic,
        by=coordination,
    )
    # Linked to enjeux without a history record of the link: the activity log fails on an objective's enjeux
    # change (ctg/plans/history.py diffs the objective's many-to-many field as a plain one).
    links = Objective.enjeux.through
    links.objects.create(objective=strategic, enjeu=enjeu)
    links.objects.create(objective=operational, enjeu=enjeu)
    links.objects.create(objective=operational, enjeu=other)
    action = Action.objects.get(convention=convention, code="DIAG-01")
    bolbec = Commune.objects.get(code="76114")
    action = plans.action_update(
        action=action,
        expected_version=action.version,
        by=coordination,
        pilot_user=users["pilote"],
        communes=[bolbec],
        objectives=[strategic],
        progress_manual=40,
    )
    sub = plans.action_create(
        convention=convention, code="DIAG-01.1", title="Pré-diagnostic", parent=action, by=users["pilote"]
    )
    done = plans.milestone_create(
        action=action, title="Restitution", due_date=datetime.date(2022, 2, 1), by=coordination
    )
    plans.milestone_update(milestone=done, expected_version=done.version, done_date=datetime.date(2022, 2, 3))
    dropped = plans.milestone_create(action=action, title="Atelier abandonné", by=coordination)
    plans.milestone_delete(milestone=dropped, by=coordination)
    plans.note_create(action=action, date=datetime.date(2022, 1, 10), text="Comité réuni.", by=users["pilote"])
    plans.link_create(action=sub, label="Compte rendu", url="https://example.org/cr", by=coordination)
    indicator = plans.indicator_create(
        convention=convention,
        objective=strategic,
        code="OS-1-I1",
        label="Places d'accueil",
        unit="places",
        source="Registre de l'agglomération",
        baseline_value=Decimal("167"),
        baseline_date=datetime.date(2022, 1, 1),
        by=coordination,
    )
    plans.target_set(indicator=indicator, date=datetime.date(2024, 12, 31), value=Decimal("200"), by=coordination)
    plans.measure_create(
        indicator=indicator, date=datetime.date(2023, 6, 30), value=Decimal("181.5"), source="Agglo", by=coordination
    )
    gone = plans.action_create(convention=convention, code="TMP-01", title="Fiche retirée", by=coordination)
    plans.milestone_create(action=gone, title="Jalon de la fiche retirée", by=coordination)
    plans.action_delete(action=gone, by=coordination)
    offer_item_create(
        convention=convention,
        kind=OfferKind.RPE,
        name="Relais de Bolbec",
        commune=bolbec,
        source="Agglo, 2023",
        reference_year=2023,
        capacity=None,
        covered_communes=list(Commune.objects.filter(code__in=["76114", "76476"])),
        by=coordination,
    )
    # Governance: the demo COPIL met, a decision carried out on DIAG-01, a task, a guest and the minutes.
    load_demo_steering(convention=convention)
    copil = Body.objects.get(convention=convention, kind=BodyKind.COPIL)
    meeting = steering.meeting_create(
        body=copil,
        starts_at=datetime.datetime(2022, 3, 1, 14, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Paris")),
        place="Siège de l'agglomération (réunion fictive)",
        by=coordination,
    )
    item = steering.agenda_item_create(
        meeting=meeting, title="Lancement du diagnostic", action=action, by=coordination
    )
    steering.guest_add(meeting=meeting, name="Invitée fictive", organisation="ARFOS", by=coordination)
    steering.meeting_transition(meeting=meeting, state=MeetingState.TENUE, by=coordination)
    steering.attendance_set(
        meeting=meeting,
        presences={member.pk: Presence.PRESENT for member in copil.members.all()},
        by=coordination,
    )
    steering.outcome_create(
        agenda_item=item,
        kind=OutcomeKind.DECISION,
        subject=DecisionSubject.ACTION_STATUS,
        action=action,
        new_status=ActionStatus.EN_PAUSE,
        text="Le COPIL lance le diagnostic.",
        by=coordination,
    )
    steering.outcome_create(
        agenda_item=item,
        kind=OutcomeKind.TASK,
        text="Envoyer le calendrier des ateliers.",
        assignee=users["pilote"],
        due_date=datetime.date(2022, 3, 15),
        by=coordination,
    )
    steering.minutes_save(meeting=meeting, texts={item.pk: "Le diagnostic est lancé."}, by=coordination)
    # Evaluation: the diagnostic frozen at the signature (test figures of an official dataset), and DIAG-01's grid.
    census = DatasetFactory(title="Recensement (valeurs de test)", vintage="2022", geography_year=2025)
    for code, population in (("76114", 1000), ("76476", 2000)):
        ObservationFactory(dataset=census, code=code, variable="P22_POP", year=2022, value=population)
    indicators_compute(codes=["population"])
    snapshot_take(
        convention=convention,
        kind=SnapshotKind.SIGNATURE,
        reference_date=datetime.date(2021, 9, 6),
        reconstructed=True,
        by=coordination,
    )
    action_evaluation_save(
        action=Action.objects.get(pk=action.pk),
        data={"pertinence_level": Achievement.ATTEINT, "pertinence_justification": "Diagnostic partagé en COPIL."},
        by=coordination,
    )
    # The final evaluation: conclusions, and the partners' questionnaire with one answer entered on behalf.
    convention_evaluation_save(
        convention=convention,
        conclusions="Conclusions de test.",
        recommendations="Recommandations de test.",
        by=coordination,
    )
    survey = partner_survey_open(convention=convention, by=coordination)
    partner_answer_save(
        survey=survey,
        organisation=partner_organisations(convention=convention)[0],
        data={"comment": "Réponse de test saisie pour le partenaire."},
        on_behalf=True,
        by=coordination,
    )
    # The signed convention, a PDF stored through Django's storage.
    document_attach(
        convention=convention,
        kind=DocumentKind.SIGNED,
        dated=datetime.date(2021, 9, 6),
        file=pdf_upload("CTG Caux Seine signée.pdf", minimal_pdf("CTG Caux Seine agglo")),
        by=coordination,
    )
    path = tmp_path / "places.csv"
    path.write_text(LOCAL_DATA, encoding="utf-8")
    local_data_import(convention=convention, path=path, by=coordination)
    convention.refresh_from_db()
    return {"convention": convention, "users": users, "actions": ["DIAG-01", "DIAG-01.1", "PE-02"]}


class _Text(HTMLParser):
    """The visible text of a page, without scripts, styles or attributes (where identifiers and tokens live)."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.parts.append(" ".join(data.split()))


def page_text(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.parts


def convention_pages(client, convention) -> dict[str, list[str]]:
    """The text of the convention's pages: detail, plan, history, offer, diagnostic, enjeux, local data, fiches."""
    pk = convention.pk
    urls = {
        "détail": reverse("conventions_views:detail", args=[pk]),
        "plan": reverse("plans_views:index", args=[pk]),
        "historique": reverse("plans_views:activity", args=[pk]),
        "offre": reverse("offer_views:index", args=[pk]),
        "diagnostic": reverse("indicators_views:index", args=[pk]),
        "enjeux": reverse("diagnostic_views:index", args=[pk]),
        "données locales": reverse("local_data_views:index", args=[pk]),
    }
    urls["pilotage"] = reverse("steering_views:index", args=[pk])
    urls["évaluation"] = reverse("evaluation_views:index", args=[pk])
    for body in Body.objects.filter(convention=convention).order_by("kind"):
        urls[f"instance {body.kind}"] = reverse("steering_views:body_detail", args=[pk, body.pk])
    for meeting in Meeting.objects.filter(body__convention=convention).order_by("starts_at"):
        urls[f"réunion du {meeting.starts_at:%Y-%m-%d}"] = reverse(
            "steering_views:meeting_detail", args=[pk, meeting.pk]
        )
        urls[f"compte rendu du {meeting.starts_at:%Y-%m-%d}"] = reverse(
            "steering_views:minutes", args=[pk, meeting.pk]
        )
    for action in Action.objects.filter(convention=convention).order_by("code"):
        urls[f"fiche {action.code}"] = reverse("plans_views:action_detail", args=[pk, action.pk])
        urls[f"grille {action.code}"] = reverse("evaluation_views:action_grid", args=[pk, action.pk])
    pages = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        pages[name] = page_text(response.content.decode())
    return pages


def read_archive(content: bytes) -> tuple[dict, dict]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return json.loads(archive.read("manifest.json")), json.loads(archive.read("data.json"))


def write_archive(manifest: dict, data, *, raw_data: bytes | None = None, files: dict | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("manifest.json", json.dumps(manifest))
        archive.writestr("data.json", raw_data if raw_data is not None else json.dumps(data))
        for name, content in (files or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def canonical(content: bytes) -> dict:
    """An archive without its identifiers: objects of the archive by their rank, people by e-mail, organisations
    by type and name. Two exports of the same convention on two instances give the same result."""
    _, data = read_archive(content)
    users = {key: entry.get("email", "compte supprimé") for key, entry in data["users"].items()}
    organisations = {key: (entry["kind"], entry["name"]) for key, entry in data["organisations"].items()}
    ranks = {label: {row["pk"]: i for i, row in enumerate(rows)} for label, rows in data["objects"].items()}

    def value(field, raw):
        if raw is None or not field.is_relation:
            return raw
        label = field.related_model._meta.label_lower
        if label == "accounts.user":
            return users[str(raw)]
        if label == "organisations.organisation":
            return organisations[str(raw)]
        if isinstance(raw, int) and label in ranks:
            return ranks[label].get(raw, "supprimé")
        if isinstance(raw, dict) and "local" in raw:
            return {"local": ranks["conventions.theme"][raw["local"]]}
        return raw

    def row(model, fields):
        return {name: value(model._meta.get_field(name), raw) for name, raw in sorted(fields.items())}

    out: dict = {}
    for label, rows in data["objects"].items():
        model = PARTS_BY_LABEL[label].model
        out[label] = [
            {
                "fields": row(model, entry["fields"]),
                "m2m": {
                    name: sorted(map(str, (value(model._meta.get_field(name), v) for v in values)))
                    for name, values in entry.get("m2m", {}).items()
                },
            }
            for entry in rows
        ]
    for label, section in data["history"].items():
        history_model = PARTS_BY_LABEL[label].model.history.model
        records = []
        for record in section["records"]:
            fields = {k: v for k, v in record.items() if k not in ("history_id", "id")}
            records.append({**row(history_model, fields), "id": ranks[label].get(record["id"], "supprimé")})
        out[f"historique {label}"] = records
        links = section["m2m"]
        out[f"historique des liens {label}"] = {name: len(rows) for name, rows in links.items()}
    return out


def database_counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()}


def delete_convention(convention) -> None:
    """Remove a convention from this database, as if it had never been here (what uses its local themes first)."""
    for document in convention.documents.all():
        document.file.delete(save=False)
    Objective.objects.filter(convention=convention).delete()
    Enjeu.objects.filter(convention=convention).delete()
    convention.delete()
