"""What a file really is, from its bytes. The name only has to agree."""

from django.conf import settings
from django.utils.translation import gettext as _

from kakunin.core import zipcheck

# kind -> (content type, extensions the name may have)
KINDS = {
    "pdf": ("application/pdf", {".pdf"}),
    "png": ("image/png", {".png"}),
    "jpeg": ("image/jpeg", {".jpg", ".jpeg"}),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", {".xlsx"}),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", {".docx"}),
    "csv": ("text/csv", {".csv"}),
    "txt": ("text/plain", {".txt"}),
}


# An office file has a few dozen parts; thousands are a bomb's.
MAX_ZIP_ENTRIES = 2000


class Refused(Exception):
    """A file that will not be kept, with the reason in the user's language."""


def detect(data: bytes, filename: str) -> str:
    """The kind of the file. Raises Refused when it is none of the allowed kinds,
    or when its name claims another kind than its content."""
    kind = _kind_of(data)
    if kind is None:
        raise Refused(
            _(
                "PDF・PNG・JPEG・XLSX・DOCX・CSV・TXT のファイルだけを添付できます（内容から判定しています）。"
            )
        )
    ext = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if kind in ("csv", "txt") and ext in (".csv", ".txt"):
        return ext[1:]
    if ext not in KINDS[kind][1]:
        raise Refused(
            _("ファイルの内容（%(kind)s）と拡張子（%(ext)s）が一致しません。")
            % {"kind": kind.upper(), "ext": ext or "—"}
        )
    return kind


def _kind_of(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        return _office_kind(data)
    if _is_text(data):
        return "txt"
    return None


def _office_kind(data: bytes) -> str | None:
    try:
        names = zipcheck.check(
            data, max_bytes=settings.EVIDENCE_MAX_UNZIPPED_BYTES, max_entries=MAX_ZIP_ENTRIES
        ).names
    except zipcheck.Refused as refused:
        if refused.reason == "not_zip":
            return None
        if refused.reason == "damaged":
            raise Refused(
                _("圧縮された中身が壊れているか、書かれたサイズと一致しません。受け付けません。")
            ) from None
        raise Refused(
            _("展開後のサイズが上限を超えます。圧縮爆弾の疑いがあるため受け付けません。")
        ) from None
    if "[Content_Types].xml" not in names:
        return None
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    return None


def _is_text(data: bytes) -> bool:
    """UTF-8 (with or without BOM) or Shift_JIS text, without NUL bytes."""
    if b"\x00" in data:
        return False
    for encoding in ("utf-8-sig", "cp932"):
        try:
            data.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False
