"""A municipality's archive (municipal.py) loaded into this Kakunin: `import_municipality`.

Every row gets a number of this service; what the rows point at follows them:
- the municipality, with its settings, under its own code (refused if it is here);
- its departments and staff: new here (a staff ID taken here is refused by name); the
  staff carry no password and set one through the password reset;
- a vendor company: the one here with the same 法人番号, else the same name, else new;
- a vendor person: the one here with the same ID and e-mail address, else the same
  e-mail address, else new (a vendor's login is one across the service);
- the service's forms, items and controls: the ones here with the same keys (a form
  not loaded here is refused by name); an advisory: the one here, else the archive's;
- evidence: each file sealed again under this service's keys, checked against the
  SHA-256 its record holds;
- its audit chain: appended to this service's chain, each event keeping its place and
  hash in the municipality's own, so `audit_verify --municipality CODE` verifies it.

It all happens in one transaction: a refusal leaves nothing behind.
"""

import hashlib
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, cast

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from kakunin.accounts.models import Organisation
from kakunin.audit.trail import carry_in
from kakunin.backups.municipal import ArchiveRefused, Opened, _event, in_order
from kakunin.catalog.models import Control, Item, Template
from kakunin.core import storage
from kakunin.core.text import say
from kakunin.crypto import keys
from kakunin.evidence.models import Evidence
from kakunin.inventory.models import Vulnerability
from kakunin.tenants.active import everywhere
from kakunin.tenants.models import Municipality

Ids = dict[str, dict]  # model label -> {number in the archive: number here}


@dataclass
class Imported:
    municipality: Municipality
    counts: dict[str, int]
    events: int
    reused: dict[str, int]  # vendor companies and people who were here already


def load(opened: Opened) -> Imported:
    data, code = opened.data, opened.manifest["municipality"]["code"]
    written: list[str] = []
    try:
        with everywhere(), transaction.atomic():
            if Municipality.objects.filter(code=code).exists():
                raise ArchiveRefused(
                    say("全国地方公共団体コード %(code)s の団体はすでにこのサービスにあります。",
                        code=code)
                )  # fmt: skip
            ids: Ids = defaultdict(dict)
            _references(opened.references, ids)
            municipality = _municipality(data, ids)
            reused = {
                "organisations": _organisations(data, ids, municipality),
                "people": _people(data, ids, municipality),
            }
            counts = _rows(data, ids, opened, written)
            events = [_event(row) for row in opened.events]
            chain = opened.manifest["chain"]
            origin = (
                (int(events[0].chain_seq or 1) - 1, events[0].chain_prev_hash)
                if events
                else (chain["seq"], chain["hash"])
            )
            carried = carry_in(municipality, events, origin)
    except BaseException:
        for name in written:  # the files sealed for rows that are not kept
            storage.evidence().delete(name)
        raise
    return Imported(municipality, counts, carried, reused)


def _references(references: dict, ids: Ids) -> None:
    """The service's forms, items and controls by their keys; advisories, else made."""
    missing = []
    for old, ref in references.get(Template._meta.label, {}).items():
        found = Template.objects.filter(
            municipality=None, key=ref["key"], version=ref["version"]
        ).first()
        if found is None:
            missing.append(f"{ref['name']}（{ref['key']} 第{ref['version']}版）")
        else:
            ids[Template._meta.label][old] = found.pk
    if missing:
        raise ArchiveRefused(
            say("このサービスに読み込まれていない様式があります: %(forms)s。"
                "先に様式を読み込んでください（load_catalog）。", forms="、".join(missing))
        )  # fmt: skip
    for label, lookup in (
        (Item._meta.label, lambda ref: Item.objects.filter(
            template=ids[Template._meta.label][ref["template"]], key=ref["key"])),
        (Control._meta.label, lambda ref: Control.objects.filter(key=ref["key"])),
    ):  # fmt: skip
        for old, ref in references.get(label, {}).items():
            if (pk := lookup(ref).values_list("pk", flat=True).first()) is None:
                raise ArchiveRefused(
                    say("様式の項目または管理策 %(key)s がこのサービスにありません。",
                        key=ref["key"])
                )  # fmt: skip
            ids[label][old] = pk
    for old, fields in references.get(Vulnerability._meta.label, {}).items():
        advisory = Vulnerability.objects.filter(ident=fields["ident"]).first()
        if advisory is None:  # an advisory not imported here: the archive's, whole
            advisory = _make(Vulnerability, {"fields": fields}, ids)
        ids[Vulnerability._meta.label][old] = advisory.pk


def _municipality(data: dict, ids: Ids) -> Municipality:
    [row] = data[Municipality._meta.label]
    fields = {k: v for k, v in row["fields"].items() if k not in ("suspended_at", "created_at")}
    [restored] = serializers.deserialize(
        "python", [{"model": Municipality._meta.label_lower, "fields": fields}]
    )
    municipality = cast(Municipality, restored.object)
    try:
        municipality.full_clean()
    except ValidationError as e:
        raise ArchiveRefused(
            say("団体の設定をこのサービスで受け入れられません: %(errors)s",
                errors=" ".join(e.messages))
        ) from None  # fmt: skip
    municipality.save()
    ids[Municipality._meta.label][str(row["pk"])] = municipality.pk
    return municipality


