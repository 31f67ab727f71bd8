"""Request bodies: JSON read through core.jsontext (nesting bounded: a deeply nested
body was a RecursionError, a 500), refused as a 400 problem with the reason."""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as DrfJSONParser

from kakunin.core import jsontext


class JSONParser(DrfJSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        data = stream.read(limit + 1) if stream else b""
        if len(data) > limit:
            raise ParseError(_("本文が大きすぎます（%(n)s バイトまで）。") % {"n": limit})
        try:
            return jsontext.loads(data)
        except jsontext.Unreadable as exc:
            raise ParseError(_("JSON として読めません（%(error)s）。") % {"error": exc}) from None
