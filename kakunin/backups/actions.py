"""The backup and its verification as jobs: each run audited, its result kept for
/healthz, a failure raised as an alert to the reviewers and administrators."""

from pathlib import Path

from django.db import transaction
from django.utils import timezone

from kakunin.audit.models import ERASURE
from kakunin.audit.trail import record
from kakunin.backups import generation, municipal, municipal_import, municipal_purge
from kakunin.core.text import Text, say
from kakunin.monitoring.actions import raise_failure
from kakunin.monitoring.models import Alert, Heartbeat
from kakunin.monitoring.tasks import BACKUP, BACKUP_VERIFY
from kakunin.tenants.active import activated


def run_backup() -> Path:
    """Write a generation. Raises what failed, after recording and alerting it."""
    try:
        made = generation.make()
    except Exception as exc:  # any failure (disk, pg_dump, key) is recorded and alerted
        _failed(BACKUP, exc.text if isinstance(exc, generation.BackupError) else Text.of(exc))
        raise
    _done(BACKUP, True, {"generation": made.name})
    with transaction.atomic():
        record("backup.make", None, label=made.name, changes={"generation": [None, made.name]})
    return made


def run_verify(path: Path | None = None) -> generation.Verification:
    result = generation.verify(path)
    detail = {"generation": result.generation, "problems": [p.ja for p in result.problems[:50]],
              "tables": result.tables, "rows": result.rows, "events": result.events}  # fmt: skip
    if result.ok:
        _done(BACKUP_VERIFY, True, detail)
    else:
        _failed(BACKUP_VERIFY, Text.of("; ").join(result.problems[:5]), detail)
    with transaction.atomic():
        record("backup.verify", None, label=result.generation,
               changes={"result": [None, "ok" if result.ok else "fail"], "problems": [None, len(result.problems)]})  # fmt: skip
    return result


def _done(name: str, ok: bool, detail: dict) -> None:
    Heartbeat.objects.update_or_create(
        name=name, defaults={"at": timezone.now(), "ok": ok, "detail": detail}
    )


def _failed(name: str, reason: Text, detail: dict | None = None) -> None:
    """Recorded for /healthz and the alerts page (the reason in Japanese, and as words
    each reader sees in their language), and raised as an alert."""
    error = {"error": reason.ja[:1000], "error_text": reason.as_json()}
    _done(name, False, (detail or {}) | error)
    message = (
        say("バックアップに失敗しました: ") if name == BACKUP
        else say("バックアップの復元確認で問題が見つかりました: ")
    ) + reason  # fmt: skip
    key = f"{name}:{timezone.localdate().isoformat()}"
    raise_failure(Alert.Kind.BACKUP_FAILED, key, message, {"job": name})


@transaction.atomic
def restored(*, generation: str) -> None:
    """A generation restored (`manage.py restore`), recorded in the restored chain."""
    record("backup.restore", None, label=generation, changes={"generation": [None, generation]})


def export_municipality(*, municipality, out: Path, key: bytes) -> municipal.Exported:
    """A municipality's archive written (audited in the service's trail: who took
    which municipality's data, how much; never the key)."""
    exported = municipal.export(municipality, out, key)
    with transaction.atomic():
        record(
            "municipality.export",
            municipality,
            label=municipality.name,
            changes={"counts": [None, exported.manifest["counts"]], "file": [None, out.name]},
        )
    return exported


def import_municipality(*, opened: municipal.Opened, actor=None) -> municipal_import.Imported:
    """A municipality's archive loaded (audited in the service's trail, and in the
    municipality's own chain after its events carried in)."""
    with transaction.atomic():
        imported = municipal_import.load(opened)
        changes = {
            "counts": [None, imported.counts],
            "events": [None, imported.events],
            "reused": [None, imported.reused],
            "exported_at": [None, opened.manifest["created_at"]],
        }
        municipality = imported.municipality
        record("municipality.import", municipality, actor=actor, label=municipality.name,
               changes=changes)  # fmt: skip
        with activated(municipality):
            record("municipality.import", municipality, actor=actor, label=municipality.name,
                   changes=changes)  # fmt: skip
    return imported


def purge_municipality(*, municipality, actor=None) -> municipal_purge.Erasure:
    """A suspended municipality erased; the erasure's record is its own event in the
    service's trail, in the same transaction; its evidence files go once committed."""
    with transaction.atomic():
        erasure = municipal_purge.purge(municipality, actor=actor)
        event = record(
            ERASURE, None, actor=actor, label=f"{erasure.name} ({erasure.code})",
            changes=erasure.changes(),
        )  # fmt: skip
        erasure.seq, erasure.hash = event.seq, event.hash
        transaction.on_commit(erasure.delete_files)
    return erasure
