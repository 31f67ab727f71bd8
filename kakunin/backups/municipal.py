"""One municipality's data in one encrypted archive: what it takes back when it leaves
the service (契約終了時のデータ返却, which the form's disposal controls ask of every
vendor).

The archive is a tar of:
- `manifest.json`: the format, the municipality, when, how many rows of each model,
  the SHA-256 of every other member, and the head of the municipality's audit chain;
- `data.json`: the municipality and its settings, every row of its own data (each
  model with a municipality's scope, as Django's serializer writes them), its
  departments and staff (no password, no TOTP secret), the vendor companies and
  people who worked on its systems (names and addresses), its own forms and their
  items, and the evidence's records;
- `references.json`: what its rows point at that is the service's, by the keys that
  name it in any Kakunin (a shared form by key and version, an item by its key, a
  control by its key) and the public advisories its findings name, whole;
- `events.jsonl`: its audit trail, with its own chain (Event.chain_*), which
  verifies without the service's other events;
- `evidence/<sha256>`: each evidence file, decrypted (the archive is encrypted whole).

It is encrypted with AES-256-GCM in chunks (backups.stream) under a key of its own,
which the command prints once (or reads from a file): an altered archive, one cut
short, or the wrong key is refused by name, never half read.
"""

import io
import json
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import serializers
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from kakunin.accounts.models import Organisation
from kakunin.audit.archive import read_segment
from kakunin.audit.models import GENESIS_HASH, ArchiveSegment, Event, MunicipalityChainHead
from kakunin.audit.verify import walk_chain
from kakunin.backups import stream
from kakunin.catalog.models import Control, Item, Template
from kakunin.core import storage
from kakunin.core.text import say
from kakunin.crypto import keys
from kakunin.evidence.models import Evidence
from kakunin.inventory.models import Vulnerability
from kakunin.tenants import rls
from kakunin.tenants.active import activated, everywhere
from kakunin.tenants.models import Municipality

FORMAT = "kakunin-municipality-2"
MEMBERS = ("manifest.json", "data.json", "references.json", "events.jsonl")
# A person's fields that leave with the data: never a password or a second factor.
PERSON_FIELDS = ("username", "email", "full_name", "role", "organisation", "municipality",
                 "is_active", "date_joined", "last_login")  # fmt: skip


def label(code: str) -> str:
    return f"municipality/{code}"


def rows_of(municipality: Municipality) -> dict[str, list]:
    """The municipality's rows, model by model, as plain objects."""
    out: dict[str, list] = {}
    with activated(municipality):
        for model in rls.tenant_models():
            rows = model._default_manager.all()
            if getattr(model, "MUNICIPALITY_SHARED", False):
                rows = rows.filter(municipality=municipality)  # not the service's forms
            out[model._meta.label] = list(rows.order_by("pk"))
    with everywhere():
        own_forms = [t.pk for t in out[Template._meta.label]]
        for model in apps.get_app_config("catalog").get_models():
            if model is not Template and any(
                f.is_relation and f.related_model is Template for f in model._meta.fields
            ):
                out[model._meta.label] = list(
                    model._default_manager.filter(template__in=own_forms).order_by("pk")
                )
        systems = out["systems.System"]
        out[Evidence._meta.label] = list(evidence_of(out).order_by("pk"))
        # Its staff, and everyone its rows name (the vendor people on its systems,
        # and whoever wrote, reviewed or invited, even when since gone from them).
        User = get_user_model()
        people = User.objects.filter(
            Q(municipality=municipality) | Q(pk__in=_pointed_at(out, User))
        )
        out[User._meta.label] = list(people.order_by("pk"))
        organisations = Organisation.objects.filter(
            Q(municipality=municipality)
            | Q(pk__in=[o.pk for s in systems for o in s.vendors.all()])
            | Q(pk__in=_pointed_at(out, Organisation))
        )
        out[Organisation._meta.label] = list(organisations.order_by("pk"))
        out[Municipality._meta.label] = [municipality]
    return out


def _pointed_at(rows: dict[str, list], target) -> set:
    """The keys of `target` that the rows' foreign keys hold."""
    found = set()
    for objects in rows.values():
        for field in objects[0]._meta.concrete_fields if objects else ():
            if field.is_relation and field.related_model is target:
                found |= {getattr(o, field.attname) for o in objects} - {None}
    return found


def _without_the_vendors_own(model, serialised: list[dict]) -> None:
    """What a vendor company keeps for itself (its answer library: `KEPT_BY_VENDOR`)
    never leaves with a municipality: a row pointing at it points at nothing."""
    private = [
        f.name for f in model._meta.concrete_fields
        if f.is_relation and getattr(f.related_model, "KEPT_BY_VENDOR", False)
    ]  # fmt: skip
    for row in serialised if private else ():
        row["fields"].update(dict.fromkeys(private))


