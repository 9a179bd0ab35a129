"""Multipart bodies must be well-formed multipart: a body that is not is a 400, never an empty form.

Django's parser reads a body without the boundary it announced (or cut before the closing
delimiter) as no fields at all, so `POST /api/callouts` with such a body created a callout with
every default (201).
"""

import io

from django.conf import settings
from django.utils.http import parse_header_parameters
from rest_framework.exceptions import ParseError

from scfm.api.params import NestedMultiPartParser


def is_framed(body: bytes, boundary: bytes) -> bool:
    """Whether `body` opens with its first delimiter and ends with the closing one (RFC 2046)."""
    delimiter = b"--" + boundary
    opens = body.startswith(delimiter) or b"\r\n" + delimiter in body
    return opens and body.rstrip(b"\r\n").endswith(delimiter + b"--")


class FramedMultiPartParser(NestedMultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        _, params = parse_header_parameters(media_type or "")
        boundary = params.get("boundary", "").encode("ascii", "replace")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440
        body = stream.read(limit + 1) if stream is not None else b""
        if not boundary or len(body) > limit or not is_framed(body, boundary):
            raise ParseError("malformed multipart body")
        return super().parse(io.BytesIO(body), media_type, parser_context)
