"""Compile the reference API's `q[...]` filter hash into queryset conditions.

`q` arrives as nested dicts parsed from Rails-style query strings (`q[metadata][a][b.in][]=x`) or
from JSON bodies (a population's `contact_filter_params`). Unknown keys are ignored as the reference
ignores them; malformed values raise `ValidationFailed({"q": [...]})` (a 422) instead of the
reference's SQL errors.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import Q

from scfm.contacts.msisdn import normalize_msisdn
from scfm.core.errors import ValidationFailed
from scfm.filtering.json_filters import DATE_PREFIX, JsonCondition, JsonTerm

JSON_OPERATORS = frozenset({"in", "any", "lt", "lteq", "gt", "gteq", "exists"})
JSON_KINDS = frozenset({"numeric", "date"})
TIMESTAMP_SUFFIXES = {"before": "lt", "or_before": "lte", "after": "gt", "or_after": "gte"}
RANGE_SUFFIXES = {"gt": "gt", "gteq": "gte", "lt": "lt", "lteq": "lte"}
TRUE_WORDS = frozenset({"true", "1", "t", "yes", "on"})
FALSE_WORDS = frozenset({"false", "0", "f", "no", "off", ""})

_INTEGER = re.compile(r"\A[+-]?[0-9]+\Z")
# Larger than any column holds (bigint: 19 digits). Python refuses to convert strings of more than
# 4,300 digits, so longer numbers are not converted: they stand for this bound, with their sign.
_BEYOND_ANY_COLUMN = 10**20
_DECIMAL = re.compile(r"\A[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,3})?\Z")
_DATE_ONLY = re.compile(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_DATE_PREFIX = re.compile(DATE_PREFIX)


@dataclass(frozen=True)
class FilterSpec:
    """The `q` keys one resource accepts (reference §5.1-§5.6)."""

    exact: tuple[str, ...] = ()  # q[col]=a,b -> col IN ('a','b'); an empty value matches nothing
    msisdn: bool = False  # q[msisdn]=... -> msisdn = normalize_msisdn(value)
    timestamps: tuple[str, ...] = ("created_at", "updated_at")  # q[T_before|T_or_before|T_after|T_or_after]
    ranges: tuple[str, ...] = ()  # q[col_gt|col_gteq|col_lt|col_lteq], integers
    json_columns: tuple[str, ...] = ("metadata",)  # q[metadata][...]
    # q[key][...] filters the related model with its own spec: {"callout_filter_params": ("callout", SPEC)}
    related: Mapping[str, tuple[str, FilterSpec]] = field(default_factory=dict)


def apply_filters(
    queryset: models.QuerySet, q: Mapping[str, Any] | None, spec: FilterSpec
) -> models.QuerySet:
    """Return queryset narrowed by q; raise ValidationFailed({"q": [...]}) on bad input."""
    if not isinstance(q, Mapping):
        return queryset
    errors: list[str] = []
    conditions = _conditions(queryset.model, q, spec, "q", errors)
    if errors:
        raise ValidationFailed({"q": errors})
    return queryset.filter(*conditions)


def _conditions(
    model: type[models.Model], q: Mapping[str, Any], spec: FilterSpec, prefix: str, errors: list[str]
) -> list[Any]:
    """Return the conditions `q` asks for on `model`, appending a message per bad value to `errors`."""
    conditions: list[Any] = []

    def attempt(build, *args) -> None:
        try:
            conditions.extend(build(*args))
        except _Invalid as invalid:
            errors.extend(invalid.messages)

    for column in spec.exact:
        if column in q:
            attempt(_exact, model, column, q[column], f"{prefix}[{column}]")
    if spec.msisdn and "msisdn" in q:
        attempt(_msisdn, q["msisdn"], f"{prefix}[msisdn]")
    for column in spec.timestamps:
        for suffix, lookup in TIMESTAMP_SUFFIXES.items():
            key = f"{column}_{suffix}"
            if key in q:
                attempt(_timestamp, column, lookup, q[key], f"{prefix}[{key}]")
    for column in spec.ranges:
        for suffix, lookup in RANGE_SUFFIXES.items():
            key = f"{column}_{suffix}"
            if key in q:
                attempt(_range, column, lookup, q[key], f"{prefix}[{key}]")
    for column in spec.json_columns:
        if q.get(column) is not None:
            attempt(_json, column, q[column], f"{prefix}[{column}]")
    for key, (relation, related_spec) in spec.related.items():
        value = q.get(key)
        if value is None or value == "":
            continue
        if not isinstance(value, Mapping):
            errors.append(f"{prefix}[{key}] must be a hash of filters")
            continue
        related_model = model._meta.get_field(relation).related_model
        related_conditions = _conditions(related_model, value, related_spec, f"{prefix}[{key}]", errors)
        if related_conditions:
            subquery = related_model._default_manager.filter(*related_conditions).values("pk")
            conditions.append(Q(**{f"{relation}__in": subquery}))
    return conditions


class _Invalid(Exception):
    """Filter values that cannot be compiled; each message names the offending `q` key."""

    def __init__(self, *messages: str):
        super().__init__(*messages)
        self.messages = messages


def _text(value: Any, key: str) -> str:
    """Return a scalar filter value as text: JSON bodies may send `false` or `3` for "false" or "3"."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float):
        text = repr(value)
    else:
        raise _Invalid(f"{key} must be a single value")
    if "\x00" in text:  # PostgreSQL text cannot hold NUL; refuse it on every database alike
        raise _Invalid(f"{key} must not contain NUL characters")
    return text


