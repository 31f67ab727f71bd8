"""Reading an inventory file: the Excel or CSV template, a CycloneDX SBOM (JSON or
XML, 1.4–1.6) or an SPDX 2.3 JSON SBOM. SBOMs are parsed by their well-kept
libraries (cyclonedx-python-lib, spdx-tools); XML goes through defusedxml first.
Any problem refuses the whole file, naming the row or the record.
"""

import hashlib
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import PurePath

import defusedxml.ElementTree
import openpyxl
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import ComponentType
from django.conf import settings
from django.utils.translation import gettext as _
from packageurl import PackageURL
from spdx_tools.spdx.parser.error import SPDXParsingError
from spdx_tools.spdx.parser.jsonlikedict.json_like_dict_parser import JsonLikeDictParser

from kakunin.core import jsontext, tables, wareki, xlsx
from kakunin.core.text import cell_problem
from kakunin.inventory.cpe import Cpe, CpeInvalid
from kakunin.inventory.models import Kind, Origin
from kakunin.staging.models import ImportRefused

MAX_COMPONENTS = 5000


@dataclass
class Row:
    """One component as the file states it."""

    kind: str
    maker: str
    product: str
    version: str
    location: str = ""
    cpe: str = ""
    purl: str = ""
    eol_product: str = ""
    support_end: str = ""  # ISO date or ""
    latest_version: str = ""
    not_latest_reason: str = ""
    planned_update: str = ""
    origin: str = Origin.LISTED

    def as_json(self) -> dict:
        return asdict(self)


# The template's columns: (field, header). The first row of the sheet or CSV.
TEMPLATE = [
    ("kind", "種別"),
    ("maker", "製造元"),
    ("product", "製品名"),
    ("version", "バージョン"),
    ("location", "稼働場所"),
    ("cpe", "CPE"),
    ("purl", "purl"),
    ("support_end", "サポート終了日"),
    ("latest_version", "最新バージョン"),
    ("not_latest_reason", "最新でない理由"),
    ("planned_update", "更新予定日"),
]
# The longest each column may be (the database's columns); a longer cell is refused,
# never cut.
LIMITS = {
    "maker": 200,
    "product": 200,
    "version": 100,
    "location": 200,
    "cpe": 300,
    "purl": 500,
    "latest_version": 100,
    "not_latest_reason": 2000,
}
KIND_WORDS = {str(label).casefold(): code for code, label in Kind.choices} | {
    code: code for code in Kind.values
}


@dataclass(frozen=True)
class Upload:
    """An uploaded list or SBOM, read: its rows, and its name and hash for the record."""

    rows: list
    filename: str
    sha256: str


def read_upload(upload) -> Upload:
    """An uploaded file (the web's form, the API), read within
    INVENTORY_IMPORT_MAX_BYTES. Raises ImportRefused with the reasons."""
    name = PurePath(upload.name or "upload").name
    data = upload.read(settings.INVENTORY_IMPORT_MAX_BYTES + 1)
    if len(data) > settings.INVENTORY_IMPORT_MAX_BYTES:
        raise ImportRefused([_("%(file)s: ファイルが大きすぎます。") % {"file": name}])
    return Upload(read(data, name), name, hashlib.sha256(data).hexdigest())


def read(data: bytes, filename: str) -> list[Row]:
    """The components a file lists. Raises ImportRefused."""
    name = filename.lower()
    if name.endswith(".csv"):
        rows = _table(_csv_rows(data, filename), filename)
    elif name.endswith(".xlsx"):
        rows = _table(_xlsx_rows(data, filename), filename)
    elif name.endswith(".json"):
        rows = _json(data, filename)
    elif name.endswith(".xml"):
        rows = _cyclonedx_xml(data, filename)
    else:
        raise ImportRefused(
            [
                _(
                    "%(file)s: 読める形式ではありません。テンプレート（.xlsx・.csv）、CycloneDX（.json・.xml）、SPDX 2.3（.json）のいずれかにしてください。"
                )
                % {"file": filename}
            ]
        )
    if len(rows) > MAX_COMPONENTS:
        raise ImportRefused(
            [
                _("%(file)s: 構成要素が多すぎます（上限 %(n)s）。")
                % {"file": filename, "n": MAX_COMPONENTS}
            ]
        )
    _refuse_duplicates(rows, filename)
    return rows


# --- the template -------------------------------------------------------------------


def _csv_rows(data: bytes, filename: str):
    try:
        return tables.csv_rows(data, filename)
    except tables.TableRefused as exc:
        raise ImportRefused([str(exc)]) from None


