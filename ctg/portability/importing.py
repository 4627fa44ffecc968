"""Writing an archived convention into this instance, with new identifiers and references matched here."""

import datetime
from collections import defaultdict
from pathlib import PurePosixPath
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, models
from django.utils import timezone

from ctg.accounts.models import User
from ctg.conventions.models import Convention, Theme
from ctg.core.saving import model_save
from ctg.opendata.models import Dataset
from ctg.organisations.models import Organisation
from ctg.portability.archive import (
    DATA,
    HISTORY_KEY_FIELDS,
    TERRITORIES,
    ArchiveError,
    ImportReport,
    field_name,
    label,
    what,
)
from ctg.portability.parts import PARTS, PARTS_BY_LABEL, Part
from ctg.territories.models import EPCI, Commune, Departement


def plain_value(field, value, where: str):
    """A stored value read back by its field, refused with the object and the field named."""
    try:
        return field.to_python(value)
    except ValidationError as exc:
        raise ArchiveError(f"{where}, champ {field_name(field)} : {' '.join(exc.messages)}") from None


class Importer:
    def __init__(self, data: dict, *, by, as_new: bool, report: ImportReport, files: dict[str, bytes] | None = None):
        self.data = data
        self.files = files or {}
        self.stored: dict[str, str] = {}  # path in the archive -> name stored on this instance
        self.saved: list[tuple[Any, str]] = []  # (storage, name) of every file written, removed on a refusal
        self.by = by
        self.as_new = as_new
        self.report = report
        self.ids: dict[type[models.Model], dict[int, int]] = defaultdict(dict)
        self.users: dict[str, int] = {}
        self.organisations: dict[str, int] = {}
        self.themes = dict(Theme.objects.reference().values_list("code", "pk"))
        self.territories: dict[type[models.Model], set[str]] = {}
        self.root_old: int = 0

    # References ---------------------------------------------------------------------------------------------------

    def territory_exists(self, model: type[models.Model], code: str) -> bool:
        if model not in self.territories:
            self.territories[model] = set(model._base_manager.values_list("pk", flat=True))
        return code in self.territories[model]

    def ref(self, field: models.Field, value: Any, *, where: str, history: bool) -> Any:
        """The identifier on this instance of what an archived reference names; ArchiveError when it names nothing."""
        if value is None:
            return None
        target = field.related_model
        problem = f"{where}, champ {field_name(field)}"
        if target is Convention:
            return self.convention_ref(value, problem=problem, history=history)
        if target is Theme:
            return self.theme_ref(value, problem=problem)
        if target is User or target is Organisation:
            table, section = (
                (self.users, "des membres") if target is User else (self.organisations, "des organisations")
            )
            if str(value) not in table:
                raise ArchiveError(f"{problem} : absente de la liste {section} de l'archive.")
            return table[str(value)]
        if target in TERRITORIES:
            return self.territory_ref(target, value, problem=problem, history=history)
        if target is Dataset and isinstance(value, dict):
            dataset = Dataset.objects.official().filter(sha256=value.get("sha256")).values_list("pk", flat=True)
            if not dataset and not history:
                raise ArchiveError(f"{problem} : jeu de données officiel introuvable sur cette instance.")
            return dataset.first()
        if label(target) in PARTS_BY_LABEL:  # type: ignore[arg-type]
            return self.internal(target, value, problem=problem)  # type: ignore[arg-type]
        raise ArchiveError(f"{problem} : relation non prévue par l'archive.")

    def convention_ref(self, value: Any, *, problem: str, history: bool) -> int | None:
        if isinstance(value, dict) and isinstance(value.get("convention"), dict):
            return self.other_convention(value["convention"], where=problem, history=history)
        if value != self.root_old:
            raise ArchiveError(f"{problem} : rattaché à une autre convention que celle de l'archive.")
        return self.ids[Convention][value]

    def theme_ref(self, value: Any, *, problem: str) -> int:
        if isinstance(value, dict) and "theme" in value:
            if value["theme"] not in self.themes:
                raise ArchiveError(f"{problem} : thématique de référence inconnue ({value['theme']}).")
            return self.themes[value["theme"]]
        if isinstance(value, dict) and "local" in value:
            return self.internal(Theme, value["local"], problem=problem)
        raise ArchiveError(f"{problem} : référence de thématique invalide.")

    def territory_ref(self, target: type[models.Model], value: Any, *, problem: str, history: bool) -> str:
        if not isinstance(value, str):
            raise ArchiveError(f"{problem} : code géographique invalide.")
        # History records keep a code that left the referential; a live object needs it.
        if not history and not self.territory_exists(target, value):
            raise ArchiveError(
                f"{problem} : {target._meta.verbose_name} {value} absente du référentiel de cette instance."
            )
        return value

    def other_convention(self, key: dict, *, where: str, history: bool) -> int | None:
        """Another convention (the previous one of a renewal), found by its EPCI and period when it is here."""
        try:
            start, end = (datetime.date.fromisoformat(key[name]) for name in ("start_date", "end_date"))
        except (KeyError, TypeError, ValueError):
            raise ArchiveError(f"{where} : période de convention invalide.") from None
        found = Convention.objects.filter(epci_id=key.get("epci"), start_date=start, end_date=end).first()
        if history:
            return found.pk if found else None
        if found is None or Convention.objects.filter(previous=found).exists():
            self.report.notes.append(
                f"{where} : la convention {key.get('epci')} {start.year}-{end.year} n'est pas sur cette instance "
                "(ou a déjà une suite) ; le lien est laissé vide."
            )
            return None
        return found.pk

    def internal(self, model: type[models.Model], value: Any, *, problem: str) -> int:
        try:
            return self.ids[model][value]
        except (KeyError, TypeError):
            raise ArchiveError(f"{problem} : désigne un objet absent de l'archive (n° {value!r}).") from None

    # Files --------------------------------------------------------------------------------------------------------

    def check_file(self, field: models.Field, value: Any, *, where: str) -> str:
        if value == "" and field.blank:
            return ""
        if not isinstance(value, str) or value not in self.files:
            raise ArchiveError(f"{where}, champ {field_name(field)} : fichier {value!r} absent de l'archive.")
        return value

    def store_file(self, obj: models.Model, field: models.Field, path: str) -> None:
        """Write the archive's file through the field's storage, under the name the field gives on this instance."""
        if not path:
            return
        storage = field.storage  # type: ignore[attr-defined]
        name = storage.save(
            field.generate_filename(obj, PurePosixPath(path).name),  # type: ignore[attr-defined]
            ContentFile(self.files[path]),
        )
        self.saved.append((storage, name))
        self.stored.setdefault(path, name)
        setattr(obj, field.attname, name)

    def discard_files(self) -> None:
        for storage, name in self.saved:
            storage.delete(name)
        self.saved.clear()

    # People and organisations -------------------------------------------------------------------------------------

    def resolve_organisations(self) -> None:
        for key, entry in sorted(self.data["organisations"].items()):
            if not isinstance(entry, dict) or not entry.get("kind") or not entry.get("name"):
                raise ArchiveError(f"Organisation n° {key} de l'archive : type et nom obligatoires.")
            kind, name, siren = entry["kind"], entry["name"], entry.get("siren") or ""
            found = None
            if siren:
                same_siren = list(Organisation.objects.filter(kind=kind, siren=siren))
                found = next((o for o in same_siren if o.name == name), same_siren[0] if same_siren else None)
            if found is None:
                found = Organisation.objects.filter(kind=kind, name=name).first()
            if found is not None:
                self.report.organisations_matched += 1
            else:
                territory = {}
                for field, model in (("commune", Commune), ("epci", EPCI), ("departement", Departement)):
                    code = entry.get(field)
                    if code and self.territory_exists(model, code):
                        territory[f"{field}_id"] = code
                found = Organisation(
                    kind=kind,
                    name=name,
                    siren=siren,
                    siret=str(entry.get("siret") or ""),
                    proconnect_required=bool(entry.get("proconnect_required")),
                    **territory,
                )
                try:
                    model_save(found, by=self.by)
                except ValidationError as exc:
                    raise ArchiveError(f"Organisation « {name} » de l'archive : {' '.join(exc.messages)}") from None
                self.report.organisations_created.append(f"{name} ({found.get_kind_display()})")
            self.organisations[key] = found.pk

    def resolve_users(self) -> None:
        for key, entry in sorted(self.data["users"].items()):
            if not isinstance(entry, dict):
                raise ArchiveError(f"Personne n° {key} de l'archive : description invalide.")
            if entry.get("deleted"):
                self.users[key] = self.deleted_account().pk
                continue
            email = entry.get("email")
            if not isinstance(email, str) or "@" not in email:
                raise ArchiveError(f"Personne n° {key} de l'archive : adresse électronique manquante.")
            user = User.objects.filter(email__iexact=email).first()
            if user is not None:
                self.report.users_matched.append(email)
            else:
                user = self.new_account(entry, email)
                self.report.users_created.append(email)
            self.users[key] = user.pk

    def new_account(self, entry: dict, email: str) -> User:
        """An inactive account without a usable password: its owner sets one with « mot de passe oublié »."""
        username = email[:150]
        suffix = 1
        while User.objects.filter(username=username).exists():
            suffix += 1
            username = f"{email[:140]}-{suffix}"
        organisation = entry.get("organisation")
        user = User(
            username=username,
            email=email,
            first_name=str(entry.get("first_name") or "")[:150],
            last_name=str(entry.get("last_name") or "")[:150],
            is_active=False,
            organisation_id=self.organisations.get(str(organisation)) if organisation is not None else None,
        )
        user.set_unusable_password()
        try:
            user.full_clean()
        except ValidationError as exc:
            raise ArchiveError(f"Personne {email} de l'archive : {' '.join(exc.messages)}") from None
        user.save()
        return user

    def deleted_account(self) -> User:
        """A deleted person of the archive: a scrubbed account of its own, so that history still names no one."""
        user = User(username=f"compte-supprime-import-{timezone.now():%Y%m%d%H%M%S%f}", is_active=False)
        user.set_unusable_password()
        user.deleted_at = timezone.now()
        user.save()
        user.username = f"compte-supprime-{user.pk}"
        user.email = f"compte-supprime-{user.pk}@pilote-ctg.invalid"
        user.save(update_fields=["username", "email"])
        return user

    # Objects ------------------------------------------------------------------------------------------------------

    def rows(self, section: str, part: Part) -> Any:
        rows = self.data[section].get(part.label, [] if section == "objects" else {})
        expected = list if section == "objects" else dict
        if not isinstance(rows, expected):
            raise ArchiveError(f"{DATA} : la section « {section} » de {part.label} est mal formée.")
        return rows

    def check_root(self) -> None:
        rows = self.rows("objects", PARTS[0])
        if len(rows) != 1 or not isinstance(rows[0], dict) or not isinstance(rows[0].get("fields"), dict):
            raise ArchiveError("L'archive doit contenir exactement une convention.")
        if not isinstance(rows[0].get("pk"), int):
            raise ArchiveError("La convention de l'archive n'a pas d'identifiant.")
        self.root_old = rows[0]["pk"]
        fields = rows[0]["fields"]
        epci = fields.get("epci")
        if not isinstance(epci, str) or not EPCI.objects.filter(siren=epci).exists():
            raise ArchiveError(
                f"Convention « {fields.get('title')} », champ « EPCI » : l'EPCI {epci} n'existe pas dans le "
                "référentiel de cette instance (chargez-le avec import_territories)."
            )
        try:
            start, end = (datetime.date.fromisoformat(fields[name]) for name in ("start_date", "end_date"))
        except (KeyError, TypeError, ValueError):
            raise ArchiveError(f"Convention « {fields.get('title')} » : période (début, fin) invalide.") from None
        existing = Convention.objects.filter(epci_id=epci, start_date=start, end_date=end).first()
        if existing is not None and not self.as_new:
            raise ArchiveError(
                f"La convention « {existing.title} » existe déjà sur cette instance (n° {existing.pk}, même EPCI, "
                "même période) : rien n'a été importé. Pour l'importer comme une nouvelle convention, utilisez "
                "l'option --as-new."
            )

    def build(self, part: Part, row: Any, deferred: list) -> models.Model:
        model = part.model
        if not isinstance(row, dict) or not isinstance(row.get("fields"), dict):
            raise ArchiveError(f"{DATA} : un objet de {part.label} est mal formé.")
        old_pk = row.get("pk")
        where = what(model, old_pk)
        values = row["fields"]
        unknown = set(values) - {f.name for f in model._meta.concrete_fields if not f.primary_key}
        if unknown:
            raise ArchiveError(f"{where} : champ inconnu {', '.join(sorted(unknown))}.")
        if part.owner is not None and values.get(part.owner) is None:
            owner = model._meta.get_field(part.owner)
            raise ArchiveError(f"{where}, champ « {getattr(owner, 'verbose_name', part.owner)} » : obligatoire.")
        obj = model()
        files = []
        for field in model._meta.concrete_fields:
            if field.primary_key or field.name not in values:
                continue
            value = values[field.name]
            if isinstance(field, models.FileField):
                files.append((field, self.check_file(field, value, where=where)))
                continue
            if field.is_relation:
                if field.related_model is model and model is not Convention and value is not None:
                    deferred.append((obj, field, value, where))  # a parent: set once all are created
                    continue
                value = self.ref(field, value, where=where, history=False)
            else:
                value = plain_value(field, value, where)
            setattr(obj, field.attname, value)
        for field, path in files:  # once the other fields are set: the stored name may use them
            self.store_file(obj, field, path)
        try:
            obj.full_clean()
        except ValidationError as exc:
            raise ArchiveError(f"{where}{_fields_of(model, exc)} : {' '.join(exc.messages)}") from None
        return obj

    def create_objects(self) -> None:
        links: list[tuple[models.Model, Part, dict, str]] = []
        for part in PARTS:
            deferred: list = []
            rows = self.rows("objects", part)
            for row in rows:
                obj = self.build(part, row, deferred)
                # Raw, like loaddata: auto_now dates keep their value and no history record is added.
                obj.save_base(raw=True)
                old = row.get("pk")
                if not isinstance(old, int) or old in self.ids[part.model]:
                    raise ArchiveError(f"{DATA} : identifiant manquant ou en double dans {part.label} ({old!r}).")
                self.ids[part.model][old] = obj.pk
                if row.get("m2m"):
                    links.append((obj, part, row["m2m"], what(part.model, old)))
            for obj, field, value, where in deferred:
                new = self.internal(part.model, value, problem=f"{where}, champ {field_name(field)}")
                part.model._base_manager.filter(pk=obj.pk).update(**{field.attname: new})
            self.report.created[str(part.model._meta.verbose_name_plural)] = len(rows)
        for obj, part, many, where in links:
            self.set_links(obj, part, many, where)

    def set_links(self, obj: models.Model, part: Part, many: Any, where: str) -> None:
        if not isinstance(many, dict):
            raise ArchiveError(f"{where} : liens mal formés.")
        for name, values in many.items():
            try:
                field = part.model._meta.get_field(name)
            except FieldDoesNotExist:
                field = None
            if field is None or not field.many_to_many or not isinstance(values, list):
                raise ArchiveError(f"{where} : lien inconnu {name}.")
            through = field.remote_field.through  # type: ignore[union-attr]
            source = field.m2m_field_name()  # type: ignore[union-attr]
            target = field.m2m_reverse_field_name()  # type: ignore[union-attr]
            targets = {self.ref(field, value, where=where, history=False) for value in values}  # type: ignore[arg-type]
            # Rows of the link table themselves: `.set()` would add a history record of the change.
            through.objects.bulk_create(
                [through(**{f"{source}_id": obj.pk, f"{target}_id": pk}) for pk in sorted(targets, key=str)]
            )

    # History ------------------------------------------------------------------------------------------------------

    def create_history(self) -> None:
        for part in PARTS:
            if part.history_model is None:
                continue
            section = self.rows("history", part)
            records = section.get("records", [])
            if not isinstance(records, list):
                raise ArchiveError(f"{DATA} : historique de {part.label} mal formé.")
            archived = {r.get("id") for r in records if isinstance(r, dict)}
            if any(not isinstance(old, int) for old in archived):
                raise ArchiveError(f"{DATA} : historique de {part.label} : identifiant d'objet invalide.")
            gone = sorted(old for old in archived if isinstance(old, int) and old not in self.ids[part.model])
            # Objects deleted before the export keep their history under identifiers no new object will take.
            for old, new in zip(gone, _reserve_ids(part.model, len(gone)), strict=True):
                self.ids[part.model][old] = new
            history_ids = self.create_records(part, part.history_model, records)
            links = section.get("m2m", {})
            if not isinstance(links, dict):
                raise ArchiveError(f"{DATA} : historique des liens de {part.label} mal formé.")
            self.create_record_links(part, part.history_model, links, history_ids)

    def create_records(self, part: Part, model: type[models.Model], records: list) -> dict[int, int]:
        fields = {f.name: f for f in model._meta.concrete_fields if f.name not in HISTORY_KEY_FIELDS}
        # History keeps a FileField as text: the stored name.
        file_fields = {f.name for f in part.model._meta.concrete_fields if isinstance(f, models.FileField)}
        built, olds = [], []
        for row in records:
            where = f"Historique de {part.model._meta.verbose_name}"
            if not isinstance(row, dict) or set(row) - set(fields) - {"history_id"}:
                raise ArchiveError(f"{where} : enregistrement mal formé.")
            obj = model()
            for name, field in fields.items():
                if name not in row:
                    continue
                value = row[name]
                if name == "id":
                    value = self.internal(part.model, value, problem=where)
                elif name in file_fields:
                    # The file of a live object, or none: the files of past versions do not travel.
                    value = self.stored.get(value, "") if isinstance(value, str) else ""
                elif field.is_relation:
                    value = self.ref(field, value, where=where, history=True)
                else:
                    value = plain_value(field, value, where)
                setattr(obj, field.attname, value)
            if getattr(obj, "history_date", None) is None or obj.history_type not in ("+", "~", "-"):  # type: ignore[attr-defined]
                raise ArchiveError(f"{where} : date ou type d'enregistrement manquant.")
            built.append(obj)
            olds.append(row.get("history_id"))
        created = model._base_manager.bulk_create(built, batch_size=500)
        self.report.history_records += len(created)
        return {old: obj.pk for old, obj in zip(olds, created, strict=True) if old is not None}

    def create_record_links(
        self, part: Part, model: type[models.Model], links: dict, history_ids: dict[int, int]
    ) -> None:
        throughs = {r.related_model._meta.model_name: r.related_model for r in model._meta.related_objects}
        for name, rows in links.items():
            through = throughs.get(name)
            if through is None or not isinstance(rows, list):
                raise ArchiveError(f"{DATA} : historique de liens inconnu : {name}.")
            where = f"Historique des liens de {part.model._meta.verbose_name}"
            fields = {f.name: f for f in through._meta.concrete_fields if f.name not in HISTORY_KEY_FIELDS | {"id"}}
            built = []
            for row in rows:
                if not isinstance(row, dict) or set(row) - set(fields):
                    raise ArchiveError(f"{where} : enregistrement mal formé.")
                if row.get("history") not in history_ids:
                    raise ArchiveError(f"{where} : désigne un enregistrement absent de l'archive.")
                obj = through(id=0, history_id=history_ids[row["history"]])
                for attribute, field in fields.items():
                    if attribute != "history" and attribute in row:
                        value = self.ref(field, row[attribute], where=where, history=True)
                        setattr(obj, field.attname, value)
                built.append(obj)
            through._base_manager.bulk_create(built, batch_size=500)

    def run(self) -> Convention:
        self.check_root()
        self.resolve_organisations()
        self.resolve_users()
        self.create_objects()
        self.create_history()
        return Convention.objects.get(pk=self.ids[Convention][self.root_old])


def _fields_of(model: type[models.Model], error: ValidationError) -> str:
    """The fields a validation error names, as the refusal message shows them (none for a rule on the object)."""
    names = [name for name in getattr(error, "error_dict", {}) if name != "__all__"]
    labels = []
    for name in names:
        try:
            labels.append(f"« {getattr(model._meta.get_field(name), 'verbose_name', name)} »")
        except FieldDoesNotExist:
            labels.append(f"« {name} »")
    return f", champ {', '.join(labels)}" if labels else ""


def _reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` identifiers of `model` taken from its sequence, so that no object created later will use them."""
    if count == 0:
        return []
    table = model._meta.db_table
    column = str(model._meta.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor == "sqlite":
            # AUTOINCREMENT tables: sqlite_sequence holds the largest identifier ever given.
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT MAX({connection.ops.quote_name(column)}) FROM {quoted}")  # noqa: S608
            in_table = cursor.fetchone()[0] or 0
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            found = cursor.fetchone()
            start = max(in_table, found[0] if found else 0)
            if found:
                cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [start + count, table])
            else:
                cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, start + count])
            return list(range(start + 1, start + count + 1))
    raise NotImplementedError(f"Réservation d'identifiants non prévue pour {connection.vendor}.")
