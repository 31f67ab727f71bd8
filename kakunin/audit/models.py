"""The audit trail: append-only events, each holding the hash of the one before."""

import hashlib
import json
from datetime import UTC

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AppendOnlyError(Exception):
    pass


# What an erased event says (EventQuerySet._erase), and the action of the erasure's
# own event, which holds the digest of the places it emptied.
ERASED = "erased"
ERASURE = "municipality.purge"


class EventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit events cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Audit events cannot be deleted.")

    def _move_to_archive(self):
        """The one way events leave the table: audit.archive, after writing them to a file."""
        return super().delete()

    def _erase(self, key: str) -> int:
        """The one way an event's content leaves: a municipality purged (its data erased
        when it leaves the service). What the event said goes; its place in the
        service's chain stays (seq, at, prev_hash, hash), marked by the erasure's key,
        so the chain still verifies across it (verify.walk) and the erasure's own
        event holds the digest of every place it emptied."""
        return super().update(
            action=ERASED, actor=None, actor_label="", municipality=None, ip=None,
            object_type="", object_id="", object_label="", changes={"erasure": key},
            chain_seq=None, chain_prev_hash="", chain_hash="",
        )  # fmt: skip


class Event(models.Model):
    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    # PROTECT: accounts are disabled, never deleted, so the trail keeps its names.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(max_length=300, blank=True)
    # The municipality whose trail shows the event (its auditors read theirs only);
    # none for the service's own events (a vendor's sign-in, a municipality created).
    municipality = models.ForeignKey(
        "tenants.Municipality", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # The municipality's own chain, beside the service's (seq, prev_hash, hash): its
    # events alone, numbered from 1, each holding the hash of its municipality's event
    # before. Its auditors verify it without the other municipalities' events, and it
    # leaves with the municipality's data (export_municipality). Empty for the
    # service's own events, and for events archived before the chains began.
    chain_seq = models.PositiveBigIntegerField(null=True, blank=True)
    chain_prev_hash = models.CharField(max_length=64, blank=True)
    chain_hash = models.CharField(max_length=64, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        # The auditor's page filters on one of these and reads the newest first:
        # each index ends in seq so that "filter, newest 50" reads 50 rows.
        indexes = [
            models.Index(fields=["object_type", "object_id", "seq"], name="event_object_seq"),
            models.Index(fields=["actor", "seq"], name="event_actor_seq"),
            models.Index(fields=["action", "seq"], name="event_action_seq"),
            models.Index(fields=["ip", "seq"], name="event_ip_seq"),
            models.Index(fields=["municipality", "seq"], name="event_municipality_seq"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "chain_seq"],
                condition=models.Q(chain_seq__isnull=False),
                name="event_municipality_chain_seq",
            ),
        ]
        verbose_name = _("監査イベント")

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events cannot be deleted.")

    def compute_hash(self) -> str:
        payload = [
            self.seq,
            self.at.astimezone(UTC).isoformat(),
            self.actor_id,
            self.actor_label,
            self.ip,
            self.action,
            self.object_type,
            self.object_id,
            self.object_label,
            self.changes,
            self.prev_hash,
        ]
        return _sha256(payload)

    def compute_chain_hash(self, code: str) -> str:
        """The hash in the chain of the municipality `code`. It covers what the event
        says, not the installation's own numbers (its seq, the actor's id), so that
        the chain verifies in another Kakunin after import_municipality; and the
        municipality's code, so that an event cannot be moved to another's chain."""
        return chain_hash(code, self)


def chain_hash(code: str, event) -> str:
    payload = [
        "municipality",
        code,
        event.chain_seq,
        event.at.astimezone(UTC).isoformat(),
        event.actor_label,
        event.ip,
        event.action,
        event.object_type,
        event.object_id,
        event.object_label,
        event.changes,
        event.chain_prev_hash,
    ]
    return _sha256(payload)


def _sha256(payload: list) -> str:
    canonical = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class ChainHead(models.Model):
    """The single row that serialises writers of the service's chain (locked FOR UPDATE)."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)
    # The hash after the newest events other than answer edits and reads (trail.QUIET):
    # what pages that check their answers themselves are kept under (stamp.py).
    others_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"


class MunicipalityChainHead(models.Model):
    """The head of one municipality's own chain (Event.chain_*). A writer locks the
    service's head first, then this one, always in that order."""

    municipality = models.OneToOneField(
        "tenants.Municipality", primary_key=True, on_delete=models.PROTECT, related_name="+"
    )
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)
    others_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    # Where the chain starts here: the genesis, or, for a chain carried in from
    # another Kakunin (import_municipality), where its first event carried follows on
    # (its events before were purged there past their retention).
    origin_seq = models.PositiveBigIntegerField(default=0)
    origin_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"{self.municipality_id} #{self.seq} {self.hash[:12]}"


class ArchiveSegment(models.Model):
    """A run of events moved out of the table into a compressed file.

    The chain goes on across segments: the first event of a segment holds the
    last hash of the one before, and the table starts where the last segment ends.
    A purged segment (past the retention period) keeps its hashes, not its file.
    """

    first_seq = models.PositiveBigIntegerField(unique=True)
    last_seq = models.PositiveBigIntegerField(unique=True)
    first_prev_hash = models.CharField(max_length=64)
    last_hash = models.CharField(max_length=64)
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    count = models.PositiveIntegerField()
    filename = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    purged_at = models.DateTimeField(null=True, blank=True)
    # Where each municipality's chain stood at the file's last event, by municipality
    # id: {"12": [chain_seq, chain_hash]}; a municipality's chain verifies past a
    # purged file from there.
    chains = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["first_seq"]

    def __str__(self) -> str:
        return f"#{self.first_seq}–#{self.last_seq} {self.filename}"
