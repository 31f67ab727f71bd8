from rest_framework import pagination
from rest_framework.exceptions import NotFound


class Pages(pagination.PageNumberPagination):
    """100 a page; `page_size` up to 500 (the ward's 300 systems in one call)."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


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
