"""A form as an OSCAL 1.1 catalog, and an OSCAL catalog as a form.

Written and read through compliance-trestle's models (OSCAL 1.1.3), so that what is
written is valid by construction and what is read is validated before anything is
kept. A section is a group, an item a control: its statement is the question, its
guidance the examples; the form's own number, who answers, the conditions and the
controls of Kakunin's vocabulary are properties in Kakunin's namespace. This is how a
form reaches other GRC tools (CISO Assistant, the US government's), and theirs reach
Kakunin.
"""

import datetime
import json
import re
import uuid

from django.utils import timezone
from pydantic.v1 import ValidationError
from trestle.common.err import TrestleError
from trestle.oscal import OSCAL_VERSION, common
from trestle.oscal import catalog as oscal

from kakunin.catalog import suggest
from kakunin.catalog.models import Template, controls_of

NS = "https://kakunin.example.lg.jp/ns/oscal"
NAMESPACE = uuid.UUID("6f756eff-9537-3820-8000-6b616b756e69")  # uuid5 names: stable ids
TOKEN = re.compile(r"[^A-Za-z0-9._-]+")


class OscalRefused(ValueError):
    """The file is not a valid OSCAL catalog; the messages say where."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def stable_uuid(*parts) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(map(str, parts))))


def _prop(name: str, value) -> common.Property:
    return common.Property(name=name, value=str(value), ns=NS)


def _token(text: str, prefix: str) -> str:
    token = TOKEN.sub("-", text).strip("-.")
    return token if token and token[0].isalpha() else f"{prefix}{token}"


def metadata(title: str, version: str, when, **props) -> common.Metadata:
    return common.Metadata(
        title=title,
        last_modified=when or timezone.now(),
        version=version,
        oscal_version=OSCAL_VERSION,
        props=[_prop(k, v) for k, v in props.items() if v] or None,
    )


def catalog_of(template: Template) -> oscal.Catalog:
    items = list(template.items.all())
    tags = controls_of(items)
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(item.section, []).append(item)
    return oscal.Catalog(
        uuid=stable_uuid("catalog", template.key, template.version),
        metadata=metadata(
            template.name,
            template.version,
            template.published_at or template.loaded_at,
            key=template.key,
            issuer=template.issuer,
            **{"effective-date": template.effective_date},
        ),
        groups=[
            oscal.Group(
                id=f"section-{n}",
                title=section,
                controls=[_control(item, tags[item.pk], template) for item in members],
            )
            for n, (section, members) in enumerate(groups.items(), start=1)
        ],
    )


def _control(item, tags: list[str], template: Template) -> oscal.Control:
    props = [_prop("label", item.shown_number), _prop("answered-by", item.answered_by)]
    props += [_prop("kakunin-control", key) for key in tags]
    props += [
        _prop("condition", template.conditions.get(c, {}).get("label", c)) for c in item.condition
    ]
    token = _token(item.key, "i-")
    parts = [common.Part(id=f"{token}_smt", name="statement", prose=item.question)]
    parts += [
        common.Part(id=f"{token}_gdn{n}", name="guidance", prose=example)
        for n, example in enumerate(item.examples, start=1)
        if example.strip()
    ]
    if item.preset_answer:
        props.append(_prop("preset-answer", item.preset_answer))
    return oscal.Control(id=_token(item.key, "i-"), title=item.subsection, props=props, parts=parts)


def to_json(model) -> str:
    """The document as OSCAL JSON, under its model's root key ("catalog", ...)."""
    return json.dumps(json.loads(model.oscal_serialize_json()), ensure_ascii=False, indent=2)


# --- Reading an OSCAL catalog -------------------------------------------------------


def read_catalog(text: str) -> oscal.Catalog:
    """A catalog checked by trestle. Raises OscalRefused naming what is wrong."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise OscalRefused([f"JSON として読めません（{exc}）"]) from None
    if not isinstance(data, dict) or "catalog" not in data:
        raise OscalRefused(["OSCAL のカタログ（最上位の「catalog」）ではありません"])
    try:
        return oscal.Catalog.parse_obj(data["catalog"])
    except ValidationError as exc:
        errors = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:10]]
        raise OscalRefused(["OSCAL のカタログとして正しくありません", *errors]) from None
    except TrestleError as exc:  # an OSCAL version trestle does not read
        raise OscalRefused([f"OSCAL のカタログとして正しくありません: {exc}"]) from None


def _props(control, name: str) -> list[str]:
    return [p.value for p in control.props or [] if p.name == name]


def _prose(parts, name: str) -> str:
    found = []
    for part in parts or []:
        if part.name == name and part.prose:
            found.append(part.prose)
        found += [_prose(part.parts, "item")] if part.name == name and part.parts else []
    return "\n".join(t for t in found if t)


def definition_of(catalog: oscal.Catalog, key: str, version: str) -> dict:
    """A form's definition (what load_catalog reads) from an OSCAL catalog: each
    control an item, its group the section; Kakunin's own properties where the
    catalog carries them (one of ours), the suggestions where it does not."""
    entries = []
    for group in catalog.groups or []:
        entries += _walk(group.controls, group.title)
    entries += _walk(catalog.controls, catalog.metadata.title)
    if not entries:
        raise OscalRefused(["カタログに管理策（control）がありません"])
    items, known = [], suggest.model()
    for number, (section, control) in enumerate(entries, start=1):
        question = _prose(control.parts, "statement") or control.title
        tags = _props(control, "kakunin-control")
        if not tags:
            best = suggest.best(
                {"subsection": control.title, "question": question, "section": section}
            )
            tags = [best.control] if best else []
        item = {
            "key": _token(control.id.casefold(), "item-")[:100],
            "number": number,
            "label": (_props(control, "label") or [control.id])[0][:20],
            "section": section[:200] or catalog.metadata.title[:200],
            "subsection": control.title[:200],
            "standard": "base",
            "question": question,
            "controls": [t for t in tags if t in known.vectors],
        }
        examples = [p.prose for p in control.parts or [] if p.name == "guidance" and p.prose]
        if examples:
            item["examples"] = examples
        entries_answer = _props(control, "preset-answer")
        if entries_answer:
            item["answered_by"], item["preset_answer"] = "ward", entries_answer[0]
        items.append(item)
    meta = catalog.metadata
    issuer = next((p.value for p in meta.props or [] if p.name == "issuer"), "") or "—"
    return {
        "key": key, "version": version, "name": meta.title[:200], "issuer": issuer[:200],
        "effective_date": _date(meta.last_modified).isoformat(),
        "standards": {"base": {"name": meta.title[:200]}},
        "high": {"confidentiality": 3, "integrity": 2, "availability": 2},
        "items": items,
    }  # fmt: skip


def _walk(controls, section: str) -> list:
    out = []
    for control in controls or []:
        out.append((section, control))
        out += _walk(control.controls, section)
    return out


def _date(moment) -> datetime.date:
    return moment.date() if isinstance(moment, datetime.datetime) else timezone.localdate()
