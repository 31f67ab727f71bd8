"""Errors as RFC 9457 problem details (application/problem+json), in the user's
language: {"type", "title", "status", "detail"}, and "errors" per field for a form."""

from http import HTTPStatus

from rest_framework.views import exception_handler

PROBLEM = "application/problem+json"


def _first(detail) -> str:
    if isinstance(detail, dict):
        detail = next(iter(detail.values()), "")
    if isinstance(detail, list):
        detail = detail[0] if detail else ""
    if isinstance(detail, (dict, list)):
        return _first(detail)
    return str(detail)


def problem_details(exc, context):
    response = exception_handler(exc, context)
    if response is None:
        return None  # a server error: Django's own 500 handler, never a traceback
    data = response.data
    body = {
        "type": "about:blank",
        "title": HTTPStatus(response.status_code).phrase,
        "status": response.status_code,
        "detail": _first(data),
    }
    if isinstance(data, dict) and "problems" in data:
        body["problems"] = data["problems"]  # a refused step: what stands in the way
    elif isinstance(data, dict) and not set(data) <= {"detail"}:
        body["errors"] = data
    response.data = body
    response.content_type = PROBLEM
    return response
