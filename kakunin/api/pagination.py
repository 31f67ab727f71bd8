from rest_framework import pagination


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
