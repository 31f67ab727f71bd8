from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError


class Pages(pagination.PageNumberPagination):
    """100 a page; `page_size` up to 500 (the ward's 300 systems in one call)."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        """DRF's, but a `page_size` that is not one whole number from 1 is refused (400),
        never silently replaced by the default."""
        given = request.query_params.getlist(self.page_size_query_param)
        if given and (
            len(given) > 1 or not (given[0].isascii() and given[0].isdigit()) or int(given[0]) < 1
        ):
            raise ValidationError(
                {self.page_size_query_param: [_("1以上の整数を1つ指定してください。")]}
            )
        return super().get_page_size(request)

    def get_schema_operation_parameters(self, view):
        """The schema says what get_page_size accepts: from 1 (more than 500 gives 500)."""
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters


class NewestFirst(pagination.CursorPagination):
    """Pages of the audit trail by sequence number, newest first: each page an index read
    at any depth (a cursor, never an offset)."""

    ordering = "-seq"
    page_size = 100
    # An event's sequence number fits a signed 64-bit integer (PostgreSQL's bigint).
    MAX_SEQ = 2**63 - 1

    def decode_cursor(self, request):
        """DRF's, and the position a sequence number: a crafted cursor with text or a
        number beyond the database's range there was a 500."""
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            try:
                position = int(cursor.position)
            except ValueError:
                raise NotFound(self.invalid_cursor_message) from None
            if not 0 <= position <= self.MAX_SEQ:
                raise NotFound(self.invalid_cursor_message)
        return cursor
