"""Rails-style nested parameters: `q[metadata][name]=x`, `q[metadata][ids][]=1&…[]=2`.

Existing SCFM clients send filters and form bodies this way, so query strings and
form-encoded bodies are both decoded into nested dicts and lists.
"""

import io
import json
import re
from collections.abc import Iterable
from urllib.parse import unquote_plus

from rest_framework.exceptions import ParseError
from rest_framework.parsers import FormParser, JSONParser

from scfm.core.metadata import MAX_NESTING

_KEY_PART = re.compile(r"\[([^\]]*)\]")


def too_deep() -> ParseError:
    return ParseError(f"Parameters are nested more than {MAX_NESTING} levels deep")


def check_body(data) -> None:
    """Refuse a parsed body nested more than MAX_NESTING levels deep, or holding a NUL character
    in a key or a string (PostgreSQL stores none in text or jsonb: it would be a 500). Walked
    without recursion, stopping at the first problem."""
    pending = [(data, 1)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, str):
            if "\x00" in node:
                raise ParseError("Parameters must not contain NUL characters")
            continue
        if isinstance(node, dict):
            pending.extend((key, depth) for key in node)  # keys are strings, checked like values
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > MAX_NESTING:
            raise too_deep()
        pending.extend((child, depth + 1) for child in children)


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


def split_key(key: str) -> list[str]:
    """Return the parts of `a[b][c][]` as ["a", "b", "c", ""]."""
    head, _, rest = key.partition("[")
    if not rest:
        return [key]
    return [head, *_KEY_PART.findall("[" + rest)]


def parse_nested(pairs: Iterable[tuple[str, str]]) -> dict:
    """Build a nested dict from (key, value) pairs; a bracketless trailing `[]` collects a list."""
    result: dict = {}
    for key, value in pairs:
        parts = split_key(key)
        if len(parts) > MAX_NESTING:
            raise too_deep()
        node = result
        for index, part in enumerate(parts):
            is_last = index == len(parts) - 1
            next_is_list = not is_last and parts[index + 1] == "" and index + 1 == len(parts) - 1
            if is_last:
                node[part] = value
            elif next_is_list:
                existing = node.get(part)
                if not isinstance(existing, list):
                    existing = node[part] = []
                existing.append(value)
                break
            else:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = node[part] = {}
                node = child
    return result


def nested_query_params(query_string: str) -> dict:
    """Decode a raw query string; a key without `=` gets None (`q[metadata][foo]` = "foo is null")."""
    pairs = []
    for item in query_string.split("&"):
        if not item:
            continue
        key, has_value, value = item.partition("=")
        pairs.append((unquote_plus(key), unquote_plus(value) if has_value else None))
    return parse_nested(pairs)


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
