"""JSON that comes from outside (an SBOM, an end-of-life file, an API body), read whole.

Python's parser recurses into each array and object: a body of 100,000 "[" raised a
RecursionError, a 500. Nesting deeper than MAX_DEPTH is refused first, with a message,
however the file is laid out; no real document comes near it (a CycloneDX SBOM nests
components a few levels, an API body two or three)."""

import json
import re

from django.utils.translation import gettext as _

MAX_DEPTH = 100
# A JSON string, escapes and all: its brackets are text, not nesting.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_BRACKET = re.compile(rb"[\[\]{}]")


class Unreadable(ValueError):
    """Not JSON, or nested too deep; the message says which."""


def depth(data: bytes) -> int:
    """How deep the arrays and objects nest (strings skipped)."""
    deepest = level = 0
    for bracket in _BRACKET.findall(_STRING.sub(b"", data)):
        level += 1 if bracket in (b"[", b"{") else -1
        deepest = max(deepest, level)
    return deepest


def loads(data: bytes | str, max_depth: int = MAX_DEPTH):
    raw = data.encode() if isinstance(data, str) else data
    too_deep = _("配列やオブジェクトの入れ子が深すぎます（%(n)s 段まで）") % {"n": max_depth}
    if depth(raw) > max_depth:
        raise Unreadable(too_deep)
    try:
        return json.loads(raw)
    except RecursionError:  # (a depth under the limit that still recurses too far)
        raise Unreadable(too_deep) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise Unreadable(str(exc)) from None
