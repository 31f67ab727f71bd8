"""A municipality erased from the service when it has left: `purge_municipality`.

Only a suspended municipality is erased (suspend it, export its data, hand the archive
over, then purge). In one transaction:
- its rows, model by model, dependants first: systems, assessments, answers and their
  history, reviews, reports, records, scans, inventory, its own forms, its evidence's
  records; then its tokens, alerts and the notifications that link into it;
- its staff and departments (a person still named by the service's own events is
  emptied and disabled instead);
- its audit events in the table: each emptied of what it said, keeping its place and
  hash in the service's chain, so the chain still verifies (audit.verify.walk);
- the municipality itself.

The erasure's own event (actions.purge_municipality, in the same transaction), in the
service's trail, holds the record: what was erased,
how many, and the digest of the places emptied. Once committed, its evidence files are
deleted. Vendor companies and people stay: they serve other municipalities.

What it cannot reach is said in the record: the service's backups (whole-service, kept
until they rotate out) and the audit archive files (kept until their retention ends).
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone

from kakunin.accounts.models import Organisation
from kakunin.audit.models import ArchiveSegment
from kakunin.audit.trail import erase
from kakunin.backups.municipal import in_order
from kakunin.catalog.models import Item, Template
from kakunin.core import storage
from kakunin.core.text import Text, say
from kakunin.evidence.models import Evidence
from kakunin.forms_xlsx.models import DefinitionImport
from kakunin.notifications.models import Notification
from kakunin.tenants import rls
from kakunin.tenants.active import everywhere
from kakunin.tenants.models import Municipality


class PurgeRefused(Exception):
    def __init__(self, text: Text):
        super().__init__(text.ja)
        self.text = text


@dataclass
class Erasure:
    code: str
    name: str
    at: str
    counts: dict[str, int]
    events: dict
    files: int
    archive_files: list[str] = field(default_factory=list)
    stored: list = field(default_factory=list)  # its evidence files, deleted once committed
    seq: int = 0
    hash: str = ""

    def changes(self) -> dict:
        """What the erasure's own event holds (verify.walk checks its `erasure`)."""
        return {
            "erasure": [None, self.events],
            "counts": [None, self.counts],
            "files": [None, self.files],
            "archive_files": [None, self.archive_files],
        }

    def delete_files(self) -> None:
        files = storage.evidence()
        for name in self.stored:
            files.delete(name.hex)


def own_rows(municipality: Municipality) -> dict:
    """Each of its models' rows (a queryset), the service's forms and vendors aside."""
    label = lambda model: model._meta.label  # noqa: E731
    rows = {
        label(m): m._base_manager.filter(**{m.MUNICIPALITY_PATH: municipality})  # type: ignore[attr-defined]
        for m in rls.tenant_models()
    }
    rows[label(Item)] = Item.objects.filter(template__municipality=municipality)
    rows[label(Evidence)] = Evidence.objects.filter(
        Q(answer__assessment__system__municipality=municipality)
        | Q(pk__in=rows["records.RecordFile"].values("evidence"))
        | Q(pk__in=rows["inventory.Response"].exclude(evidence=None).values("evidence"))
    )
    return rows


def counts(municipality: Municipality) -> dict[str, int]:
    with everywhere():
        return {label: rows.count() for label, rows in own_rows(municipality).items()} | {
            "accounts.User": get_user_model().objects.filter(municipality=municipality).count(),
            "accounts.Organisation": Organisation.objects.filter(municipality=municipality).count(),
        }


def purge(municipality: Municipality, *, actor=None) -> Erasure:
    if not municipality.is_suspended:
        raise PurgeRefused(
            say("%(name)s（%(code)s）は利用停止されていません。先に利用停止し、"
                "データを書き出して渡してから消去してください。",
                name=municipality.name, code=municipality.code)
        )  # fmt: skip
    at = timezone.now()
    key = f"{municipality.code}@{at.isoformat()}"
    with everywhere(), transaction.atomic():
        before = counts(municipality)
        rows = own_rows(municipality)
        evidence = rows[Evidence._meta.label]
        files = list(evidence.values_list("stored_name", flat=True))
        # Named now: the rows it is found through go first.
        rows[Evidence._meta.label] = Evidence.objects.filter(
            pk__in=list(evidence.values_list("pk", flat=True))
        )
        erased_events = erase(municipality, key)
        DefinitionImport.objects.filter(
            Q(template__in=rows[Template._meta.label]) | Q(uploaded_by__municipality=municipality)
        ).delete()
        for label in reversed(in_order(list(rows))):
            rows[label].delete()
        _naming(municipality)
        Notification.objects.filter(url__contains=f"municipality={municipality.code}").delete()
        _people(municipality)
        Organisation.objects.filter(municipality=municipality).delete()
        archived = [
            s.filename
            for s in ArchiveSegment.objects.filter(purged_at=None)
            if str(municipality.pk) in s.chains
        ]
        erasure = Erasure(
            code=municipality.code,
            name=municipality.name,
            at=at.isoformat(),
            counts=before,
            events=erased_events,
            files=len(files),
            archive_files=archived,
            stored=files,
        )
        municipality.delete()
    return erasure


def _naming(municipality: Municipality) -> None:
    """The other rows that name it (its tokens, its alerts), whatever app keeps them;
    its people, departments, trail and the municipality itself are done apart."""
    apart = {get_user_model(), Organisation, Municipality, *rls.tenant_models()}
    for model in apps.get_models():
        if model in apart or model._meta.app_label == "audit":
            continue
        for pointer in model._meta.concrete_fields:
            if pointer.is_relation and pointer.related_model is Municipality:
                model._base_manager.filter(**{pointer.name: municipality}).delete()


def _people(municipality: Municipality) -> None:
    """Its staff deleted; one still named by the service's own events, emptied."""
    User = get_user_model()
    for person in User.objects.filter(municipality=municipality):
        try:
            with transaction.atomic():
                User.objects.filter(pk=person.pk).delete()
        except ProtectedError:
            User.objects.filter(pk=person.pk).update(
                username=f"erased-{person.pk}", email="", full_name="", is_active=False,
                password=make_password(None), municipality=None, organisation=None,
            )  # fmt: skip


def describe(erasure: Erasure) -> list[str]:
    """The erasure record, as the command prints it (Japanese, then what it means)."""
    names = {m._meta.label: str(m._meta.verbose_name) for m in apps.get_models()}
    lines = [
        "消去記録 / Erasure record",
        f"団体: {erasure.name}（{erasure.code}）",
        f"消去日時: {erasure.at}",
        "消去した行:",
        *(
            f"  {names.get(label, label)} ({label}): {n}"
            for label, n in sorted(erasure.counts.items())
            if n
        ),
        f"証跡ファイル: {erasure.files}",
        f"監査イベント: {erasure.events['count']} 件を空にしました"
        f"（連鎖上の位置とハッシュは残します。SHA-256: {erasure.events['digest']}）",
        f"この記録はサービスの監査証跡のイベント #{erasure.seq}（{erasure.hash}）です。",
        "消去できないもの:",
        f"  サービス全体のバックアップ: 世代が入れ替わるまで（{settings.BACKUP_GENERATIONS} 世代）残ります。",
    ]
    if erasure.archive_files:
        lines.append(
            "  監査証跡の保管ファイル（保存期間の満了まで残ります）: "
            + "、".join(erasure.archive_files)
        )
    return lines
