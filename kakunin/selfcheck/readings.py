"""What Kakunin's live configuration says about each item of the checklist (18).

Every answer is read from the settings in force, the database or a scan of
SITE_URL at the moment of the run, and says what it read. Where the item depends on
the ward's own operations (the server room, contracts, the people), the answer is
要確認 with what to check: it has no status, so it cannot be submitted until a person
confirms it. Nothing is claimed that the machine did not see.

The answers are in Japanese: they are the form's answers, as a vendor writes them.
"""

import ipaddress
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import override

from kakunin.assessments.models import Status
from kakunin.monitoring.models import Heartbeat
from kakunin.scans.models import Scan
from kakunin.scans.policy import Outcome

CHECK = ""  # 要確認: no status until a person confirms


@dataclass
class Answer:
    status: str  # a Status, or CHECK
    text: str

    @property
    def to_check(self) -> bool:
        return self.status == CHECK


def done(*lines: str) -> Answer:
    return Answer(Status.DONE, "\n".join(lines))


def judged(ok: bool, *lines: str, partial: bool = False) -> Answer:
    """対応済 where the reading meets the item; 一部対応 or 未対応 where not."""
    if ok:
        return done(*lines)
    return Answer(Status.PARTIAL if partial else Status.NOT_DONE, "\n".join(lines))


def to_check(what: str, *seen: str) -> Answer:
    """要確認: what a person must check, and what the machine saw, if anything."""
    return Answer(CHECK, "\n".join(["【要確認】" + what, *seen]))


def in_japanese(words) -> str:
    """A label in Japanese, whatever language the run is in: the answers are the form's."""
    with override("ja"):
        return str(words)


def shown_day(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# --- What the run reads once -----------------------------------------------------


@dataclass
class Context:
    """The readings several items share, taken once per run."""

    scan: Scan | None
    scan_note: str  # why there is no scan, when there is none
    # The municipality whose Kakunin system is answered (its directory, when it has one).
    municipality_id: int | None = None

    def scanned(self, control: str) -> tuple[str, str] | None:
        """(the verdict, its summary) of the scan of SITE_URL for a control, if any."""
        if self.scan is None:
            return None
        result = self.scan.results.filter(control=control, url=settings.SITE_URL).first()
        return (result.verdict, result.summary) if result else None

    def from_scan(self, control: str, what: str, *config: str) -> Answer:
        """A control the scan of SITE_URL judges: 対応済 on 適合, 未対応 on 不適合,
        要確認 otherwise (not scanned, or the scan could not tell)."""
        seen = self.scanned(control)
        if seen is None:
            return to_check(
                f"{what}を SITE_URL（{settings.SITE_URL}）の検査で確かめてください。"
                f"{self.scan_note}",
                *config,
            )
        verdict, summary = seen
        finished = shown_day(self.scan.finished_at or timezone.now()) if self.scan else ""
        line = f"自動検査（{settings.SITE_URL}、{finished}）: {Outcome(verdict).ja} — {summary}"
        if verdict == Outcome.PASS:
            return done(line, *config)
        if verdict == Outcome.FAIL:
            return judged(False, line, *config)
        return to_check(f"{what}を確認してください（自動検査では判定できません）。", line, *config)


# --- The readings -----------------------------------------------------------------


def password_rules() -> tuple[bool, bool, list[str]]:
    """(meets 12 characters of 3 kinds, meets 8 of letters and digits, what was tried): the validators in force are asked
    about sample passwords, so the answer is what they do, not what they are called."""
    samples = [
        ("Ab1xY7qZ", "8文字・3種類"),
        ("Kq7mZt2wRp4x", "12文字・3種類（英大文字・英小文字・数字）"),
        ("kq7mzt2wrp4x", "12文字・2種類（英小文字・数字）"),
        ("kqxmztawrpbx", "12文字・英小文字のみ"),
    ]
    accepted = {}
    for password, _label in samples:
        try:
            password_validation.validate_password(password, user=None)
            accepted[password] = True
        except ValidationError:
            accepted[password] = False
    lines = [f"・{label}: {'受け付ける' if accepted[pw] else '拒否'}" for pw, label in samples]
    item5 = not accepted["Ab1xY7qZ"] and accepted["Kq7mZt2wRp4x"] and not accepted["kq7mzt2wrp4x"]
    item42 = item5 and not accepted["kqxmztawrpbx"]
    return item5, item42, lines


def networks_open_to_all(networks) -> list[str]:
    wide = []
    for text in networks:
        try:
            net = ipaddress.ip_network(text, strict=False)
        except ValueError:
            continue
        if net.prefixlen == 0:
            wide.append(text)
    return wide


def heartbeat(name: str) -> Heartbeat | None:
    return Heartbeat.objects.filter(name=name).first()


def heartbeat_line(label: str, beat: Heartbeat | None) -> str:
    if beat is None:
        return f"{label}: まだ実行されていません"
    result = "正常" if beat.ok else f"失敗（{beat.detail.get('error', '')}）"
    generation = f"・世代 {beat.detail['generation']}" if beat.detail.get("generation") else ""
    return f"{label}: {result}（{shown_day(beat.at)}）{generation}"


def recent_ok(beat: Heartbeat | None, days: int = 2) -> bool:
    return beat is not None and beat.ok and beat.at >= timezone.now() - timedelta(days=days)


def in_middleware(name: str) -> bool:
    return name in settings.MIDDLEWARE


def axes_line() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return (
        f"設定: {settings.LOCKOUT_FAILURES}回失敗で{minutes}分ロック"
        "（django-axes、パスワードとTOTPコードの失敗を数える）"
    )


def session_lines() -> list[str]:
    hours = int(settings.SESSION_ABSOLUTE_LIFETIME.total_seconds() // 3600)
    return [
        f"設定: 無操作{settings.SESSION_COOKIE_AGE // 60}分でセッションを破棄"
        f"（SESSION_COOKIE_AGE={settings.SESSION_COOKIE_AGE}、操作のたびに延長、書込みは最長1分ごと）、"
        f"ログイン後最長{hours}時間、ログアウトでサーバ側のセッションを削除",
    ]
