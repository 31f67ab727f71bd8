"""The sections of a system's page that other apps own.

A system's page shows its profile, its people and what applies to it (this app),
and, below, what the apps above systems know of it: its assessments, its automated
checks... Each such app registers a panel from its AppConfig.ready(); systems
knows none of them. A panel is a function (request, system, can_edit) returning
(template name, context), or None to show nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import SafeString


@dataclass(frozen=True)
class Panel:
    order: int  # smaller first
    build: Callable


PANELS: list[Panel] = []


def register_panel(order: int, build: Callable) -> None:
    if all(p.build is not build for p in PANELS):
        PANELS.append(Panel(order, build))
        PANELS.sort(key=lambda p: p.order)


def render_panels(request, system, *, can_edit: bool) -> list[SafeString]:
    """Each registered panel, rendered, in order (Django templates: autoescaped)."""
    out = []
    for panel in PANELS:
        built = panel.build(request, system, can_edit=can_edit)
        if built is not None:
            template, context = built
            out.append(render_to_string(template, context, request))
    return out