def _organisations(data: dict, ids: Ids, municipality: Municipality) -> int:
    """Departments made new; vendor companies found by 法人番号, else by name."""
    reused = 0
    for row in data[Organisation._meta.label]:
        fields = row["fields"]
        found = None
        if fields["kind"] == Organisation.Kind.VENDOR:
            vendors = Organisation.objects.filter(kind=Organisation.Kind.VENDOR)
            if fields.get("corporate_number"):
                found = vendors.filter(corporate_number=fields["corporate_number"]).first()
            found = found or vendors.filter(name=fields["name"]).first()
        if found is None:
            found = _make(Organisation, row, ids)
        else:
            reused += 1
        ids[Organisation._meta.label][str(row["pk"])] = found.pk
    return reused


def _people(data: dict, ids: Ids, municipality: Municipality) -> int:
    """Staff made new (with no password); a person of no municipality (a vendor)
    found by ID and e-mail address, else by e-mail address."""
    User, reused, taken = get_user_model(), 0, []
    for row in data[User._meta.label]:
        fields = row["fields"]
        found = None
        if fields.get("municipality") is None:
            same = User.objects.filter(municipality=None, email__iexact=fields["email"])
            found = same.filter(username=fields["username"]).first() or same.first()
        if found is None:
            if User.objects.filter(username=fields["username"]).exists():
                taken.append(fields["username"])
                continue
            found = _make(User, row, ids, password=True)
        else:
            reused += 1
        ids[User._meta.label][str(row["pk"])] = found.pk
    if taken:
        raise ArchiveRefused(
            say("利用者ID %(ids)s はこのサービスの別の人が使っています。"
                "ID を変えてから書き出し直してください。", ids="、".join(taken))
        )  # fmt: skip
    return reused


# Loaded in the order their foreign keys need; each is made with numbers of this service.
FIRST = (Municipality._meta.label, Organisation._meta.label, get_user_model()._meta.label)


def _rows(data: dict, ids: Ids, opened: Opened, written: list[str]) -> dict[str, int]:
    counts = {label: len(rows) for label, rows in data.items()}
    for label in in_order([label for label in data if label not in FIRST]):
        model = apps.get_model(label)
        later: list = []
        for row in data[label]:
            if model is Evidence and (name := _reseal(row, opened)):
                written.append(name)
            obj = _make(model, row, ids, later=later)
            ids[label][str(row["pk"])] = obj.pk
        for obj, field, old in later:  # a row pointing at a later one of its own kind
            setattr(obj, field.attname, ids[label][str(old)])
            obj.save_base(raw=True, update_fields=[field.name])
    return counts


def _make(model, row: dict, ids: Ids, later=None, password=False):
    """The row saved with a number of this service and its references followed."""
    [restored] = serializers.deserialize(
        "python", [{"model": model._meta.label_lower, "fields": row["fields"]}]
    )
    obj: Any = restored.object
    for field in model._meta.concrete_fields:
        if not field.is_relation or (old := getattr(obj, field.attname)) is None:
            continue
        target = field.related_model._meta.label
        here = ids[target].get(str(old))
        if here is None and later is not None and target == model._meta.label:
            later.append((obj, field, old))
            setattr(obj, field.attname, None)
            continue
        if here is None:
            raise ArchiveRefused(
                say("書き出しの %(model)s の行が、書き出しにない %(target)s を指しています。",
                    model=model._meta.label, target=target)
            )  # fmt: skip
        setattr(obj, field.attname, here)
    if password:
        obj.set_unusable_password()
    obj.save_base(raw=True)
    for name, olds in (restored.m2m_data or {}).items():
        target = model._meta.get_field(name).related_model._meta.label
        getattr(obj, name).set([ids[target][str(o)] for o in olds])
    return obj


def _reseal(row: dict, opened: Opened) -> str:
    """The evidence file sealed again under this service's keys, as a new name."""
    fields = row["fields"]
    fields["stored_name"] = str(uuid.uuid4())
    evidence = Evidence(stored_name=uuid.UUID(fields["stored_name"]))
    body = opened.members.get(f"evidence/{fields['sha256']}")
    if body is None:
        if fields.get("removed_at"):
            return ""  # removed there: its record stays, its file had gone
        raise ArchiveRefused(say("証跡ファイル %(name)s が書き出しにありません。",
                                 name=fields["filename"]))  # fmt: skip
    if hashlib.sha256(body).hexdigest() != fields["sha256"]:
        raise ArchiveRefused(say("証跡ファイル %(name)s の SHA-256 が記録と一致しません。",
                                 name=fields["filename"]))  # fmt: skip
    return storage.evidence().save(
        evidence.stored_name.hex, ContentFile(keys.seal(body, evidence.context))
    )
