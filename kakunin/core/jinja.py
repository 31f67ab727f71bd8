"""The Jinja2 environment, for the fragments that repeat too often for Django's
template language: the 83 item blocks of an assessment page (see ARCHITECTURE.md
for the figures) and the rows of a system's inventory and its vulnerabilities. Autoescape is on; `_()` and `ngettext()` are Django's translations
(the words are extracted by `make messages` like any template's); `url()` is
Django's reverse(), worked out once per URL name.

for_language() gives the environment of one language, whose templates have their
_("literal") words translated when they are compiled: the 1,400 lookups a page's
blocks would make (17 words a block) cost nothing while they render."""

import functools
import re
from urllib.parse import quote

from django.conf import settings
from django.core.signals import setting_changed
from django.template import engines
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from jinja2 import Environment
from jinja2.ext import Extension
from jinja2.lexer import Token

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


class TranslatedLiterals(Extension):
    """Replaces _("literal") by its translation in the environment's language while the
    template compiles. Anything but a literal is left to the i18n extension."""

    def filter_stream(self, stream):
        pending: list[Token] = []
        for token in stream:
            pending.append(token)
            shape = [(t.type, t.value) for t in pending]
            if shape[:1] != [("name", "_")] or shape[1:2] not in ([], [("lparen", "(")]):
                yield from pending
                pending = []
            elif len(pending) == 4:
                if pending[2].type == "string" and pending[3].type == "rparen":
                    with translation.override(self.environment.language):  # type: ignore[attr-defined]
                        text = translation.gettext(pending[2].value)
                    yield Token(pending[0].lineno, "string", text)
                else:
                    yield from pending
                pending = []
        yield from pending


class Dedented(Extension):
    """The item blocks without their source's indentation: 83 blocks a page carried
    40 KB of it. Only the leading spaces of template lines go (a newline stays, so
    the HTML reads the same); what the values hold, such as a textarea's text, is
    never touched."""

    def preprocess(self, source, name, filename=None):
        return re.sub(r"(?m)^[ \t]+", "", source)


_by_language: dict[str, Environment] = {}


def for_language(language: str | None = None) -> Environment:
    """The item blocks' environment for this language (the active one by default)."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    if language not in _by_language:
        env = engines["jinja2"].env.overlay(extensions=[TranslatedLiterals, Dedented])  # type: ignore[attr-defined]
        env.language = language
        _by_language[language] = env
    return _by_language[language]


def _forget_patterns(setting, **kwargs):
    if setting in ("ROOT_URLCONF", "FORCE_SCRIPT_NAME"):
        _pattern.cache_clear()
    if setting in ("LANGUAGES", "LOCALE_PATHS", "TEMPLATES"):
        _by_language.clear()


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


def safe(html: str) -> SafeString:
    """HTML rendered here, by Jinja2 with autoescape on, for the Django template it
    goes into: the one place Kakunin marks HTML safe."""
    return mark_safe(html)  # noqa: S308 (rendered by Jinja2 with autoescape on)


def fragment(name: str, **context) -> SafeString:
    """A Jinja2 template of this language, rendered, as safe HTML."""
    return safe(for_language().get_template(name).render(**context))
