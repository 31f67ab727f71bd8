"""CPE 2.3 formatted strings (NISTIR 7695): cpe:2.3:part:vendor:product:version:...

Eleven attributes after the prefix, separated by unescaped colons; "*" means any,
"-" means not applicable. The strings are compared attribute by attribute after
unescaping, so this is all the parsing the inventory and the matching need.
"""

import re
from dataclasses import dataclass

ATTRIBUTES = (
    "part", "vendor", "product", "version", "update", "edition",
    "language", "sw_edition", "target_sw", "target_hw", "other",
)  # fmt: skip
_SPLIT = re.compile(r"(?<!\\):")
_VALID = re.compile(r"^(\*|-|[^\s*]|\\.)*\*?$|^\*$|^-$")


class CpeInvalid(ValueError):
    pass


@dataclass(frozen=True)
class Cpe:
    part: str
    vendor: str
    product: str
    version: str
    update: str
    edition: str
    language: str
    sw_edition: str
    target_sw: str
    target_hw: str
    other: str

    @classmethod
    def parse(cls, text: str) -> "Cpe":
        text = text.strip()
        fields = _SPLIT.split(text)
        if len(fields) != 13 or fields[0].lower() != "cpe" or fields[1] != "2.3":
            raise CpeInvalid(text)
        values = [_unescape(f) for f in fields[2:]]
        if values[0] not in ("a", "o", "h", "*"):
            raise CpeInvalid(text)
        if any(not v or any(ch.isspace() for ch in v) for v in values):
            raise CpeInvalid(text)
        return cls(*[v.lower() for v in values])

    def key(self) -> tuple[str, str, str]:
        return self.part, self.vendor, self.product


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


def matches(pattern: str, value: str) -> bool:
    """One attribute of a vulnerable CPE against a component's: * and - as NVD means them."""
    return pattern in ("*", value) or (value == "*" and pattern != "-")