def references_of(rows: dict[str, list]) -> dict[str, dict]:
    """What the rows point at that the service keeps for every municipality, by the
    keys that name it in any Kakunin: the forms and items its assessments were made
    with, the controls its own forms' items name, the advisories its findings name."""
    own_forms = {t.pk for t in rows[Template._meta.label]}
    used = _pointed_at(rows, Template) - own_forms
    forms = Template.objects.filter(pk__in=used)
    items = Item.objects.filter(pk__in=_pointed_at(rows, Item), template__in=used)
    controls = Control.objects.filter(
        Q(items__in=[i.pk for i in rows[Item._meta.label]]) | Q(pk__in=_pointed_at(rows, Control))
    )
    advisories = Vulnerability.objects.filter(pk__in=_pointed_at(rows, Vulnerability))
    return {
        Template._meta.label: {
            str(t.pk): {"key": t.key, "version": t.version, "name": t.name} for t in forms
        },
        Item._meta.label: {
            str(i.pk): {"template": str(i.template_id), "key": i.key} for i in items
        },
        Control._meta.label: {str(c.pk): {"key": c.key} for c in controls.distinct()},
        Vulnerability._meta.label: {
            str(row["pk"]): row["fields"]
            for row in json.loads(serializers.serialize("json", advisories))
        },
    }


def evidence_of(rows: dict[str, list]):
    answers = [a.pk for a in rows["assessments.Answer"]]
    elsewhere = [r.evidence_id for r in rows["records.RecordFile"]] + [
        r.evidence_id for r in rows["inventory.Response"] if r.evidence_id
    ]
    return Evidence.objects.filter(Q(answer__in=answers) | Q(pk__in=elsewhere))


@dataclass
class Exported:
    path: Path
    manifest: dict


def export(municipality: Municipality, out: Path, key: bytes) -> Exported:
    """Write the municipality's archive to `out`, encrypted with `key` (32 bytes)."""
    rows = rows_of(municipality)
    people = get_user_model()._meta.label
    data = {
        label_: json.loads(
            serializers.serialize(
                "json", objects, fields=PERSON_FIELDS if label_ == people else None
            )
        )
        for label_, objects in rows.items()
    }
    for label_, serialised in data.items():
        _without_the_vendors_own(apps.get_model(label_), serialised)
    with everywhere():
        references = references_of(rows)
    members: dict[str, bytes] = {
        "data.json": json.dumps(data, ensure_ascii=False, indent=1).encode(),
        "references.json": json.dumps(references, ensure_ascii=False, indent=1).encode(),
    }
    with everywhere():
        lines = [
            json.dumps(
                {f: getattr(e, f) for f in EVENT_FIELDS} | {"at": e.at.isoformat()},
                ensure_ascii=False,
            )
            for e in chain_of(municipality)
        ]
        head = MunicipalityChainHead.objects.filter(municipality=municipality).first()
        members["events.jsonl"] = ("\n".join(lines) + "\n").encode() if lines else b""
        for evidence in rows[Evidence._meta.label]:
            if evidence.removed_at is None:
                with storage.evidence().open(evidence.stored_name.hex) as f:
                    members[f"evidence/{evidence.sha256}"] = keys.unseal(f.read(), evidence.context)
    manifest = {
        "format": FORMAT,
        "municipality": {"code": municipality.code, "name": municipality.name},
        "created_at": timezone.now().isoformat(),
        "counts": {label_: len(objects) for label_, objects in rows.items()}
        | {"audit.Event": len(lines)},
        "chain": {"seq": head.seq, "hash": head.hash} if head else {"seq": 0, "hash": ""},
        "files": {name: stream.sha256_of_file(io.BytesIO(body)) for name, body in members.items()},
    }
    members = {
        "manifest.json": json.dumps(manifest, ensure_ascii=False, indent=1).encode()
    } | members
    with tempfile.TemporaryDirectory(prefix="kakunin-export-") as work:
        plain = Path(work) / "archive.tar"
        with tarfile.open(plain, "w") as tar:
            for name, body in members.items():
                info = tarfile.TarInfo(name)
                info.size, info.mtime, info.mode = len(body), 0, 0o600
                tar.addfile(info, io.BytesIO(body))
        stream.encrypt(plain, out, key, label(municipality.code))
    return Exported(out, manifest)


