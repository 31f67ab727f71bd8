"""Django's makemessages for Kakunin: `manage.py makemessages -l en`.

It also finds the sentences marked say("…") (kakunin/core/text.py), which are
translated when a page shows them, and skips what is not Kakunin's own text.
"""

from django.core.management.commands import makemessages

# Not translated: tests, the benchmark, the deployment files, and what is not ours.
IGNORED = [".venv", "var", "test-artifacts", "scripts", "*/tests/*", "conftest.py",
           "deploy", "testsupport"]  # fmt: skip


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=say"]

    def handle(self, *args, **options):
        options["ignore_patterns"] = [*options.get("ignore_patterns", []), *IGNORED]
        return super().handle(*args, **options)
