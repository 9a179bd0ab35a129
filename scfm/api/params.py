"""The API's body parsers: JSON, and form-encoded or multipart fields nested Rails-style.

Existing SCFM clients send form bodies as `metadata[name]=x`, so they are decoded into nested dicts
and lists by the same `parse_nested` that reads `q[...]` query strings (scfm.filtering.params).
Every parsed body is checked by `check_body`.
"""

import io
import json
import re

from django.conf import settings
from django.utils.http import parse_header_parameters
from rest_framework.exceptions import ParseError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

from scfm.core.errors import ValidationFailed
from scfm.core.metadata import MAX_NESTING
from scfm.filtering.params import parse_nested, too_deep

# A lone UTF-16 surrogate (`"\ud800"` in JSON) is no character: it cannot be encoded as UTF-8, so
# a row holding one fails every later response that shows it. Paired surrogates (emoji written as
# `"\ud83d\ude00"`) are decoded into one character by the JSON parser and never match.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
LONE_SURROGATE_MESSAGE = "is not valid Unicode text (it holds a lone UTF-16 surrogate)"


def check_body(data) -> None:
    """Refuse a parsed body nested more than MAX_NESTING levels deep (400), holding a NUL character
    in a key or a string (400: PostgreSQL stores none in text or jsonb), or holding a lone UTF-16
    surrogate (422 naming the top-level field it is under). Walked without recursion, stopping at
    the first problem."""
    pending = [(data, 1, "base")]
    while pending:
        node, depth, field = pending.pop()
        if isinstance(node, str):
            if "\x00" in node:
                raise ParseError("Parameters must not contain NUL characters")
            if _LONE_SURROGATE.search(node):
                raise ValidationFailed.single(field, LONE_SURROGATE_MESSAGE)
            continue
        if isinstance(node, dict):
            # Keys are strings, checked like values; a top-level key names the field of its subtree
            # (a refused top-level key itself is reported under `base`: the answer must show it).
            pending.extend((key, depth, field) for key in node)
            children = [(child, key if depth == 1 else field) for key, child in node.items()]
        elif isinstance(node, list):
            children = [(child, field) for child in node]
        else:
            continue
        if depth > MAX_NESTING:
            raise too_deep()
        pending.extend((child, depth + 1, child_field) for child, child_field in children)


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def loads_json(raw: bytes | str):
    """Parse a JSON body; a malformed one, or one `check_body` refuses, is a ParseError (400)."""
    try:
        # NaN and Infinity are refused as DRF's strict parser does: the database refuses them too.
        data = json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError as error:
        raise too_deep() from error
    except ValueError as error:
        raise ParseError("JSON parse error") from error
    check_body(data)
    return data


class NestedFormParser(FormParser):
    """Parse `application/x-www-form-urlencoded` bodies into nested dicts (Rails conventions).

    `curl -d '{"msisdn": …}'`, as the API reference shows it, sends a JSON body labelled as a
    form; such a body is read as the JSON it is.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        if raw.lstrip().startswith(b"{"):
            return loads_json(raw)
        flat = super().parse(io.BytesIO(raw), media_type, parser_context)
        data = parse_nested((key, value) for key, values in flat.lists() for value in values)
        check_body(data)
        return data


class DepthLimitedJSONParser(JSONParser):
    """DRF's JSON parser, also refusing what `check_body` refuses (400)."""

    def parse(self, stream, media_type=None, parser_context=None):
        return loads_json(stream.read() if stream is not None else b"")


def is_framed_multipart(body: bytes, boundary: bytes) -> bool:
    """Whether `body` opens with its first delimiter and ends with the closing one (RFC 2046)."""
    delimiter = b"--" + boundary
    opens = body.startswith(delimiter) or b"\r\n" + delimiter in body
    return opens and body.rstrip(b"\r\n").endswith(delimiter + b"--")


class NestedMultiPartParser(MultiPartParser):
    """Parse `multipart/form-data` fields like form-encoded ones: nested by their brackets, checked
    by `check_body`, returned as a plain dict. DRF would otherwise hand serializers a QueryDict, whose
    JSON fields decode their text as JSON, past the checks above. No API resource takes a file.

    A body that is not well-formed multipart is a 400: Django reads one without the boundary it
    announced (or cut before the closing delimiter) as no fields at all, so `POST /api/callouts`
    with such a body created a callout with every default.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        _, params = parse_header_parameters(media_type or "")
        boundary = params.get("boundary", "").encode("ascii", "replace")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440
        body = stream.read(limit + 1) if stream is not None else b""
        if not boundary or len(body) > limit or not is_framed_multipart(body, boundary):
            raise ParseError("malformed multipart body")
        flat = super().parse(io.BytesIO(body), media_type, parser_context).data
        data = parse_nested((key, value) for key, values in flat.lists() for value in values)
        check_body(data)
        return data
