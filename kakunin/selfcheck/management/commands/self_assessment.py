"""Kakunin answers its own checklist: create, or on later runs update, the
assessment of the system SELF_ASSESSMENT_SYSTEM (「Kakunin」) from the live
configuration — password rules, lockout, sessions, TLS and headers from a scan of
SITE_URL, audit retention and the chain, backups, encryption keys, the admin
allow-list. What depends on the ward's own operations is left 要確認 with what to
check, never claimed. The ward reviews it like any other assessment.

Exit code 0: the answers were written; 1: nothing changed (the message says why).
"""

from django.core.management.base import CommandError

from kakunin.accounts.models import Role, User
from kakunin.selfcheck import actions
from kakunin.tenants.commands import ServiceCommand

LABELS = {"done": "対応済", "partial": "一部対応", "not_done": "未対応", "check": "要確認"}


class Command(ServiceCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument(
            "--user", help="the administrator it runs as (needed when there are several)"
        )
        parser.add_argument(
            "--department", help="the ward department that owns Kakunin (first run only)"
        )
        parser.add_argument("--no-scan", action="store_true", help="do not scan SITE_URL")

    def handle(self, *args, user: str | None, department: str | None, no_scan: bool, **options):
        actor = self._actor(user)
        try:
            outcome = actions.run(actor=actor, department=department, scan=not no_scan)
        except actions.Refused as exc:
            raise CommandError(str(exc)) from None
        a = outcome.assessment
        counts = "、".join(f"{LABELS[k]} {n}" for k, n in sorted(outcome.counts.items()))
        self.stdout.write(
            f"{'作成' if outcome.created else '更新'}: {a.system.name} の確認票 #{a.pk}"
            f"（{a.get_state_display()}）— {counts}。変更した回答 {outcome.changed} 件。"
        )
        if outcome.locked:
            numbers = ", ".join(str(n) for n in outcome.locked)
            self.stdout.write(f"差戻しの対象でないため変更していない項目: No.{numbers}")
        if outcome.scan_note:
            self.stdout.write(outcome.scan_note)

    def _actor(self, username: str | None) -> User:
        admins = User.objects.filter(is_active=True, role=Role.ADMIN)
        if username:
            actor = admins.filter(username=username).first()
            if actor is None:
                raise CommandError(f"有効な管理者「{username}」がいません。")
            return actor
        found = list(admins[:2])
        if len(found) != 1:
            raise CommandError(
                "管理者がいません。"
                if not found
                else "管理者が複数います。--user で指定してください。"
            )
        return found[0]
