"""Import endoflife.date product files (api/PRODUCT.json), downloaded elsewhere:
LGWAN has no internet. The product is the file's name (nginx.json -> nginx), or
--product for a single file. Every file is checked before any is imported.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from kakunin.inventory import actions, eol
from kakunin.tenants.commands import ServiceCommand


class Command(ServiceCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--product", help="the product name, when importing one file")

    def handle(self, *args, files, product, **options):
        if product and len(files) > 1:
            raise CommandError("--product はファイルが1つのときだけ使えます。")
        loaded = []
        try:
            for path in files:
                data = self._read(path)
                name = product or path.stem.lower()
                loaded.append((name, eol.read_product_file(data, name, path.name), path))
        except eol.EolFileRefused as exc:
            raise CommandError(f"取り込めません。何も変更していません。\n{exc}") from None
        for name, cycles, path in loaded:
            count, changed = actions.import_eol(
                actor=None, product=name, cycles=cycles, source_label=str(path)
            )
            self.stdout.write(f"{name}: {count} サイクル（変更 {changed}）")

    def _read(self, path: Path) -> bytes:
        try:
            with open(path, "rb") as f:
                data = f.read(settings.INVENTORY_IMPORT_MAX_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"{path}: 開けません ({exc.strerror})") from None
        if len(data) > settings.INVENTORY_IMPORT_MAX_BYTES:
            raise CommandError(f"{path}: ファイルが大きすぎます。")
        return data