def _integer(text: str) -> int:
    """Convert a text `_INTEGER` matched; numbers beyond any column become ±_BEYOND_ANY_COLUMN."""
    if len(text.lstrip("+-")) > len(str(_BEYOND_ANY_COLUMN)):
        return -_BEYOND_ANY_COLUMN if text.startswith("-") else _BEYOND_ANY_COLUMN
    return int(text)


def _exact(model: type[models.Model], column: str, value: Any, key: str) -> list[Q]:
    """Match any of the comma-separated values (`status=queued,failed`)."""
    items = value if isinstance(value, list | tuple) else [value]
    texts = [
        part.strip()
        for item in items
        if item is not None
        for part in _text(item, key).split(",")
        if part.strip()
    ]
    model_field = model._meta.get_field(column)
    target = model_field.target_field if model_field.is_relation else model_field
    if isinstance(target, models.IntegerField):
        if bad := [text for text in texts if not _INTEGER.match(text)]:
            raise _Invalid(f"{key}: {bad[0]!r} is not a valid integer")
        low, high = BaseDatabaseOperations.integer_field_ranges[target.get_internal_type()]
        # A number the column cannot hold matches nothing; sending it would be a database error.
        values: list[Any] = [n for n in map(_integer, texts) if low <= n <= high]
    else:
        values = texts
    return [Q(**{f"{column}__in": values})]


def _msisdn(value: Any, key: str) -> list[Q]:
    text = "" if value is None else _text(value, key)
    return [Q(msisdn=normalize_msisdn(text))]