def _xlsx_rows(data: bytes, filename: str):
    try:
        return tables.xlsx_rows(data, filename, max_rows=MAX_COMPONENTS + 2, max_cols=20)
    except tables.TableRefused as exc:
        raise ImportRefused([str(exc)]) from None


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def _table(rows: list[list[str]], filename: str) -> list[Row]:
    headers = {_fold(h): f for f, h in TEMPLATE} | {f: f for f, _h in TEMPLATE}
    if not rows:
        raise ImportRefused([_("%(file)s: 空のファイルです。") % {"file": filename}])
    columns = {headers[_fold(h)]: i for i, h in enumerate(rows[0]) if _fold(h) in headers}
    missing = [h for f, h in TEMPLATE if f in ("kind", "product", "version") and f not in columns]
    if missing:
        raise ImportRefused(
            [
                _(
                    "%(file)s: 1行目に見出し（%(names)s）がありません。テンプレートをダウンロードして使ってください。"
                )
                % {"file": filename, "names": "、".join(missing)}
            ]
        )
    out, errors = [], []
    for n, values in enumerate(rows[1:], start=2):
        cells = {f: (values[i].strip() if i < len(values) else "") for f, i in columns.items()}
        if not any(cells.values()):
            continue
        where = _("%(file)s %(n)s行目") % {"file": filename, "n": n}
        try:
            out.append(_checked(cells, where, Origin.LISTED))
        except ImportRefused as exc:
            errors.extend(exc.errors)
    if errors:
        raise ImportRefused(errors)
    return out


def _checked(cells: dict, where: str, origin: str) -> Row:
    errors = []
    kind = KIND_WORDS.get(_fold(cells.get("kind", "")))
    if kind is None:
        errors.append(
            _("%(where)s: 種別「%(value)s」は %(choices)s のいずれかにしてください。")
            % {
                "where": where,
                "value": cells.get("kind", "")[:30],
                "choices": "、".join(str(label) for _c, label in Kind.choices),
            }
        )
    for field, label in (("product", _("製品名")), ("version", _("バージョン"))):
        if not cells.get(field, "").strip():
            errors.append(
                _("%(where)s: %(label)s がありません。") % {"where": where, "label": label}
            )
    if cells.get("cpe"):
        try:
            Cpe.parse(cells["cpe"])
        except CpeInvalid:
            errors.append(
                _(
                    "%(where)s: CPE「%(value)s」は CPE 2.3 の形式（cpe:2.3:a:製造元:製品:版:…）ではありません。"
                )
                % {"where": where, "value": cells["cpe"][:120]}
            )
    if cells.get("purl"):
        try:
            PackageURL.from_string(cells["purl"])
        except ValueError:
            errors.append(
                _("%(where)s: purl「%(value)s」を読めません。")
                % {"where": where, "value": cells["purl"][:120]}
            )
    dates = {}
    for field in ("support_end", "planned_update"):
        value = cells.get(field, "")
        if value:
            try:
                dates[field] = wareki.parse(value).isoformat()
            except wareki.DateUnreadable:
                errors.append(
                    _(
                        "%(where)s: 日付「%(value)s」を読めません（2026/4/1 や 令和8年4月1日 のように）。"
                    )
                    % {"where": where, "value": value[:30]}
                )
    headers = dict(TEMPLATE)
    for field, value in cells.items():
        problem = cell_problem(
            value, where=where, column=headers.get(field, field), limit=LIMITS.get(field, 2000)
        )
        if problem:
            errors.append(problem)
    if errors:
        raise ImportRefused(errors)
    return Row(
        kind=kind or "",
        **{f: cells.get(f, "").strip() for f in LIMITS},
        support_end=dates.get("support_end", ""),
        planned_update=dates.get("planned_update", ""),
        origin=origin,
    )


def _refuse_duplicates(rows: list[Row], filename: str) -> None:
    seen, errors = set(), []
    for row in rows:
        key = (row.maker.casefold(), row.product.casefold(), row.version, row.location.casefold())
        if key in seen:
            errors.append(
                _("%(file)s: %(product)s %(version)s（%(location)s）が2回あります。")
                % {
                    "file": filename,
                    "product": row.product,
                    "version": row.version,
                    "location": row.location or "-",
                }
            )
        seen.add(key)
    if errors:
        raise ImportRefused(errors)


# --- SBOMs --------------------------------------------------------------------------

CYCLONEDX_KINDS = {
    ComponentType.OPERATING_SYSTEM: Kind.OS,
    ComponentType.FIRMWARE: Kind.FIRMWARE,
    ComponentType.DEVICE: Kind.FIRMWARE,
    ComponentType.DEVICE_DRIVER: Kind.FIRMWARE,
    ComponentType.LIBRARY: Kind.LIBRARY,
    ComponentType.FRAMEWORK: Kind.LIBRARY,
    ComponentType.FILE: Kind.LIBRARY,
}
SPDX_KINDS = {"OPERATING_SYSTEM": Kind.OS, "FIRMWARE": Kind.FIRMWARE, "DEVICE": Kind.FIRMWARE}


