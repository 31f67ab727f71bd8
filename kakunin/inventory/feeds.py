"""Vulnerability feeds, read offline (vulnerability-information): NVD's CVE JSON 2.0 files (the yearly
and modified feeds, .json or .json.gz) and JVN iPedia's MyJVN XML (VULDEF).

NVD files are large (300,000 CVEs in all): they are streamed with ijson, one CVE
at a time, never loaded whole, and a .gz is unpacked under a cap (a gzip bomb is
refused). XML goes through defusedxml. Any problem refuses the file, naming the
file and the record; the command imports nothing then.
"""

import datetime
import gzip
import hashlib
import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import defusedxml.ElementTree
import ijson
from django.conf import settings
from django.utils.translation import gettext as _

from kakunin.inventory.cpe import Cpe, CpeInvalid
from kakunin.inventory.models import Severity, Vulnerability

CVE_ID = re.compile(r"^CVE-\d{4}-\d{4,}$")
JVN_ID = re.compile(r"^JVNDB-\d{4}-\d{6}$")


class FeedRefused(ValueError):
    """The file cannot be imported; the message names the file and the record."""


@dataclass
class Record:
    ident: str
    source: str
    title: str = ""
    published: datetime.date | None = None
    cvss_score: Decimal | None = None
    severity: str = ""
    aliases: list[str] = field(default_factory=list)
    configurations: list = field(default_factory=list)

    def digest(self) -> str:
        payload = [
            self.title,
            str(self.published),
            str(self.cvss_score),
            self.severity,
            self.aliases,
            self.configurations,
        ]
        return hashlib.sha256(
            json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
        ).hexdigest()

    def vulnerable_products(self) -> set[tuple[str, str]]:
        return {
            (Cpe.parse(m["cpe"]).vendor, Cpe.parse(m["cpe"]).product)
            for conf in self.configurations
            for node in conf["nodes"]
            for m in node["matches"]
            if m["v"]
        }


