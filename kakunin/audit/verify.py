"""Checking the chain: the archive files in order, then the table, then the head.
Kept apart from trail.py (which writes events) because it reads the archive, and the
archive itself records events through the trail."""

import hashlib
from dataclasses import dataclass

from django.core.files.storage import Storage

from kakunin.audit.archive import ArchiveError, read_segment
from kakunin.audit.models import (
    ERASED,
    ERASURE,
    GENESIS_HASH,
    ArchiveSegment,
    ChainHead,
    Event,
    MunicipalityChainHead,
)
from kakunin.core.text import Text, say
from kakunin.tenants.models import Municipality


@dataclass
class Break:
    seq: int
    reason: Text  # in the reader's language when shown; .ja for the fixed record


def verify(using: str = "default", archive: Storage | None = None) -> tuple[int, Break | None]:
    """Walk the service's whole chain: the archive files in order, then the table.
    Returns how many events held, and the first break. `using` and `archive` walk
    another copy (a backup restored to verify it)."""
    checked, prev_hash, next_seq = 0, GENESIS_HASH, None
    erasures: dict[str, Erased] = {}
    for segment in ArchiveSegment.objects.using(using).order_by("first_seq"):
        if segment.first_prev_hash != prev_hash or (next_seq and segment.first_seq != next_seq):
            return checked, Break(
                segment.first_seq,
                say("保管ファイル %(file)s が前の続きになっていません", file=segment.filename),
            )
        if segment.purged_at is None:
            n, broken, _last = _in_file(segment, archive, walk, prev_hash, None, erasures)
            checked += n
            if broken:
                return checked, broken
        prev_hash, next_seq = segment.last_hash, segment.last_seq + 1
    events = Event.objects.using(using).order_by("seq").iterator(chunk_size=2000)
    n, broken, last = walk(events, prev_hash, next_seq, erasures)
    checked += n
    if broken:
        return checked, broken
    for key, places in erasures.items():  # emptied, and no erasure's event says so
        return checked, Break(
            places.first, say("消去の記録のない消去があります（%(key)s）", key=key)
        )
    head = ChainHead.objects.using(using).filter(pk=1).first()
    tail = (last.seq, last.hash) if last else ((next_seq or 1) - 1, prev_hash)
    if head and (head.seq, head.hash) != tail:
        # The newest events were removed: the head still remembers them.
        return checked, Break(head.seq, say("最新のイベントが失われています"))
    return checked, None


def verify_municipality(
    municipality: Municipality, using: str = "default", archive: Storage | None = None
) -> tuple[int, Break | None]:
    """Walk one municipality's own chain (Event.chain_*), numbered from 1: its events in
    the archive files, then in the table, then its head. It reads no other
    municipality's events from the table. A break names the municipality's own number."""
    key, code = str(municipality.pk), municipality.code
    head = MunicipalityChainHead.objects.using(using).filter(municipality=municipality).first()
    checked, prev_hash, next_seq = 0, GENESIS_HASH, 1
    if head is not None:  # a chain carried in starts past its origin
        prev_hash, next_seq = head.origin_hash, head.origin_seq + 1

    def walk_mine(events, prev_hash, next_seq):
        mine = (e for e in events if e.municipality_id == municipality.pk and e.chain_seq)
        return walk_chain(mine, code, prev_hash, next_seq)

    for segment in ArchiveSegment.objects.using(using).order_by("first_seq"):
        end = segment.chains.get(key)
        if segment.purged_at is None:
            n, broken, last = _in_file(segment, archive, walk_mine, prev_hash, next_seq)
            checked += n
            if broken:
                return checked, broken
            if last is not None:
                prev_hash, next_seq = last.chain_hash, last.chain_seq + 1
        if end and (end[0] + 1, end[1]) != (next_seq, prev_hash):
            if segment.purged_at is None:
                why = say("保管ファイル %(file)s の記録と一致しません", file=segment.filename)
                return checked, Break(next_seq, why)
            prev_hash, next_seq = end[1], end[0] + 1  # past a purged file: from its record
    events = (
        Event.objects.using(using)
        .filter(municipality=municipality, chain_seq__isnull=False)
        .order_by("chain_seq")
        .iterator(chunk_size=2000)
    )
    n, broken, last = walk_chain(events, code, prev_hash, next_seq)
    checked += n
    if broken:
        return checked, broken
    tail = (last.chain_seq, last.chain_hash) if last else (next_seq - 1, prev_hash)
    stored = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    if stored != tail:
        return checked, Break(stored[0], say("最新のイベントが失われています"))
    return checked, None


