"""Who is acting, and from where: set once per request, read by record()."""

from contextvars import ContextVar

# The address of the request being served (None outside a request: a command, a job).
# The function that works it out from a request is middleware.client_ip.
current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)
