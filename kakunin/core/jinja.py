"""The Jinja2 environment, for the one fragment that repeats too often for Django's
template language: the 83 item blocks of an assessment page (see ARCHITECTURE.md
for the figures). Autoescape is on; `_()` and `ngettext()` are Django's translations
(the words are extracted by `make messages` like any template's); `url()` is
Django's reverse(), worked out once per URL name."""

import functools
from urllib.parse import quote

from django.core.signals import setting_changed
from django.urls import reverse
from django.utils import translation

from jinja2 import Environment
from kakunin.core.times import local

# Stand-ins for the arguments while reversing a URL name once: digits fit the int,
# slug and str converters alike.
_STAND_IN = 987_654_321


def minute(value) -> str:
    """A timestamp in the local time zone, to the minute."""
    return local(value)


@functools.lru_cache(maxsize=256)
def _pattern(name: str, arity: int) -> tuple[str, tuple[str, ...]]:
    stand_ins = tuple(str(_STAND_IN + i) for i in range(arity))
    return reverse(name, args=stand_ins), stand_ins


def url(name: str, *args) -> str:
    """reverse(name, args=args), at the cost of a few string replacements after the
    first call: 83 items with 7 links each would otherwise reverse 600 times a page."""
    path, stand_ins = _pattern(name, len(args))
    for stand_in, arg in zip(stand_ins, args, strict=True):
        path = path.replace(stand_in, quote(str(arg), safe=""), 1)
    return path


def _forget_patterns(setting, **kwargs):
    if setting in ("ROOT_URLCONF", "FORCE_SCRIPT_NAME"):
        _pattern.cache_clear()


setting_changed.connect(_forget_patterns)


def environment(**options) -> Environment:
    options.pop("autoescape", None)
    env = Environment(autoescape=True, extensions=["jinja2.ext.i18n"], **options)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        translation.gettext, translation.ngettext, newstyle=True
    )
    env.filters["minute"] = minute
    env.globals["url"] = url
    return env
