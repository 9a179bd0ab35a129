"""Random metadata and random `q[metadata]` filters: the database must agree with a Python oracle.

The suite runs on SQLite and on PostgreSQL, so agreeing with the oracle on both means both databases
select the same rows.
"""

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scfm.contacts.models import Contact
from scfm.core.errors import ValidationFailed
from scfm.filtering.compiler import apply_filters
from scfm.filtering.json_filters import DATE_PREFIX
from scfm.filtering.specs import CONTACT_FILTERS

# Keys include a digit, non-ASCII, a quote (SQLite's json_each path) and dots (suffix parsing).
KEYS = ("a", "0", "é", 'k"y', "d.date", "n.in")
STRINGS = (
    "",
    "x",
    "123",
    "12.50",
    "1.5",
    "-0.25",
    "007",
    "1e3",
    " 5",
    "true",
    "2022-01-15",
    "2022-02-30",
    "2024-02-29",
    "2022-01-15T10:00:00Z",
    "0000-01-01",
    "1401",
)
NUMBERS = (-3, 0, 5, 123, 2022, 1401, 1.5, -0.25, 12.5, 2.0)
ELEMENTS = ("1401", "1402", "x", "123")

MISSING = object()
OPERATORS = ("in", "any", "lt", "lteq", "gt", "gteq", "exists")
KINDS = ("numeric", "date")


# ---- the oracle: the documented semantics, written independently of the compiler ----------------


def text_of(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return None  # null, objects and arrays have no text


def number_of(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(repr(value))
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value):
        return Decimal(value)
    return None


def date_of(value: Any) -> str | None:
    if not isinstance(value, str) or not re.match(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return None
    try:
        dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
    return value[:10]


def lookup(document: Any, path: tuple[str, ...]) -> Any:
    for segment in path:
        if not isinstance(document, dict) or segment not in document:
            return MISSING
        document = document[segment]
    return document


def parse_last(segment: str) -> tuple[str, str | None, str | None]:
    name, operator, kind = segment, None, None
    head, _, tail = name.rpartition(".")
    if head and tail in OPERATORS:
        name, operator = head, tail
    head, _, tail = name.rpartition(".")
    if head and tail in KINDS:
        name, kind = head, tail
    return name, operator, kind


def leaves(query: dict, parents: tuple[str, ...] = ()):
    for key, value in query.items():
        if isinstance(value, dict):
            yield from leaves(value, (*parents, key))
        else:
            yield parents, key, value


def truthy(value: Any) -> bool:
    return value is not None and text_of(value).lower() in ("true", "1", "t", "yes", "on")


def compare(left: Any, operator: str, right: Any) -> bool:
    return {"lt": left < right, "lteq": left <= right, "gt": left > right, "gteq": left >= right}[operator]


def oracle_rejects(query: dict) -> bool:
    """Return whether a comparison bound does not fit its type (`d.date.lt=5` is a date comparison)."""
    for _, last, value in leaves(query):
        _, operator, kind = parse_last(last)
        if operator in ("lt", "lteq", "gt", "gteq"):
            if kind == "date" and date_of(value) is None:
                return True
            if kind != "date" and not re.fullmatch(r"-?[0-9.]+(e[0-9]+)?", value):
                return True
    return False


def oracle_matches(document: dict, query: dict) -> bool:
    for parents, last, value in leaves(query):
        name, operator, kind = parse_last(last)
        node = lookup(document, (*parents, name))
        texts = [text_of(v) for v in (value if isinstance(value, list) else [value]) if v is not None]
        if operator is None and value is None:
            ok = node is MISSING or node is None
        elif operator is None or operator == "in":
            ok = node is not MISSING and text_of(node) is not None and text_of(node) in texts
        elif operator == "any":
            ok = isinstance(node, list) and any(isinstance(e, str) and e in texts for e in node)
        elif operator == "exists":
            ok = (node is not MISSING) == truthy(value)
        elif kind == "date":
            stored = date_of(node) if node is not MISSING else None
            ok = stored is not None and compare(stored, operator, value)
        else:
            stored = number_of(node) if node is not MISSING else None
            ok = stored is not None and compare(stored, operator, Decimal(value))
        if not ok:
            return False
    return True


# ---- strategies ---------------------------------------------------------------------------------

scalars = st.one_of(st.sampled_from(STRINGS), st.sampled_from(NUMBERS), st.booleans(), st.none())
arrays = st.lists(st.one_of(st.sampled_from(ELEMENTS), st.just(1401)), max_size=3)


def documents(depth: int) -> st.SearchStrategy[dict]:
    children = st.one_of(scalars, arrays) if depth == 0 else st.one_of(scalars, arrays, documents(depth - 1))
    return st.dictionaries(st.sampled_from(KEYS), children, max_size=5)


def stored_paths(document: dict, parents: tuple[str, ...] = ()):
    """Yield `(path, value)` for every key of `document`, nested ones included."""
    for key, value in document.items():
        yield (*parents, key), value
        if isinstance(value, dict):
            yield from stored_paths(value, (*parents, key))


NUMERIC_BOUNDS = ("0", "5", "12.5", "-1", "123", "2022", "1401", "1e2", "-0.25", "1.5")
DATE_BOUNDS = ("2022-01-15", "2022-01-01", "2024-02-29", "2023-12-31", "0001-01-01")


@st.composite
def conditions(draw, documents: list[dict]) -> tuple[tuple[str, ...], str, Any]:
    """Draw one filter leaf, aimed at a stored path and value most of the time so that filters
    select some rows and not others, rather than almost always none."""
    stored = [pair for document in documents for pair in stored_paths(document)]
    aimed = bool(stored) and draw(st.integers(0, 3)) > 0
    if aimed:
        path, node = draw(st.sampled_from(stored))
    else:
        path = tuple(draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=3)))
        node = MISSING
    operator = draw(st.sampled_from((None, *OPERATORS)))
    kind = None
    text = text_of(node) if node is not MISSING else None
    if operator is None:
        value = draw(st.one_of(st.none(), st.sampled_from(STRINGS), st.sampled_from(NUMBERS), st.booleans()))
        if text is not None and draw(st.integers(0, 3)) > 0:
            value = node if draw(st.booleans()) else text  # JSON bodies send numbers and booleans as is
    elif operator in ("in", "any"):
        value = draw(
            st.one_of(st.lists(st.sampled_from(ELEMENTS + STRINGS), max_size=3), st.sampled_from(STRINGS))
        )
        if isinstance(node, list) and node and isinstance(value, list):
            value.append(text_of(draw(st.sampled_from(node))))
        elif text is not None and isinstance(value, list):
            value.append(text)
    elif operator == "exists":
        value = draw(st.sampled_from(("true", "false", "1", "0", "", True, False, None)))
    else:
        kind = draw(st.sampled_from((None, "numeric", "date")))
        bounds = DATE_BOUNDS if kind == "date" else NUMERIC_BOUNDS
        value = draw(st.sampled_from(bounds))
        if kind == "date" and date_of(node) and draw(st.integers(0, 3)) > 0:
            value = date_of(node)
        elif kind != "date" and number_of(node) is not None and draw(st.integers(0, 3)) > 0:
            value = str(number_of(node))
    last = path[-1] + (f".{kind}" if kind else "") + (f".{operator}" if operator else "")
    return path[:-1], last, value


