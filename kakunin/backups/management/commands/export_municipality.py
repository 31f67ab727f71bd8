"""Write one municipality's data, evidence and audit chain into one encrypted archive
(契約終了時のデータ返却): `export_municipality CODE -o FILE [--key-file KEY]`.

Without --key-file a new key is made and printed once: hand it over apart from the
file. Nothing of any other municipality is in the archive.
"""

import base64
import binascii
import os
from pathlib import Path

from django.core.management.base import CommandError

from kakunin.backups import actions
from kakunin.tenants.commands import ServiceCommand, municipality_for


def read_key(path: Path) -> bytes:
    try:
        key = base64.b64decode(path.read_text().strip(), validate=True)
    except OSError as exc:
        raise CommandError(f"鍵のファイル {path} を読めません（{exc.strerror}）。") from None
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise CommandError(f"鍵のファイル {path} は 32 バイトの鍵（base64）ではありません。")
    return key


class Command(ServiceCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("code", help="全国地方公共団体コード / the municipality's code")
        parser.add_argument("-o", "--output", type=Path, required=True, help="the archive to write")
        parser.add_argument(
            "--key-file", type=Path, help="a 32-byte key in base64 (else one is made)"
        )

    def handle(self, *args, code: str, output: Path, key_file: Path | None, **options):
        municipality = municipality_for(code)
        if output.exists():
            raise CommandError(
                f"{output} はすでにあります。上書きはしません。別の名前を指定してください。"
            )
        if not output.parent.is_dir():
            raise CommandError(f"{output.parent} というフォルダはありません。")
        key = read_key(key_file) if key_file else os.urandom(32)
        exported = actions.export_municipality(municipality=municipality, out=output, key=key)
        counts = exported.manifest["counts"]
        self.stdout.write(
            f"{municipality.name}（{municipality.code}）のデータを {output} に書き出しました: "
            f"システム {counts['systems.System']} 件、回答 {counts['assessments.Answer']} 件、"
            f"証跡ファイル {counts['evidence.Evidence']} 件、監査イベント {counts['audit.Event']} 件。"
        )
        if not key_file:
            self.stdout.write("鍵（一度だけ表示します。ファイルとは別の経路で渡してください）:")
            self.stdout.write(base64.b64encode(key).decode())