def _timestamp(column: str, lookup: str, value: Any, key: str) -> list[Q]:
    """Compare with a moment, or with the UTC calendar date when the value is just `YYYY-MM-DD`."""
    text = "" if value is None else _text(value, key).strip()
    if not text:  # an empty form field means "no bound"
        return []
    if _DATE_ONLY.match(text):
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise _Invalid(f"{key}: {text!r} is not a valid date") from None
        return _date_bound(column, lookup, day)
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise _Invalid(f"{key}: {text!r} is not a valid date or ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return [Q(**{f"{column}__{lookup}": moment})]


def _date_bound(column: str, lookup: str, day: dt.date) -> list[Q]:
    """Turn a comparison of the column's UTC date into a range on the column (index-friendly)."""
    start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    try:
        next_start: dt.datetime | None = start + dt.timedelta(days=1)
    except OverflowError:  # 9999-12-31 has no next day
        next_start = None
    if lookup == "lt":
        return [Q(**{f"{column}__lt": start})]
    if lookup == "gte":
        return [Q(**{f"{column}__gte": start})]
    if next_start is None:  # after the last day: nothing; on or before it: every dated row
        return [Q(pk__in=[])] if lookup == "gt" else [Q(**{f"{column}__isnull": False})]
    return [Q(**{f"{column}__gte" if lookup == "gt" else f"{column}__lt": next_start})]


def _range(column: str, lookup: str, value: Any, key: str) -> list[Q]:
    text = "" if value is None else _text(value, key).strip()
    if not text:  # an empty form field means "no bound"
        return []
    if not _INTEGER.match(text):
        raise _Invalid(f"{key}: {text!r} is not a valid integer")
    # Django turns a bound outside the column's range into "all rows" or "no rows" itself.
    return [Q(**{f"{column}__{lookup}": _integer(text)})]


def _json(column: str, value: Any, key: str) -> list[JsonCondition]:
    if not isinstance(value, Mapping):
        raise _Invalid(f"{key} must be a hash of keys and values")
    terms: list[JsonTerm] = []
    messages: list[str] = []
    for parents, name, leaf, leaf_key in _json_leaves(value, (), key):
        try:
            terms.append(_json_term(parents, name, leaf, leaf_key))
        except _Invalid as invalid:
            messages.extend(invalid.messages)
    if messages:
        raise _Invalid(*messages)
    return [JsonCondition(column, term) for term in terms]


def _json_leaves(value: Mapping[str, Any], parents: tuple[str, ...], key: str):
    """Yield `(parents, last segment, value, q key)` per leaf; only hashes nest, dots never do."""
    for name, child in value.items():
        name = str(name)
        child_key = f"{key}[{name}]"
        if isinstance(child, Mapping):
            yield from _json_leaves(child, (*parents, name), child_key)
        else:
            yield parents, name, child, child_key


def _json_term(parents: tuple[str, ...], last: str, value: Any, key: str) -> JsonTerm:
    """Read `<name>[.<numeric|date>][.<operator>]`: the operator is stripped first, then the type."""
    if any("\x00" in segment for segment in (*parents, last)):
        raise _Invalid(f"{key} must not contain NUL characters")
    name, operator = _strip_suffix(last, JSON_OPERATORS)
    name, kind = _strip_suffix(name, JSON_KINDS)
    path = (*parents, name)
    if operator is None:
        if value is None:
            return JsonTerm(path, "null")
        if isinstance(value, list | tuple):
            raise _Invalid(f"{key} must be a single value (use `{name}.in` to match a list)")
        return JsonTerm(path, "eq", (_text(value, key),))
    if operator in ("in", "any"):
        items = value if isinstance(value, list | tuple) else [value]
        return JsonTerm(path, operator, tuple(_text(item, key) for item in items if item is not None))
    if operator == "exists":
        return JsonTerm(path, "exists" if _boolean(value, key) else "missing")
    if value is None or isinstance(value, list | tuple | bool):
        raise _Invalid(f"{key} must be a single {kind or 'numeric'} value")
    text = _text(value, key).strip()
    if kind == "date":
        # A date, or the date part of a time (`2022-01-01T10:00:00Z`): dates compare by day.
        if not _DATE_PREFIX.match(text) or (len(text) > 10 and text[10] not in "T "):
            raise _Invalid(f"{key}: {text!r} is not a valid date (YYYY-MM-DD)")
        return JsonTerm(path, operator, bound=text[:10], kind="date")
    try:
        if not _DECIMAL.match(text):
            raise InvalidOperation
        bound = Decimal(text)
    except InvalidOperation:
        raise _Invalid(f"{key}: {text!r} is not a valid number") from None
    return JsonTerm(path, operator, bound=bound, kind="numeric")


def _strip_suffix(name: str, suffixes: frozenset[str]) -> tuple[str, Any]:
    """Split `a.b.in` into `("a.b", "in")` when the last dot-part is one of `suffixes`."""
    head, dot, tail = name.rpartition(".")
    if dot and head and tail in suffixes:
        return head, tail
    return name, None


def _boolean(value: Any, key: str) -> bool:
    """Cast like Rails' boolean type: `true/1/t/yes/on` and `false/0/f/no/off/""`; `nil` is false."""
    if value is None:
        return False
    text = _text(value, key).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise _Invalid(f"{key}: {text!r} is not true or false")
