"""Who is acting, and from where: set once per request, read by record()."""

from contextvars import ContextVar

client_ip: ContextVar[str | None] = ContextVar("client_ip", default=None)
