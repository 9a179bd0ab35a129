"""Rails-style nested parameters: `q[metadata][name]=x`, `q[metadata][ids][]=1&…[]=2`.

Existing SCFM clients send filters this way, so the API and the dashboard both decode the query
string into nested dicts and lists here; the API's form and multipart body parsers reuse
`parse_nested`.
"""

import re
from collections.abc import Iterable
from urllib.parse import unquote_plus

from scfm.core.errors import BadRequest
from scfm.core.metadata import MAX_NESTING

_KEY_PART = re.compile(r"\[([^\]]*)\]")


class ParametersTooDeep(BadRequest):
    """Parameters nested deeper than anyone means (the API answers 400, the dashboard says why)."""


def too_deep() -> ParametersTooDeep:
    return ParametersTooDeep(f"Parameters are nested more than {MAX_NESTING} levels deep")


def split_key(key: str) -> list[str]:
    """Return the parts of `a[b][c][]` as ["a", "b", "c", ""]."""
    head, _, rest = key.partition("[")
    if not rest:
        return [key]
    return [head, *_KEY_PART.findall("[" + rest)]


def parse_nested(pairs: Iterable[tuple[str, str | None]]) -> dict:
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
