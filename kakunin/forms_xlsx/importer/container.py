"""The first stage: the file itself, its kind, size and zip structure, before openpyxl
parses it."""

import io
import logging
import zipfile
from contextlib import contextmanager

import olefile
from django.conf import settings
from django.utils.translation import gettext as _

from kakunin.core import zipcheck
from kakunin.forms_xlsx.importer.plan import CFB_MAGIC, MAX_ZIP_ENTRIES
from kakunin.staging.models import ImportRefused

log = logging.getLogger(__name__)


def _save_as_xlsx() -> str:
    return _(
        "Excel で開き、［名前を付けて保存］でファイルの種類を「Excel ブック (*.xlsx)」にして保存し直してから、アップロードしてください。"
    )


def _check_container(data: bytes) -> None:
    limit = settings.FORM_IMPORT_MAX_BYTES
    if len(data) > limit:
        raise ImportRefused(
            [_("ファイルが大きすぎます（上限 %(mb).1f MB）。") % {"mb": limit / 1024 / 1024}]
        )
    if data.startswith(CFB_MAGIC):
        raise ImportRefused([_ole_message(data)])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = {i.filename for i in infos}
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, ValueError, KeyError):
        raise ImportRefused([_not_a_zip_message(data)]) from None
    if b"opendocument" in mimetype:
        raise ImportRefused(
            [
                _(
                    "OpenDocument 形式（.ods）のファイルです。LibreOffice Calc で開き、［名前を付けて保存］でファイルの種類を「Excel 2007-365 (.xlsx)」にして保存し直してから、アップロードしてください。"
                )
            ]
        )
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise ImportRefused([_("xlsx 形式のファイルではありません。") + _save_as_xlsx()])
    try:
        zipcheck.check(
            data,
            max_bytes=settings.FORM_IMPORT_MAX_UNZIPPED_BYTES,
            max_entries=MAX_ZIP_ENTRIES,
            max_cells=settings.FORM_IMPORT_MAX_CELLS,
        )
    except zipcheck.Refused as refused:
        raise ImportRefused([_container_refusal(refused.reason)]) from None


def _container_refusal(reason: str) -> str:
    if reason == "cells":
        return _(
            "セルが多すぎます（上限 %(n)s）。確認一覧表のシートだけを残して保存し直してから、アップロードしてください。"
        ) % {"n": settings.FORM_IMPORT_MAX_CELLS}
    if reason == "damaged":
        return _("ファイルが壊れているか、中のサイズが偽られています。") + _save_as_xlsx()
    return _("展開後のサイズが上限を超えます。圧縮爆弾の疑いがあるため取り込みません。")


def _ole_message(data: bytes) -> str:
    """An OLE container is an encrypted xlsx (password to open) or an old .xls."""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            encrypted = ole.exists("EncryptedPackage")
    except Exception:
        encrypted = False
    if encrypted:
        return _(
            "ファイルにパスワード（読み取りパスワード）が設定されているため読めません。Excel で開き、［ファイル］→［情報］→［ブックの保護］→［パスワードを使用して暗号化］でパスワードを消して保存し直してから、アップロードしてください。"
        )
    return _("Excel 97-2003 形式（.xls）のファイルです。") + _save_as_xlsx()


def _not_a_zip_message(data: bytes) -> str:
    head = data[:4096]
    text = None
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = head.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is not None and ("," in text or "\t" in text):
        return _(
            "CSV（テキスト）のファイルです。Excel の様式に記入し、「Excel ブック (*.xlsx)」のまま保存したファイルをアップロードしてください。"
        )
    return _("xlsx 形式のファイルではありません。") + _save_as_xlsx()


@contextmanager
def _unreadable_refused():
    """openpyxl and defusedxml raise many kinds of error on a hostile or broken file
    (EntitiesForbidden, ParseError, KeyError, BadZipFile...): each refuses the file."""
    try:
        yield
    except ImportRefused:
        raise
    except Exception as exc:
        log.info("xlsx refused: %s: %s", type(exc).__name__, exc)
        raise ImportRefused(
            [
                _(
                    "ファイルを読み込めません。破損しているか、安全でない内容（XMLエンティティ等）を含んでいます。"
                )
            ]
        ) from None
