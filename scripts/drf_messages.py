"""Django REST framework's own messages in Japanese ("This list may not be empty.",
"Authentication credentials were not provided." …), without its catalogue's
wording for what Django says too.

rest_framework is not an installed app: its Japanese catalogue would replace Django's
words on every web form (「このフィールドは必須です」 became 「この項目は必須です」).
This writes kakunin/locale/ja/LC_MESSAGES/django.po with DRF's translations of the
messages no other installed catalogue has; `make messages` runs it and compiles it.
"""

import gettext
import sys
from pathlib import Path

import django
import rest_framework

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "kakunin" / "locale" / "ja" / "LC_MESSAGES" / "django.po"


def catalogue(path: Path) -> dict:
    with path.open("rb") as f:
        return gettext.GNUTranslations(f)._catalog  # type: ignore[attr-defined]


def quoted(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def main() -> None:
    drf = catalogue(Path(rest_framework.__file__).parent / "locale/ja/LC_MESSAGES/django.mo")
    site = Path(django.__file__).parent.parent
    others: dict = {}
    for path in site.glob("*/**/locale/ja/LC_MESSAGES/*.mo"):
        if "rest_framework" not in path.parts:
            others.update(catalogue(path))
    lines = [
        "# Django REST framework's Japanese messages that no other catalogue has",
        "# (written by scripts/drf_messages.py: edit that, not this).",
        'msgid ""',
        'msgstr ""',
        '"Content-Type: text/plain; charset=UTF-8\\n"',
        '"Language: ja\\n"',
        "",
    ]
    kept = 0
    for msgid, msgstr in sorted(drf.items(), key=lambda pair: str(pair[0])):
        if not msgid or isinstance(msgid, tuple) or msgid in others or not msgstr:
            continue
        lines += [f"msgid {quoted(msgid)}", f"msgstr {quoted(msgstr)}", ""]
        kept += 1
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines), encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {kept} messages", file=sys.stderr)


if __name__ == "__main__":
    main()