class CappedReader:
    """A file-like object that stops at `limit` bytes read (unpacked, for a .gz)."""

    def __init__(self, raw, owner, limit: int, filename: str):
        self.raw, self.owner, self.limit, self.filename = raw, owner, limit, filename
        self.read_so_far = 0

    def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""  # ijson asks read(0) to learn whether the stream gives bytes
        data = self.raw.read(size if size > 0 else 1 << 20)
        self.read_so_far += len(data)
        if self.read_so_far > self.limit:
            raise FeedRefused(
                _(
                    "%(file)s: 展開後のサイズが上限（%(mb)s MB）を超えます。圧縮爆弾の疑いがあるため取り込みません。"
                )
                % {"file": self.filename, "mb": self.limit // (1024 * 1024)}
            )
        return data

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.raw.close()
        self.owner.close()


def spool(upload, folder: str, n: int) -> str:
    """A path to an uploaded feed's bytes: a large upload is already a temporary file;
    a small one is written into `folder` (the caller removes it) under a name of ours."""
    if hasattr(upload, "temporary_file_path"):
        return upload.temporary_file_path()
    path = f"{folder}/{n}.feed"
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path


def _stream(path, filename: str) -> CappedReader:
    """The file's bytes: unpacked (under the cap) when gzipped."""
    owner = open(path, "rb")
    gzipped = owner.read(2) == b"\x1f\x8b"
    owner.seek(0)
    raw = gzip.GzipFile(fileobj=owner) if gzipped else owner
    return CappedReader(raw, owner, settings.VULN_FEED_MAX_UNPACKED_BYTES, filename)


def check_unpacked_size(path, filename: str) -> int:
    """How much the file unpacks to, counted without parsing it; FeedRefused beyond
    VULN_FEED_MAX_UNPACKED_BYTES. A gzip bomb is refused in the seconds it takes to
    inflate up to the cap, before the parser spends minutes on it (on the web, past the
    request's time limit, it was never refused with a message)."""
    total = 0
    with _stream(path, filename) as stream:
        while chunk := stream.read(1 << 20):
            total += len(chunk)
    return total


def read(path, filename: str) -> Iterator[Record]:
    """The records of a feed file, NVD or JVN, told apart by their first bytes; its
    unpacked size is checked first."""
    try:
        check_unpacked_size(path, filename)
        with _stream(path, filename) as stream:
            head = stream.read(4096).lstrip()
    except (OSError, EOFError, zlib.error) as exc:
        raise FeedRefused(
            _("%(file)s: 読めません（%(error)s）。") % {"file": filename, "error": exc}
        ) from None
    if head.startswith(b"{"):
        return read_nvd(path, filename)
    if head.startswith(b"<"):
        return read_jvn(path, filename)
    raise FeedRefused(
        _("%(file)s: NVD の JSON でも JVN の XML でもありません。") % {"file": filename}
    )


# --- NVD ----------------------------------------------------------------------------


def read_nvd(path, filename: str) -> Iterator[Record]:
    n = 0
    try:
        with _stream(path, filename) as stream:
            kind = None
            for prefix, event, value in ijson.parse(stream):
                if prefix == "format":
                    kind = value
                if prefix == "vulnerabilities" and event == "start_array":
                    break
        if kind != "NVD_CVE":
            raise FeedRefused(
                _("%(file)s: NVD の CVE フィード（format が NVD_CVE の JSON 2.0）ではありません。")
                % {"file": filename}
            )
        with _stream(path, filename) as stream:
            for n, item in enumerate(
                ijson.items(stream, "vulnerabilities.item", use_float=True), 1
            ):
                yield _nvd_record(item, n, filename)
    except (ijson.JSONError, UnicodeDecodeError, OSError, EOFError) as exc:
        raise FeedRefused(
            _("%(file)s: JSON が壊れています（%(n)s 件目の後、%(error)s）。")
            % {"file": filename, "n": n, "error": str(exc)[:100]}
        ) from None


def _nvd_record(item, n: int, filename: str) -> Record:
    cve = item.get("cve") if isinstance(item, dict) else None
    ident = cve.get("id") if isinstance(cve, dict) else None
    if not isinstance(cve, dict) or not isinstance(ident, str) or not CVE_ID.match(ident):
        raise FeedRefused(
            _("%(file)s: %(n)s 件目に CVE ID がありません。") % {"file": filename, "n": n}
        )
    where = f"{filename} {ident}"
    descriptions = cve.get("descriptions") or []
    title = next((d.get("value", "") for d in descriptions if d.get("lang") == "en"), "")
    score, severity = _nvd_metrics(cve.get("metrics") or {})
    return Record(
        ident=ident,
        source=Vulnerability.Source.NVD,
        title=title[:500],
        published=_day(cve.get("published")),
        cvss_score=score,
        severity=severity,
        configurations=[_configuration(c, where) for c in cve.get("configurations") or []],
    )


def _nvd_metrics(metrics: dict) -> tuple[Decimal | None, str]:
    for key in ("cvssMetricV40", "cvssMetricV31", "cvssMetricV30", "cvssMetricV2"):
        for metric in metrics.get(key) or []:
            data = metric.get("cvssData") or {}
            severity = str(data.get("baseSeverity") or metric.get("baseSeverity") or "").upper()
            try:
                score = Decimal(str(data.get("baseScore")))
            except InvalidOperation:
                continue
            return score, severity if severity in Severity.values else ""
    return None, ""


def _configuration(conf: dict, where: str) -> dict:
    return {
        "op": str(conf.get("operator") or "OR").upper(),
        "negate": bool(conf.get("negate")),
        "nodes": [
            {
                "op": str(node.get("operator") or "OR").upper(),
                "negate": bool(node.get("negate")),
                "matches": [_match(m, where) for m in node.get("cpeMatch") or []],
            }
            for node in conf.get("nodes") or []
        ],
    }


BOUNDS = {
    "versionStartIncluding": "si",
    "versionStartExcluding": "se",
    "versionEndIncluding": "ei",
    "versionEndExcluding": "ee",
}


def _match(m: dict, where: str) -> dict:
    criteria = str(m.get("criteria") or "")
    try:
        Cpe.parse(criteria)
    except CpeInvalid:
        raise FeedRefused(
            _("%(where)s: CPE「%(cpe)s」を読めません。") % {"where": where, "cpe": criteria[:120]}
        ) from None
    out = {"cpe": criteria, "v": bool(m.get("vulnerable"))}
    out.update({short: str(m[key]) for key, short in BOUNDS.items() if m.get(key)})
    return out


def _day(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


# --- JVN iPedia ---------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_jvn(path, filename: str) -> Iterator[Record]:
    n = 0
    try:
        with _stream(path, filename) as stream:
            events = defusedxml.ElementTree.iterparse(stream, events=("start", "end"))
            _event, root = next(events)
            if _local(root.tag) != "VULDEF-Document":
                raise FeedRefused(
                    _("%(file)s: JVN iPedia（MyJVN）の VULDEF 形式の XML ではありません。")
                    % {"file": filename}
                )
            for event, elem in events:
                if event == "end" and _local(elem.tag) == "Vulinfo":
                    n += 1
                    yield _jvn_record(elem, n, filename)
                    root.clear()
    except FeedRefused:
        raise
    except Exception as exc:  # ParseError, EntitiesForbidden, DTDForbidden...
        raise FeedRefused(
            _(
                "%(file)s: XML が壊れているか、安全でない内容（XMLエンティティ等）を含んでいます（%(n)s 件目の後、%(error)s）。"
            )
            % {"file": filename, "n": n, "error": type(exc).__name__}
        ) from None


def _find(elem, *names):
    for name in names:
        elem = next((child for child in elem if _local(child.tag) == name), None)
        if elem is None:
            return None
    return elem


def _text(elem, *names) -> str:
    found = _find(elem, *names)
    return (found.text or "").strip() if found is not None else ""


def _jvn_record(vulinfo, n: int, filename: str) -> Record:
    ident = _text(vulinfo, "VulinfoID")
    if not JVN_ID.match(ident):
        raise FeedRefused(
            _("%(file)s: %(n)s 件目に JVNDB の ID がありません。") % {"file": filename, "n": n}
        )
    data = _find(vulinfo, "VulinfoData")
    if data is None:
        raise FeedRefused(
            _("%(file)s: %(id)s に VulinfoData がありません。") % {"file": filename, "id": ident}
        )
    score, severity = None, ""
    impact = _find(data, "Impact")
    for cvss in impact if impact is not None else []:
        if _local(cvss.tag) == "Cvss":
            try:
                score = Decimal(_text(cvss, "Base"))
            except InvalidOperation:
                continue
            severity = _text(cvss, "Severity").upper()
            break
    related = _find(data, "Related")
    aliases = sorted(
        {
            _text(item, "VulinfoID")
            for item in (related if related is not None else [])
            if CVE_ID.match(_text(item, "VulinfoID"))
        }
    )
    return Record(
        ident=ident,
        source=Vulnerability.Source.JVN,
        title=_text(data, "Title")[:500],
        published=_day(_text(data, "DateFirstPublished")),
        cvss_score=score,
        severity=severity if severity in Severity.values else "",
        aliases=aliases,
        configurations=_jvn_configurations(_find(data, "Affected"), f"{filename} {ident}"),
    )


def _jvn_configurations(affected, where: str) -> list:
    """Each affected product as an NVD-like configuration. JVN names a CPE 2.2
    product and a version in words (「1.2.3 およびそれ以前」); a version that
    cannot be read is left out rather than matched against every version."""
    matches = []
    for item in affected if affected is not None else []:
        cpe22 = _text(item, "Cpe")
        bounds = jvn_version(_text(item, "VersionNumber"))
        if not cpe22.startswith("cpe:/") or bounds is None:
            continue
        parts = (cpe22[5:].split(":") + ["*"] * 4)[:4]
        part, vendor, product, _version = (p or "*" for p in parts)
        try:
            cpe = Cpe.parse(
                f"cpe:2.3:{part}:{vendor}:{product}:{bounds.pop('exact', '*')}:*:*:*:*:*:*:*"
            )
        except CpeInvalid:
            raise FeedRefused(
                _("%(where)s: CPE「%(cpe)s」を読めません。") % {"where": where, "cpe": cpe22[:120]}
            ) from None
        matches.append(
            {
                "cpe": f"cpe:2.3:{cpe.part}:{cpe.vendor}:{cpe.product}:{cpe.version}:*:*:*:*:*:*:*",
                "v": True,
                **bounds,
            }
        )
    return (
        [
            {
                "op": "OR",
                "negate": False,
                "nodes": [{"op": "OR", "negate": False, "matches": matches}],
            }
        ]
        if matches
        else []
    )


_JVN_VERSION = [
    (re.compile(r"^(?P<v>[\w.\-]+)\s*(およびそれ以前|及びそれ以前|以前)$"), "ei"),
    (re.compile(r"^(?P<v>[\w.\-]+)\s*(より前|未満)(のバージョン)?$"), "ee"),
    (re.compile(r"^(?P<v>[\w.\-]+)$"), "exact"),
]


def jvn_version(text: str) -> dict | None:
    """「1.2.3 およびそれ以前」 -> {"ei": "1.2.3"}; None when the words say no version."""
    text = text.strip()
    for pattern, key in _JVN_VERSION:
        if m := pattern.match(text):
            return {key: m["v"]}
    return None
