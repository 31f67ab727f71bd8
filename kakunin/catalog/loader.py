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
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from kakunin.catalog.layout import Layout, LayoutError
from kakunin.catalog.models import AXES, Control, Item, Template
from kakunin.tenants.active import current

BUNDLED_DIR = Path(__file__).resolve().parent / "data"
VOCABULARY = BUNDLED_DIR / "vocabulary" / "controls.yaml"
PROFILE_FLAGS = {"uses_servers", "serves_web", "uses_external_services", "my_number_domain"}
# The conditions any form's items may be given on the web, where its definition has
# none of its own (a form read from Excel): a profile flag, or a high C/I/A.
STANDARD_CONDITIONS: dict[str, dict[str, Any]] = {
    "servers": {"label": gettext_noop("【サーバ・ネットワーク機器を利用する場合】"), "flag": "uses_servers"},
    "web": {"label": gettext_noop("【Webサイト・Web画面・Web APIを提供する場合】"), "flag": "serves_web"},
    "external": {"label": gettext_noop("【外部サービス(クラウド・SaaS)を利用する場合】"), "flag": "uses_external_services"},
    "my-number": {"label": gettext_noop("【個人番号利用事務系で利用する場合】"), "flag": "my_number_domain"},
    "high-ci": {"label": gettext_noop("【機密性または完全性の重要度が「高」の場合】"), "any_high": ["confidentiality", "integrity"]},
    "high-any": {
        "label": gettext_noop("【機密性、完全性または可用性の重要度が「高」の場合】"),
        "any_high": ["confidentiality", "integrity", "availability"],
    },
}  # fmt: skip
SLUG = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
ITEM_FIELDS = {
    "key",
    "number",
    "label",
    "section",
    "subsection",
    "question",
    "examples",
    "standard",
    "answered_by",
    "preset_answer",
    "condition",
    "related",
    "controls",
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


def strip_lines(value):
    """A value read with _LineLoader, without the line numbers it noted."""
    if isinstance(value, dict):
        return {k: strip_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [strip_lines(v) for v in value]
    return value


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
        meta["layout"] = self.layout(data)
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

    def layout(self, data: dict) -> dict:
        """The form's layout as given (the defaults fill the rest when it is drawn),
        checked now: a layout that cannot be drawn loads nothing."""
        value = data.get("layout") or {}
        try:
            Layout.parse(value)
        except LayoutError as exc:
            self.fail(value if isinstance(value, dict) else data, f"layout: {exc}")
        return strip_lines(value) if value else {}

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
        label = str(node.get("label") or "").strip()
        if len(label) > 20:
            self.fail(node, "label は20文字以内です", key)
        item = {
            "key": key,
            "number": number,
            "label": "" if label == str(number) else label,
            "section": self.text(node, "section", key),
            "subsection": self.text(node, "subsection", key),
            "question": self.text(node, "question", key),
            "standard": self.text(node, "standard", key),
            "answered_by": node.get("answered_by", Item.AnsweredBy.VENDOR),
            "preset_answer": self.text(node, "preset_answer", key, required=False),
            "examples": self.string_list(node, "examples", key),
            "condition": self.string_list(node, "condition", key),
            "related": self.string_list(node, "related", key),
            "controls": self.string_list(node, "controls", key),
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
        known = vocabulary_keys()
        for control in item["controls"]:
            if control not in known:
                self.fail(
                    node, f"管理策「{control}」は管理策の一覧（controls.yaml）にありません", key
                )
        if len(set(item["controls"])) != len(item["controls"]):
            self.fail(node, "「controls」に同じ管理策が2回あります", key)
        return item

    def string_list(self, node: dict, name: str, key: str) -> list[str]:
        value = node.get(name) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(node, f"「{name}」は文字列のリストでなければなりません", key)
        return list(value)

    def cross_check(self, parsed: ParsedTemplate, nodes: list[dict]):
        self.numbers_and_keys(parsed, nodes)
        if not any(item["related"] for item in parsed.items):
            relate_by_controls(parsed.items)

    def numbers_and_keys(self, parsed: ParsedTemplate, nodes: list[dict]):
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


def relate_by_controls(items: list[dict]) -> None:
    """A form that names no related items of its own: items asking about a same
    control are related ("No.Nと同じ回答にする"), in the order of their numbers."""
    for item in items:
        mine = set(item["controls"])
        item["related"] = [
            other["key"]
            for other in sorted(items, key=lambda i: i["number"])
            if other is not item and mine & set(other["controls"])
        ]


# --- The control vocabulary -------------------------------------------------------


def read_vocabulary(path: Path = VOCABULARY) -> list[dict]:
    """The controls of the vocabulary file, checked: each with its key, group and titles."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CatalogError(f"{path}: 管理策の一覧を読み込めません ({exc})") from exc
    groups = data.get("groups") if isinstance(data, dict) else None
    controls = data.get("controls") if isinstance(data, dict) else None
    if not isinstance(groups, dict) or not isinstance(controls, list):
        raise CatalogError(f"{path}: groups と controls がありません")
    out, seen = [], set()
    for order, entry in enumerate(controls, start=1):
        key = entry.get("key", "") if isinstance(entry, dict) else ""
        if not SLUG.match(str(key)) or key in seen:
            raise CatalogError(f"{path}: 管理策「{key}」のキーが不正か重複しています")
        group = groups.get(entry.get("group"))
        if not group or not entry.get("ja") or not entry.get("en"):
            raise CatalogError(f"{path}: 管理策「{key}」に group・ja・en が必要です")
        unknown = set(entry) - {"key", "group", "ja", "en", "words"}
        words = entry.get("words") or []
        if unknown or not all(isinstance(w, str) for w in words):
            raise CatalogError(
                f"{path}: 管理策「{key}」: 未知の項目か不正な words です（{', '.join(sorted(unknown))}）"
            )
        seen.add(key)
        out.append(
            {
                "key": key,
                "group": entry["group"],
                "group_title": group["ja"],
                "group_title_en": group["en"],
                "title": entry["ja"],
                "title_en": entry["en"],
                "order": order,
                "words": list(words),
            }
        )
    return out


_ORDER: dict[str, int] = {}


def vocabulary_order() -> dict[str, int]:
    """Control key -> its place in the vocabulary (read once): the keys a form may
    name, and the order results by control are shown in."""
    if not _ORDER:
        _ORDER.update((c["key"], c["order"]) for c in read_vocabulary())
    return _ORDER


def vocabulary_keys() -> set[str]:
    return set(vocabulary_order())


def load_vocabulary() -> int:
    """Store the vocabulary: new controls added, titles brought up to date; a control
    is never removed (a form loaded earlier may name it). Returns the count."""
    controls = read_vocabulary()
    for entry in controls:
        fields = {k: v for k, v in entry.items() if k != "words"}
        Control.objects.update_or_create(key=entry["key"], defaults=fields)
    return len(controls)


# --- Storing a form -----------------------------------------------------------------


@dataclass
class LoadResult:
    template: Template
    created: bool
    retagged: bool = False


WORDING = ("number", "label", "section", "subsection", "question", "examples", "standard",
           "answered_by", "preset_answer", "condition")  # fmt: skip


def load(parsed: ParsedTemplate, municipality: int | None = None) -> LoadResult:
    """Store a parsed template: `municipality`'s own form (by default the one worked
    in), or, with none, the service's, which every municipality uses. Loading the same
    file twice changes nothing; a file that only tags the items of a loaded version anew
    (its controls, its related items) retags that version, its wording untouched."""
    load_vocabulary()
    meta = parsed.meta
    if municipality is None and (active := current()) is not None:
        municipality = active.pk
    existing = Template.objects.filter(
        Q(municipality_id=municipality), key=meta["key"], version=meta["version"]
    ).first()
    if existing is not None:
        if existing.source_sha256 == parsed.sha256:
            return LoadResult(existing, created=False)
        if not _same_wording(existing, parsed):
            raise CatalogError(
                f"{parsed.label} は別の内容で読み込み済みです。"
                "内容を変えるときは version を上げてください（既存の確認票は読み込み時の版を使い続けます）。"
            )
        with transaction.atomic():
            _tag(existing, parsed.items)
            existing.source_sha256 = parsed.sha256
            existing.save(update_fields=["source_sha256"])
        return LoadResult(existing, created=False, retagged=True)
    with transaction.atomic():
        # A definition loaded from a file is published: usable at once.
        template = Template.objects.create(
            source_sha256=parsed.sha256,
            published_at=timezone.now(),
            municipality_id=municipality,
            **meta,
        )
        Item.objects.bulk_create(
            Item(template=template, **_fields(item, exclude={"controls"})) for item in parsed.items
        )
        _tag(template, parsed.items)
    return LoadResult(template, created=True)


def _fields(item: dict, exclude: set[str]) -> dict:
    return {k: v for k, v in item.items() if k != "__line__" and k not in exclude}


def _same_wording(template: Template, parsed: ParsedTemplate) -> bool:
    stored = {i["key"]: i for i in template.items.values("key", *WORDING)}
    given = {i["key"]: {"key": i["key"], **{f: i[f] for f in WORDING}} for i in parsed.items}
    keep = ("name", "issuer", "instruction", "policy_line", "standards", "high", "conditions",
            "layout")  # fmt: skip
    same_meta = all(getattr(template, f) == parsed.meta[f] for f in keep)
    return (
        same_meta and template.effective_date == parsed.meta["effective_date"] and stored == given
    )


def _tag(template: Template, items: list[dict]) -> None:
    """Each item's controls and related items, as the definition gives them."""
    controls = dict(Control.objects.values_list("key", "pk"))
    through = Item.controls.through
    stored = {item.key: item for item in template.items.all()}
    through.objects.filter(item__template=template).delete()
    links = []
    for entry in items:
        item = stored[entry["key"]]
        if item.related != entry["related"]:
            item.related = entry["related"]
            item.save(update_fields=["related"])
        links += [through(item_id=item.pk, control_id=controls[c]) for c in entry["controls"]]
    through.objects.bulk_create(links)


def read_file(path: Path) -> ParsedTemplate:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: 読み込めません ({exc})") from exc
    return parse(text, source=str(path))