def chain_of(municipality: Municipality):
    """Its whole chain, in order: its events in the audit archive's files kept, then
    in the table (a file purged past the retention period has left)."""
    for segment in ArchiveSegment.objects.order_by("first_seq"):
        if segment.purged_at is None:
            for event in read_segment(segment):
                if event.municipality_id == municipality.pk and event.chain_seq:
                    yield event
    yield from (
        Event.objects.filter(municipality=municipality, chain_seq__isnull=False)
        .order_by("chain_seq")
        .iterator(chunk_size=2000)
    )


EVENT_FIELDS = ("seq", "at", "actor_label", "ip", "action", "object_type", "object_id",
                "object_label", "changes", "chain_seq", "chain_prev_hash", "chain_hash")  # fmt: skip


class ArchiveRefused(Exception):
    def __init__(self, text):
        super().__init__(text.ja)
        self.text = text


@dataclass
class Opened:
    manifest: dict
    members: dict[str, bytes]

    @property
    def data(self) -> dict:
        return json.loads(self.members["data.json"])

    @property
    def references(self) -> dict:
        return json.loads(self.members["references.json"])

    @property
    def events(self) -> list[dict]:
        body = self.members["events.jsonl"].decode()
        return [json.loads(line) for line in body.splitlines() if line]


def open_archive(path: Path, key: bytes) -> Opened:
    """The archive read back and checked whole: the key, every chunk, every member's
    hash, and the municipality's chain. Raises ArchiveRefused with what is wrong."""
    try:
        carried = stream.label_of(path)
    except stream.Damaged as exc:
        raise ArchiveRefused(exc.text) from None
    except OSError as exc:
        raise ArchiveRefused(
            say("%(file)s を読めません（%(error)s）", file=str(path), error=type(exc).__name__)
        ) from None
    if not carried or not carried.startswith("municipality/"):
        raise ArchiveRefused(
            say("%(file)s は団体のデータの書き出しではありません。", file=str(path))
        )
    with tempfile.TemporaryDirectory(prefix="kakunin-import-") as work:
        plain = Path(work) / "archive.tar"
        try:
            stream.decrypt(path, plain, key, carried)
        except stream.Damaged as exc:
            raise ArchiveRefused(exc.text) from None
        members = {}
        with tarfile.open(plain) as tar:
            for info in tar.getmembers():
                if not info.isfile() or info.name.startswith(("/", "..")) or "/../" in info.name:
                    raise ArchiveRefused(
                        say("書き出しに想定外の項目 %(name)s があります。", name=info.name)
                    )
                extracted = tar.extractfile(info)
                members[info.name] = extracted.read() if extracted else b""
    opened = Opened(json.loads(members.get("manifest.json", b"{}") or b"{}"), members)
    manifest = opened.manifest
    if manifest.get("format") != FORMAT or any(name not in members for name in MEMBERS):
        raise ArchiveRefused(
            say("書き出しの形式が違います（%(format)s）。", format=manifest.get("format", "—"))
        )
    for name, digest in manifest["files"].items():
        if stream.sha256_of_file(io.BytesIO(members.get(name, b""))) != digest:
            raise ArchiveRefused(say("書き出しの %(name)s が目録と一致しません。", name=name))
    code, events = manifest["municipality"]["code"], [_event(row) for row in opened.events]
    # From its first event kept (earlier ones may have been purged past retention).
    first = events[0] if events else None
    _checked, broken, _last = walk_chain(
        events,
        code,
        first.chain_prev_hash if first else GENESIS_HASH,
        (first.chain_seq or 1) if first else 1,
    )
    if broken is not None:
        raise ArchiveRefused(
            say("書き出しの監査証跡が連鎖していません: イベント #%(seq)s", seq=broken.seq)
        )
    return opened


def _event(row: dict) -> Event:
    return Event(**{**row, "at": parse_datetime(row["at"])})


def in_order(labels: list[str]) -> list[str]:
    """The models, each after those its foreign keys point at (its own kind aside)."""
    left, done, order = set(labels), set[str](), list[str]()
    while left:
        ready = sorted(
            label for label in left
            if all(
                f.related_model._meta.label in done | {label} or f.related_model._meta.label not in left
                for f in pointers(apps.get_model(label))
            )
        )  # fmt: skip
        if not ready:
            raise ArchiveRefused(say("書き出しの行の参照が循環しています。"))
        order += ready
        done |= set(ready)
        left -= set(ready)
    return order


def pointers(model) -> list:
    return [f for f in model._meta.concrete_fields if f.is_relation] + [
        f for f in model._meta.many_to_many if f.remote_field.through._meta.auto_created
    ]