def _json(data: bytes, filename: str) -> list[Row]:
    try:
        document = jsontext.loads(data)
    except jsontext.Unreadable as exc:
        raise ImportRefused(
            [_("%(file)s: JSON として読めません（%(error)s）。") % {"file": filename, "error": exc}]
        ) from None
    if isinstance(document, dict) and document.get("bomFormat") == "CycloneDX":
        return _cyclonedx(lambda: Bom.from_json(document), filename)  # type: ignore[attr-defined]
    if isinstance(document, dict) and str(document.get("spdxVersion", "")).startswith("SPDX-2"):
        return _spdx(document, filename)
    raise ImportRefused(
        [
            _(
                "%(file)s: CycloneDX の SBOM（bomFormat）でも SPDX 2.3（spdxVersion）でもない JSON です。"
            )
            % {"file": filename}
        ]
    )


def _cyclonedx_xml(data: bytes, filename: str) -> list[Row]:
    try:
        root = defusedxml.ElementTree.fromstring(data)
    except Exception as exc:  # (ParseError, EntitiesForbidden, DTDForbidden...)
        raise ImportRefused(
            [
                _(
                    "%(file)s: XML として読めないか、安全でない内容（XMLエンティティ等）を含んでいます（%(error)s）。"
                )
                % {"file": filename, "error": type(exc).__name__}
            ]
        ) from None
    if not root.tag.startswith("{http://cyclonedx.org/schema/bom/"):
        raise ImportRefused(
            [_("%(file)s: CycloneDX の SBOM ではない XML です。") % {"file": filename}]
        )
    return _cyclonedx(lambda: Bom.from_xml(root), filename)  # type: ignore[attr-defined]


def _cyclonedx(load, filename: str) -> list[Row]:
    try:
        bom = load()
    except Exception as exc:  # (the library raises many kinds on a bad document)
        raise ImportRefused(
            [
                _("%(file)s: CycloneDX として読めません（%(error)s）。")
                % {"file": filename, "error": str(exc)[:200]}
            ]
        ) from None
    rows, errors = [], []

    def walk(components, path):
        for n, component in enumerate(components):
            where = f"{filename} {path}[{n}] {component.name}"
            maker = (
                component.group
                or (component.supplier.name if component.supplier else "")
                or (component.publisher or "")
            )
            cells = {
                "kind": str(CYCLONEDX_KINDS.get(component.type, Kind.MIDDLEWARE)),
                "maker": str(maker or ""),
                "product": component.name or "",
                "version": component.version or "",
                "cpe": component.cpe or "",
                "purl": component.purl.to_string() if component.purl else "",
            }
            try:
                rows.append(_checked(cells, where, Origin.SBOM))
            except ImportRefused as exc:
                errors.extend(exc.errors)
            walk(component.components, f"{path}[{n}].components")

    walk(bom.components, "components")
    if errors:
        raise ImportRefused(errors)
    return rows


def _spdx(document: dict, filename: str) -> list[Row]:
    try:
        doc = JsonLikeDictParser().parse(document)
    except SPDXParsingError as exc:
        raise ImportRefused(
            [
                _("%(file)s: SPDX として読めません（%(error)s）。")
                % {"file": filename, "error": "; ".join(exc.get_messages())[:300]}
            ]
        ) from None
    described = {
        r.related_spdx_element_id
        for r in doc.relationships
        if r.relationship_type.name == "DESCRIBES"
    }
    packages = [p for p in doc.packages if len(doc.packages) == 1 or p.spdx_id not in described]
    rows, errors = [], []
    for n, package in enumerate(packages):
        refs = {r.reference_type: r.locator for r in package.external_references}
        purpose = package.primary_package_purpose.name if package.primary_package_purpose else ""
        supplier = getattr(package.supplier, "name", "") if package.supplier else ""
        cells = {
            "kind": str(
                SPDX_KINDS.get(purpose, Kind.LIBRARY if purpose == "LIBRARY" else Kind.MIDDLEWARE)
            ),
            "maker": str(supplier or ""),
            "product": package.name or "",
            "version": str(package.version or ""),
            "cpe": refs.get("cpe23Type", ""),
            "purl": refs.get("purl", ""),
        }
        try:
            rows.append(_checked(cells, f"{filename} packages[{n}] {package.name}", Origin.SBOM))
        except ImportRefused as exc:
            errors.extend(exc.errors)
    if errors:
        raise ImportRefused(errors)
    return rows


def template_xlsx() -> bytes:
    """The blank template a vendor fills (first sheet), with an example on a second
    sheet so that the example is never imported."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "構成一覧"
    example = wb.create_sheet("記入例")
    for sheet in (ws, example):
        sheet.append([h for _f, h in TEMPLATE])
    example.append(
        ["OS", "Red Hat", "Red Hat Enterprise Linux", "9.4", "Webサーバ",
         "cpe:2.3:o:redhat:enterprise_linux:9.4:*:*:*:*:*:*:*", "", "2032-05-31", "9.5",
         "検証中のため", "2027-03-31"]
    )  # fmt: skip
    for sheet in (ws, example):
        for column in "ABCDEFGHIJK":
            sheet.column_dimensions[column].width = 18
            for cell in sheet[column]:
                cell.number_format = "@"
    return xlsx.to_bytes(wb)
