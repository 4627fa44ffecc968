"""Reading a convention out of this instance: its objects, their history, and what they name outside it."""

from pathlib import PurePosixPath
from typing import Any

from django.db import models
from django.utils import timezone

from ctg.accounts.models import User
from ctg.conventions.models import Convention, Theme
from ctg.opendata.models import Dataset
from ctg.organisations.models import Organisation
from ctg.portability.archive import HISTORY_KEY_FIELDS, TERRITORIES, ArchiveError, file_entry, plain
from ctg.portability.parts import ARCHIVE_FORMAT, ARCHIVE_VERSION, PARTS, Part


class Exporter:
    def __init__(self, convention: Convention):
        self.root = convention
        self.live: dict[type[models.Model], set[int]] = {}
        self.ever: dict[type[models.Model], set[int]] = {}
        self.users: set[int] = set()
        self.organisations: set[int] = set()
        self.files: dict[str, bytes] = {}  # by path in the archive
        self.file_entries: list[dict] = []
        self.file_paths: dict[str, str] = {}  # stored name on this instance -> path in the archive
        self.local_themes = set(Theme.objects.filter(convention=convention).values_list("pk", flat=True))

    def scope(self, part: Part) -> models.QuerySet:
        manager = part.model._base_manager
        if part.owner is None:
            return manager.filter(pk=self.root.pk)
        return manager.filter(**{f"{part.owner}_id__in": self.live[part.parent]})

    def history_scope(self, part: Part) -> models.QuerySet | None:
        if part.history_model is None:
            return None
        manager = part.history_model._base_manager
        if part.owner is None:
            return manager.filter(id=self.root.pk)
        return manager.filter(**{f"{part.owner}_id__in": self.ever[part.parent]})

    def ref(self, field: models.Field, value: Any, *, history: bool) -> Any:
        """A reference out of this instance; None in a history record when its target is gone."""
        if value is None:
            return None
        target = field.related_model
        if target is Convention:
            if value == self.root.pk:
                return value
            other = Convention.objects.filter(pk=value).first()
            if other is None:
                return None
            return {
                "convention": {
                    "epci": other.epci_id,
                    "start_date": other.start_date.isoformat(),
                    "end_date": other.end_date.isoformat(),
                }
            }
        if target is Theme:
            if value in self.local_themes:
                return {"local": value}
            code = Theme.objects.reference().filter(pk=value).values_list("code", flat=True).first()
            if code is None:
                if history:
                    return None
                raise ArchiveError(f"{field.model._meta.verbose_name} : thématique n° {value} d'une autre convention.")
            return {"theme": code}
        if target is User:
            self.users.add(value)
            return value
        if target is Organisation:
            self.organisations.add(value)
            return value
        if target in TERRITORIES:
            return value
        if target is Dataset and value not in self.ever.get(Dataset, set()):
            sha256 = Dataset.objects.filter(pk=value, convention__isnull=True).values_list("sha256", flat=True).first()
            return {"sha256": sha256} if sha256 else None
        if target in self.ever:
            if value in self.ever[target] or not history:
                return value
            return None
        raise ArchiveError(f"Relation non prévue par l'archive : {field.model._meta.label}.{field.name}.")

    def file(self, field: models.Field, name: str, *, history: bool) -> str | None:
        """The path in the archive of a stored file, read through the storage API; a history record names the file
        of a live object, or none (the files of past versions are not kept)."""
        if not name:
            return None if history else ""
        if name in self.file_paths or history:
            return self.file_paths.get(name)
        storage = field.storage  # type: ignore[attr-defined]
        try:
            with storage.open(name, "rb") as handle:
                content = handle.read()
        except FileNotFoundError:
            raise ArchiveError(
                f"{str(field.model._meta.verbose_name).capitalize()}, champ « {field.verbose_name} » : le fichier "
                f"{name} manque dans le stockage de cette instance."
            ) from None
        entry = file_entry(content, PurePosixPath(name).suffix.lower())
        if entry["path"] not in self.files:
            self.files[entry["path"]] = content
            self.file_entries.append(entry)
        self.file_paths[name] = entry["path"]
        return entry["path"]

    def record(
        self, obj: models.Model, fields: list[models.Field], *, history: bool, files: dict | None = None
    ) -> dict:
        """A row's values; `files` gives the FileFields of a history record's model (history keeps them as text)."""
        out = {}
        for field in fields:
            value = getattr(obj, field.attname)
            if isinstance(field, models.FileField) or field.name in (files or {}):
                file_field = field if isinstance(field, models.FileField) else (files or {})[field.name]
                out[field.name] = self.file(file_field, str(value or ""), history=history)
            else:
                out[field.name] = self.ref(field, value, history=history) if field.is_relation else plain(value)
        return out

    def objects(self, part: Part) -> list[dict]:
        rows = []
        fields = [f for f in part.model._meta.concrete_fields if not f.primary_key]
        many = list(part.model._meta.many_to_many)
        queryset = self.scope(part).order_by("pk").prefetch_related(*(f.name for f in many))
        for obj in queryset:
            row = {"pk": obj.pk, "fields": self.record(obj, fields, history=False)}
            if many:
                row["m2m"] = {
                    f.name: [self.ref(f, pk, history=False) for pk in sorted(o.pk for o in getattr(obj, f.name).all())]
                    for f in many
                }
            rows.append(row)
        return rows

    def history(self, part: Part) -> dict:
        queryset = self.history_scope(part)
        if queryset is None:
            return {}
        model = queryset.model
        fields = [f for f in model._meta.concrete_fields if f.name not in HISTORY_KEY_FIELDS]
        records = list(queryset.order_by("history_id"))
        files = {f.name: f for f in part.model._meta.concrete_fields if isinstance(f, models.FileField)}
        rows = []
        for obj in records:
            row = self.record(obj, [f for f in fields if f.name != "id"], history=True, files=files)
            row["id"] = obj.id
            row["history_id"] = obj.pk
            rows.append(row)
        links: dict[str, list[dict]] = {}
        record_ids = [obj.pk for obj in records]
        for relation in model._meta.related_objects:
            through = relation.related_model
            link_fields = [f for f in through._meta.concrete_fields if f.name not in HISTORY_KEY_FIELDS | {"id"}]
            links[relation.field.model._meta.model_name] = [
                {
                    **self.record(link, [f for f in link_fields if f.name != "history"], history=True),
                    "history": link.history_id,
                }
                for link in through._base_manager.filter(history_id__in=record_ids).order_by("pk")
            ]
        return {"records": rows, "m2m": links}

    def run(self) -> tuple[dict, dict]:
        objects, history, counts = {}, {}, {}
        for part in PARTS:
            self.live[part.model] = set(self.scope(part).values_list("pk", flat=True))
            scope = self.history_scope(part)
            past = set(scope.values_list("id", flat=True)) if scope is not None else set()
            self.ever[part.model] = self.live[part.model] | past
        for part in PARTS:
            objects[part.label] = self.objects(part)
            counts[part.label] = len(objects[part.label])
            if part.history_model is not None:
                history[part.label] = self.history(part)
        for user in User.objects.filter(pk__in=self.users):
            if user.organisation_id:
                self.organisations.add(user.organisation_id)
        data = {
            "users": {str(u.pk): self.user(u) for u in User.objects.filter(pk__in=self.users).order_by("pk")},
            "organisations": {
                str(o.pk): {
                    "kind": o.kind,
                    "name": o.name,
                    "siren": o.siren,
                    "siret": o.siret,
                    "proconnect_required": o.proconnect_required,
                    "commune": o.commune_id,
                    "epci": o.epci_id,
                    "departement": o.departement_id,
                }
                for o in Organisation.objects.filter(pk__in=self.organisations).order_by("pk")
            },
            "objects": objects,
            "history": history,
        }
        manifest = {
            "format": ARCHIVE_FORMAT,
            "version": ARCHIVE_VERSION,
            "exported_at": timezone.now().isoformat(),
            "convention": {
                "title": self.root.title,
                "epci": self.root.epci_id,
                "start_date": self.root.start_date.isoformat(),
                "end_date": self.root.end_date.isoformat(),
            },
            "counts": counts,
            # The files of FileFields (a signed convention's PDF...), as they are in the archive's files/ folder.
            "files": sorted(self.file_entries, key=lambda entry: entry["path"]),
        }
        return manifest, data

    def user(self, user: User) -> dict:
        if user.deleted_at:
            return {"deleted": True}
        return {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "organisation": user.organisation_id,
        }
