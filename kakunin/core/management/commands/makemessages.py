"""Django's makemessages, also finding the sentences of the scanner's findings, which
are marked say("…") (kakunin/scans/policy.py) and translated when a page shows them."""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=say"]
