"""Reading a checklist template from YAML, checking it, and storing it.

A file is checked whole before anything is written: a malformed file loads
nothing, and the message names the line and the item key at fault.
"""

import datetime
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import yaml
from django.db import transaction

from kakunin.catalog.models import AXES, Item, Template

BUNDLED_DIR = Path(__file__).resolve().parent / "data"
PROFILE_FLAGS = {"uses_servers", "serves_web", "uses_external_services", "my_number_domain"}
SLUG = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
ITEM_FIELDS = {
    "key",
    "number",
    "section",
    "subsection",
    "question",
    "examples",
    "standard",
    "answered_by",
    "preset_answer",
    "condition",
    "related",
}


class CatalogError(Exception):
    pass


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line each mapping starts on."""

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


@dataclass
class ParsedTemplate:
    meta: dict
    items: list[dict] = field(default_factory=list)
    sha256: str = ""

    @property
    def label(self) -> str:
        return f"{self.meta['key']} 第{self.meta['version']}版"


def bundled_files() -> list[Path]:
    return sorted(BUNDLED_DIR.glob("*.yaml"))


def parse(text: str, source: str = "") -> ParsedTemplate:
    """Parse and check a template file. Raises CatalogError naming the place."""
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{mark.line + 1}行目" if mark else "?"
        raise CatalogError(f"{source}: {where}: YAMLとして読めません ({exc})") from exc
    if not isinstance(data, dict):
        raise CatalogError(
            f"{source}: テンプレートの形式ではありません（最上位がマッピングでない）"
        )
    checker = _Checker(source)
    parsed = checker.template(data)
    parsed.sha256 = hashlib.sha256(text.encode()).hexdigest()
    return parsed


class _Checker:
    def __init__(self, source: str):
        self.source = source

    def fail(self, node: dict, message: str, key: str | None = None) -> NoReturn:
        where = f"{node.get('__line__', '?')}行目"
        who = f" 項目キー「{key}」" if key else ""
        raise CatalogError(f"{self.source}: {where}{who}: {message}")

    def text(self, node: dict, name: str, key: str | None = None, required=True) -> str:
        value = node.get(name)
        if value is None and not required:
            return ""
        if not isinstance(value, str | int | float) or not str(value).strip():
            self.fail(node, f"「{name}」は空でない文字列でなければなりません", key)
        return str(value)

    def template(self, data: dict) -> ParsedTemplate:
        meta: dict[str, Any] = {
            name: self.text(data, name) for name in ("key", "version", "name", "issuer")
        }
        if not SLUG.match(meta["key"]):
            self.fail(data, f"key「{meta['key']}」は英小文字・数字・ハイフンのみ使えます")
        meta["instruction"] = self.text(data, "instruction", required=False)
        meta["policy_line"] = self.text(data, "policy_line", required=False)
        meta["effective_date"] = self.date(data)
        meta["standards"] = self.standards(data)
        meta["high"] = self.high(data)
        meta["conditions"] = self.conditions(data)
        items = data.get("items")
        if not isinstance(items, list) or not items:
            self.fail(data, "「items」に項目の一覧がありません")
        parsed = ParsedTemplate(meta, [self.item(node, meta) for node in items])
        self.cross_check(parsed, items)
        return parsed

    def date(self, data: dict) -> datetime.date:
        value = data.get("effective_date")
        if isinstance(value, datetime.date):
            return value
        try:
            return datetime.date.fromisoformat(str(value))
        except ValueError:
            self.fail(data, f"effective_date「{value}」は YYYY-MM-DD の日付ではありません")

    def standards(self, data: dict) -> dict:
        value = data.get("standards")
        if not isinstance(value, dict) or not value:
            self.fail(data, "「standards」がありません")
        out = {}
        for key, std in value.items():
            if key == "__line__":
                continue
            if not isinstance(std, dict):
                self.fail(data, f"standards「{key}」の形式が正しくありません")
            out[key] = {"name": self.text(std, "name"), "banner": std.get("banner", "")}
        return out

    def high(self, data: dict) -> dict:
        value = data.get("high")
        if not isinstance(value, dict) or set(value) - {"__line__"} != set(AXES):
            self.fail(data, "「high」には confidentiality / integrity / availability が必要です")
        return {axis: int(value[axis]) for axis in AXES}

    def conditions(self, data: dict) -> dict:
        out = {}
        for key, cond in (data.get("conditions") or {}).items():
            if key == "__line__":
                continue
            if not isinstance(cond, dict):
                self.fail(data, f"conditions「{key}」の形式が正しくありません")
            entry: dict[str, Any] = {"label": self.text(cond, "label")}
            if cond.get("flag") in PROFILE_FLAGS:
                entry["flag"] = cond["flag"]
            elif isinstance(cond.get("any_high"), list) and set(cond["any_high"]) <= set(AXES):
                entry["any_high"] = list(cond["any_high"])
            else:
                flags = "、".join(sorted(PROFILE_FLAGS))
                self.fail(cond, f"条件「{key}」には flag（{flags}）か any_high が必要です")
            out[key] = entry
        return out

    def item(self, node, meta: dict) -> dict:
        if not isinstance(node, dict):
            self.fail({}, "items の要素がマッピングではありません")
        key = self.text(node, "key")
        if not SLUG.match(key):
            self.fail(node, "項目キーは英小文字・数字・ハイフンのみ使えます", key)
        unknown = set(node) - ITEM_FIELDS - {"__line__"}
        if unknown:
            self.fail(node, f"未知のフィールド: {', '.join(sorted(unknown))}", key)
        number = node.get("number")
        if not isinstance(number, int) or number < 1:
            self.fail(node, f"number「{number}」は1以上の整数でなければなりません", key)
        item = {
            "key": key,
            "number": number,
            "section": self.text(node, "section", key),
            "subsection": self.text(node, "subsection", key),
            "question": self.text(node, "question", key),
            "standard": self.text(node, "standard", key),
            "answered_by": node.get("answered_by", Item.AnsweredBy.VENDOR),
            "preset_answer": self.text(node, "preset_answer", key, required=False),
            "examples": self.string_list(node, "examples", key),
            "condition": self.string_list(node, "condition", key),
            "related": self.string_list(node, "related", key),
            "__line__": node["__line__"],
        }
        if item["standard"] not in meta["standards"]:
            self.fail(node, f"standard「{item['standard']}」が standards にありません", key)
        if item["answered_by"] not in Item.AnsweredBy.values:
            self.fail(node, "answered_by は vendor か ward です", key)
        if item["answered_by"] == Item.AnsweredBy.WARD and not item["preset_answer"]:
            self.fail(node, "区が回答する項目には preset_answer が必要です", key)
        for cond in item["condition"]:
            if cond not in meta["conditions"]:
                self.fail(node, f"条件「{cond}」が conditions にありません", key)
        return item

    def string_list(self, node: dict, name: str, key: str) -> list[str]:
        value = node.get(name) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(node, f"「{name}」は文字列のリストでなければなりません", key)
        return list(value)

    def cross_check(self, parsed: ParsedTemplate, nodes: list[dict]):
        seen_keys: dict[str, int] = {}
        seen_numbers: dict[int, int] = {}
        for item, node in zip(parsed.items, nodes, strict=True):
            key, number = item["key"], item["number"]
            if key in seen_keys:
                self.fail(node, f"項目キーが重複しています（{seen_keys[key]}行目と同じ）", key)
            if number in seen_numbers:
                self.fail(
                    node, f"No.{number} が重複しています（項目キー「{seen_numbers[number]}」）", key
                )
            seen_keys[key], seen_numbers[number] = node["__line__"], key
        for item, node in zip(parsed.items, nodes, strict=True):
            for ref in item["related"]:
                if ref not in seen_keys or ref == item["key"]:
                    self.fail(node, f"related「{ref}」は存在しない項目キーです", item["key"])


@dataclass
class LoadResult:
    template: Template
    created: bool


def load(parsed: ParsedTemplate) -> LoadResult:
    """Store a parsed template. Loading the same file twice changes nothing."""
    meta = parsed.meta
    existing = Template.objects.filter(key=meta["key"], version=meta["version"]).first()
    if existing is not None:
        if existing.source_sha256 != parsed.sha256:
            raise CatalogError(
                f"{parsed.label} は別の内容で読み込み済みです。"
                "内容を変えるときは version を上げてください（既存の確認票は読み込み時の版を使い続けます）。"
            )
        return LoadResult(existing, created=False)
    with transaction.atomic():
        template = Template.objects.create(source_sha256=parsed.sha256, **meta)
        Item.objects.bulk_create(
            Item(template=template, **{k: v for k, v in item.items() if k != "__line__"})
            for item in parsed.items
        )
    return LoadResult(template, created=True)


def read_file(path: Path) -> ParsedTemplate:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: 読み込めません ({exc})") from exc
    return parse(text, source=str(path))