def _in_file(segment: ArchiveSegment, archive: Storage | None, walker, *args):
    """walker(the file's events, *args), or the break that reading the file met."""
    try:
        return walker(read_segment(segment, archive), *args)
    except FileNotFoundError:
        why = say("保管ファイル %(file)s がありません", file=segment.filename)
    except ArchiveError:
        why = say(
            "保管ファイル %(file)s が変更されています（SHA-256 が異なります）",
            file=segment.filename,
        )
    except (OSError, ValueError) as exc:
        why = say(
            "保管ファイル %(file)s を読めません（%(error)s）",
            file=segment.filename,
            error=type(exc).__name__,
        )
    return 0, Break(segment.first_seq, why), None


def walk(events, prev_hash: str, expected_seq: int | None = None, erasures=None):
    """(events that held, the first break, the last good event). An erased event
    (a municipality purged) keeps its place and hash, not its content: it holds when
    the erasure's own event, further on, holds the digest of every place it emptied
    (`erasures` carries the places seen from one file to the next)."""
    checked, last = 0, None
    erasures = {} if erasures is None else erasures
    for event in events:
        if expected_seq is not None and event.seq != expected_seq:
            return checked, Break(expected_seq, say("イベントが欠けています（連番の飛び）")), last
        if event.prev_hash != prev_hash:
            return checked, Break(event.seq, say("直前のイベントのハッシュと一致しません")), last
        if event.action == ERASED:
            erasures.setdefault(str(event.changes.get("erasure")), Erased()).add(event)
        elif event.compute_hash() != event.hash:
            return checked, Break(event.seq, say("内容がハッシュと一致しません")), last
        elif event.action == ERASURE and not _accounts_for(event, erasures):
            return checked, Break(event.seq, say("消去の記録と消去された箇所が一致しません")), last
        prev_hash, expected_seq, last = event.hash, event.seq + 1, event
        checked += 1
    return checked, None, last


class Erased:
    """The places one erasure emptied: how many, and the digest of their seq and hash."""

    def __init__(self):
        self.count, self.first, self._digest = 0, 0, hashlib.sha256()

    def add(self, event) -> None:
        self.count += 1
        self.first = self.first or event.seq
        self._digest.update(f"{event.seq}:{event.hash}\n".encode())

    @property
    def digest(self) -> str:
        return self._digest.hexdigest()

    def as_record(self, key: str) -> dict:
        return {"key": key, "count": self.count, "digest": self.digest}


def _accounts_for(event, erasures: dict) -> bool:
    said = (event.changes.get("erasure") or [None, None])[1]
    if not isinstance(said, dict):
        return True  # a purge that erased nothing in the table
    seen = erasures.pop(str(said.get("key")), Erased())
    return seen.as_record(str(said.get("key"))) == said


def walk_chain(events, code: str, prev_hash: str, expected_seq: int):
    """walk() over a municipality's own chain: its numbers and hashes."""
    checked, last = 0, None
    for event in events:
        if event.chain_seq != expected_seq:
            return checked, Break(expected_seq, say("イベントが欠けています（連番の飛び）")), last
        if event.chain_prev_hash != prev_hash:
            why = say("直前のイベントのハッシュと一致しません")
            return checked, Break(event.chain_seq, why), last
        if event.compute_chain_hash(code) != event.chain_hash:
            return checked, Break(event.chain_seq, say("内容がハッシュと一致しません")), last
        prev_hash, expected_seq, last = event.chain_hash, event.chain_seq + 1, event
        checked += 1
    return checked, None, last
