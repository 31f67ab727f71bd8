"""Checking the chain: the archive files in order, then the table, then the head.
Kept apart from trail.py (which writes events) because it reads the archive, and the
archive itself records events through the trail."""

from dataclasses import dataclass

from django.core.files.storage import Storage

from kakunin.audit.archive import ArchiveError, read_segment
from kakunin.audit.models import GENESIS_HASH, ArchiveSegment, ChainHead, Event
from kakunin.core.text import Text, say


@dataclass
class Break:
    seq: int
    reason: Text  # in the reader's language when shown; .ja for the fixed record


def verify(using: str = "default", archive: Storage | None = None) -> tuple[int, Break | None]:
    """Walk the whole chain: the archive files in order, then the table.
    Returns how many events held, and the first break. `using` and `archive` walk
    another copy (a backup restored to verify it)."""
    checked, prev_hash, next_seq = 0, GENESIS_HASH, None
    for segment in ArchiveSegment.objects.using(using).order_by("first_seq"):
        if segment.first_prev_hash != prev_hash or (next_seq and segment.first_seq != next_seq):
            return checked, Break(
                segment.first_seq,
                say("保管ファイル %(file)s が前の続きになっていません", file=segment.filename),
            )
        if segment.purged_at is None:
            try:
                n, broken, _last = walk(read_segment(segment, archive), prev_hash)
            except FileNotFoundError:
                why = say("保管ファイル %(file)s がありません", file=segment.filename)
                return checked, Break(segment.first_seq, why)
            except ArchiveError:
                why = say(
                    "保管ファイル %(file)s が変更されています（SHA-256 が異なります）",
                    file=segment.filename,
                )
                return checked, Break(segment.first_seq, why)
            except (OSError, ValueError) as exc:
                why = say(
                    "保管ファイル %(file)s を読めません（%(error)s）",
                    file=segment.filename,
                    error=type(exc).__name__,
                )
                return checked, Break(segment.first_seq, why)
            checked += n
            if broken:
                return checked, broken
        prev_hash, next_seq = segment.last_hash, segment.last_seq + 1
    events = Event.objects.using(using).order_by("seq").iterator(chunk_size=2000)
    n, broken, last = walk(events, prev_hash, next_seq)
    checked += n
    if broken:
        return checked, broken
    head = ChainHead.objects.using(using).filter(pk=1).first()
    tail = (last.seq, last.hash) if last else ((next_seq or 1) - 1, prev_hash)
    if head and (head.seq, head.hash) != tail:
        # The newest events were removed: the head still remembers them.
        return checked, Break(head.seq, say("最新のイベントが失われています"))
    return checked, None


def walk(events, prev_hash: str, expected_seq: int | None = None):
    """(events that held, the first break, the last good event)."""
    checked, last = 0, None
    for event in events:
        if expected_seq is not None and event.seq != expected_seq:
            return checked, Break(expected_seq, say("イベントが欠けています（連番の飛び）")), last
        if event.prev_hash != prev_hash:
            return checked, Break(event.seq, say("直前のイベントのハッシュと一致しません")), last
        if event.compute_hash() != event.hash:
            return checked, Break(event.seq, say("内容がハッシュと一致しません")), last
        prev_hash, expected_seq, last = event.hash, event.seq + 1, event
        checked += 1
    return checked, None, last
