"""The Jinja2 environment, for the few fragments that repeat too often for Django's
template language (the 83 items of an assessment page). Autoescape is on."""

from django.urls import reverse

from jinja2 import Environment
from kakunin.core.times import local


def minute(value) -> str:
    """A timestamp in the local time zone, to the minute."""
    return local(value)


def url(name: str, *args) -> str:
    return reverse(name, args=args)


def environment(**options) -> Environment:
    options.pop("autoescape", None)
    env = Environment(autoescape=True, **options)
    env.filters["minute"] = minute
    env.globals["url"] = url
    return env
