"""List the accounts that need a look: unused for N days, organisation or role
changed since the last review, demo, test or generic. --disable disables them
all in one step (each audited); --complete records that the review was done."""

from django.core.management.base import CommandError
from django.db import transaction

from kakunin.accounts import actions, external
from kakunin.accounts.account_review import review
from kakunin.accounts.models import User
from kakunin.tenants.commands import MunicipalityCommand


class Command(MunicipalityCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help="unused for this many days (default: setting)")
        parser.add_argument("--disable", action="store_true", help="disable every account listed")
        parser.add_argument("--reason", default="アカウント棚卸しにより無効化")
        parser.add_argument("--complete", action="store_true", help="record the review as done")

    def handle(self, *args, days, disable, reason, complete, **options):
        if days is not None and days < 1:
            raise CommandError("--days は1以上の整数で指定してください。")
        people = User.objects.managed_in(self.municipality.pk).filter(is_active=True)
        findings = review(people, days)
        for f in findings:
            self.stdout.write(
                f"{f.user.username}\t{f.user.full_name}\t{f.kept}\t" + " / ".join(f.reasons)
            )
        self.stdout.write(f"{len(findings)} 件")
        # Every other account a directory keeps, with what it said at the last check.
        listed = {f.user.pk for f in findings}
        others = [p for p in people.order_by("username") if p.pk not in listed]
        states = external.states_of(others)
        for person in others:
            if person.pk in states:
                self.stdout.write(f"{person.username}\t{person.full_name}\t{states[person.pk][0]}")
        with transaction.atomic():
            if disable and findings:
                count = actions.disable_many(
                    actor=None, users=[f.user for f in findings], reason=reason
                )
                self.stdout.write(f"{count} 件を無効化しました。")
            if complete:
                actions.complete_review(actor=None, listed=len(findings))
                self.stdout.write("レビュー完了を記録しました。")