@st.composite
def queries(draw, metadata: list[dict]) -> dict:
    """Draw a `q[metadata]` hash of one or two leaves."""
    query: dict = {}
    for parents, last, value in draw(st.lists(conditions(metadata), min_size=1, max_size=2)):
        target = query
        for segment in parents:
            target = target.setdefault(segment, {})
            if not isinstance(target, dict):
                break
        else:
            if not isinstance(target.get(last), dict):
                target[last] = value
    return query


@st.composite
def scenarios(draw) -> tuple[list[dict], list[dict]]:
    """Draw stored metadata documents and several queries over them (one insert, many checks)."""
    metadata = draw(st.lists(documents(2), min_size=1, max_size=15))
    return metadata, draw(st.lists(queries(metadata), min_size=1, max_size=10))


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios())
def test_database_agrees_with_oracle(account, scenario):
    metadata, queries = scenario
    Contact.objects.filter(account=account).delete()
    created = Contact.objects.bulk_create(
        Contact(account=account, msisdn=f"+85520{index:06d}", metadata=document)
        for index, document in enumerate(metadata)
    )
    contacts = Contact.objects.for_account(account)
    for query in queries:
        if oracle_rejects(query):
            with pytest.raises(ValidationFailed):
                apply_filters(contacts, {"metadata": query}, CONTACT_FILTERS)
            continue
        selected = apply_filters(contacts, {"metadata": query}, CONTACT_FILTERS)
        expected = {contact.id for contact in created if oracle_matches(contact.metadata, query)}
        assert set(selected.values_list("id", flat=True)) == expected, query


def test_date_pattern_accepts_exactly_the_calendar_dates():
    pattern = re.compile(DATE_PREFIX)
    for year in (1, 4, 100, 400, 1900, 2000, 2023, 2024, 2100, 9999):
        for month in range(0, 14):
            for day in range(0, 33):
                text = f"{year:04d}-{month:02d}-{day:02d}"
                try:
                    dt.date(year, month, day)
                    valid = True
                except ValueError:
                    valid = False
                assert bool(pattern.match(text)) == valid, text
    assert not pattern.match("0000-01-01")
    assert pattern.match("2024-02-29T10:00:00Z")
