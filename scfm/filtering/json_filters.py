"""SQL for `q[<json column>][...]` filters, one dialect per database vendor.

Both dialects implement the same semantics, so a filter selects the same rows on SQLite and
PostgreSQL:

- Paths walk object keys only. An integer-like segment such as `0` is a key, never an array index
  (PostgreSQL's `#>>` would index arrays; here each step is `jsonb -> text`, an object lookup).
- The text of a JSON value is the string itself, the number as written, or `true`/`false`;
  null, objects, arrays and missing keys have no text and so never equal anything.
- Casts are guarded by regular expressions so a stored value that is not a number or a date
  simply does not match; a filter never turns into an SQL error.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from django.db import NotSupportedError
from django.db.models import BooleanField, Expression, F

Operator = Literal["eq", "null", "in", "any", "lt", "lteq", "gt", "gteq", "exists", "missing"]
Kind = Literal["numeric", "date"]

COMPARISONS = {"lt": "<", "lteq": "<=", "gt": ">", "gteq": ">="}

# `\A`/`\Z` rather than `^`/`$`: Python's `$` (SQLite's REGEXP) also matches before a final newline.
NUMERIC_TEXT = r"\A-?[0-9]+(\.[0-9]+)?\Z"
# A valid calendar date (years 0001-9999, leap years included) at the start of the text. Written
# for both Python `re` (SQLite's REGEXP) and PostgreSQL's ARE, which agree on this subset.
DATE_PREFIX = (
    r"\A(?!0000)(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))"
    r"|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)"
)
# Number texts PostgreSQL can print for a stored number: the only ones worth a `@>` candidate.
_PRINTED_NUMBER = re.compile(r"\A-?(0|[1-9][0-9]*)(\.[0-9]+)?\Z")


@dataclass(frozen=True)
class JsonTerm:
    """One condition on the value found at `path` inside a JSON column."""

    path: tuple[str, ...]
    operator: Operator
    texts: tuple[str, ...] = ()  # eq: one text; in/any: the listed texts
    bound: Decimal | str | None = None  # lt..gteq: a Decimal (numeric) or "YYYY-MM-DD" (date)
    kind: Kind = "numeric"


@dataclass(frozen=True)
class Sql:
    text: str
    params: tuple[Any, ...] = ()


def param(value: Any) -> Sql:
    return Sql("%s", (value,))


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def compose(template: str, **parts: Sql) -> Sql:
    """Fill `{name}` placeholders with SQL fragments, keeping parameters in textual order."""
    params: list[Any] = []

    def fill(match: re.Match[str]) -> str:
        part = parts[match.group(1)]
        params.extend(part.params)
        return part.text

    return Sql(_PLACEHOLDER.sub(fill, template), tuple(params))


def join(separator: str, parts: list[Sql]) -> Sql:
    return Sql(separator.join(p.text for p in parts), tuple(v for p in parts for v in p.params))


FALSE = Sql("1 = 0")


def containment_candidates(path: tuple[str, ...], texts: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Return JSON documents that contain every stored value whose text is one of `texts`.

    A string, and also a number or boolean when the text reads as one: `{"age": "3"}` and
    `{"age": 3}` both have the text "3". Returned as `(exact, numeric)`: containing a string or
    boolean document means having exactly that text (below the top level jsonb containment
    compares scalars for equality, and an array never contains a bare scalar), while a number
    document is also contained by other spellings of the number (`1.50` contains `1.5`), so
    those rows still need their text compared.
    """
    exact: list[str] = []
    numeric: list[str] = []
    for text in dict.fromkeys(texts):
        exact.append(nest(path, json.dumps(text)))
        if _PRINTED_NUMBER.match(text):
            numeric.append(nest(path, text))  # a JSON number literal as is: no float rounding
        elif text in ("true", "false"):
            exact.append(nest(path, text))
    return exact, numeric


def nest(path: tuple[str, ...], leaf_json: str) -> str:
    """Wrap a JSON literal in one object per path segment: `("a", "b"), '1'` → `{"a": {"b": 1}}`."""
    document = leaf_json
    for segment in reversed(path):
        document = "{" + json.dumps(segment) + ": " + document + "}"
    return document


class PostgresJson:
    """jsonb operators; equality, `in` and `any` go through `@>` so a GIN index can serve them."""

    def condition(self, column: Sql, term: JsonTerm) -> Sql:
        node = Sql(
            "(" + column.text + "".join(" -> %s::text" for _ in term.path) + ")",
            column.params + term.path,
        )
        kind = compose("jsonb_typeof({n})", n=node)
        text = compose(
            "CASE WHEN jsonb_typeof({n}) IN ('string', 'number', 'boolean') THEN {n} #>> '{}' END", n=node
        )
        op = term.operator
        if op == "exists":
            return compose("{n} IS NOT NULL", n=node)
        if op == "missing":
            return compose("{n} IS NULL", n=node)
        if op == "null":
            return compose("COALESCE({k}, 'null') = 'null'", k=kind)
        if op in ("eq", "in"):
            if not term.texts:
                return FALSE
            # Every branch is a containment test the GIN index serves. String and boolean
            # candidates are exact; a number candidate also matches other spellings of the
            # number (`{"n": 1.50}` contains `{"n": 1.5}` but its text is "1.50"), so its rows
            # are checked against the texts. Skipping that check for the common string case
            # halves the cost of counting a large match.
            exact, numeric = containment_candidates(term.path, term.texts)
            branches = [self._contains_any(column, exact)]
            if numeric:
                texts = join(", ", [param(t) for t in term.texts])
                rechecked = compose(
                    "({p}) AND {t} IN ({v})", p=self._contains_any(column, numeric), t=text, v=texts
                )
                branches.append(rechecked)
            return join(" OR ", [compose("({b})", b=branch) for branch in branches])
        if op == "any":
            if not term.texts:
                return FALSE
            # `{"k": ["a", "b"]} @> {"k": ["a"]}`: exactly "an array holding the string a".
            documents = [nest(term.path, json.dumps([t])) for t in dict.fromkeys(term.texts)]
            return self._contains_any(column, documents)
        comparison = Sql(COMPARISONS[op])
        if term.kind == "date":
            return compose(
                "{r} AND {k} = 'string' AND ({n} #>> '{}') ~ {re} "
                "AND substr({n} #>> '{}', 1, 10) COLLATE \"C\" {c} {b}",
                r=self._date_text_range(column, term),
                k=kind,
                n=node,
                re=param(DATE_PREFIX),
                c=comparison,
                b=param(term.bound),
            )
        return compose(
            "CASE WHEN {k} = 'number' THEN ({n})::numeric "
            "WHEN {k} = 'string' AND ({n} #>> '{}') ~ {re} THEN ({n} #>> '{}')::numeric END "
            "{c} {b}::numeric",
            k=kind,
            n=node,
            re=param(NUMERIC_TEXT),
            c=comparison,
            b=param(str(term.bound)),
        )

    @staticmethod
    def _date_text_range(column: Sql, term: JsonTerm) -> Sql:
        """Return a comparison of the value's raw text that every row the date test keeps passes.

        It adds no meaning (the date test stays, and decides); it is written so that a btree
        index on `((metadata ->> 'key') COLLATE "C")` (see `scfm index_metadata_key`) serves it.
        A matching value `s` starts with a 10-character date `p` (`s >= p` in byte order), and
        `b` has 10 characters too, so `p >= b` gives `s >= b`, `p > b` gives `s > b`, `p < b`
        gives `s < b`, and `p <= b` gives `s < b'` where `b'` is `b` with its last character
        incremented (`s` may be longer than `b`: "2022-01-01T10:00" is on 2022-01-01).
        """
        *parents, last = term.path
        value = Sql(
            "(" + column.text + "".join(" -> %s::text" for _ in parents) + " ->> %s::text)",
            (*column.params, *parents, last),
        )
        operator, bound = term.operator, str(term.bound)
        if operator == "lteq":
            operator, bound = "lt", bound[:-1] + chr(ord(bound[-1]) + 1)
        return compose('{v} COLLATE "C" {c} {b}', v=value, c=Sql(COMPARISONS[operator]), b=param(bound))

    @staticmethod
    def _contains_any(column: Sql, documents: list[str]) -> Sql:
        return join(" OR ", [compose("{c} @> {d}::jsonb", c=column, d=param(d)) for d in documents])


class SqliteJson:
    """JSON1 functions on the text column Django stores (`json.dumps`, ASCII-escaped)."""

    def condition(self, column: Sql, term: JsonTerm) -> Sql:
        base, path = self._locate(column, term.path)
        parts = {"b": base, "p": param(path)}
        kind = compose("json_type({b}, {p})", **parts)
        op = term.operator
        if op == "exists":
            return compose("{k} IS NOT NULL", k=kind)
        if op == "missing":
            return compose("{k} IS NULL", k=kind)
        if op == "null":
            return compose("COALESCE({k}, 'null') = 'null'", k=kind)
        if op in ("eq", "in"):
            if not term.texts:
                return FALSE
            # `->` returns a number exactly as written ("1.50"), as PostgreSQL prints it.
            text = compose(
                "CASE json_type({b}, {p}) WHEN 'text' THEN {b} ->> {p} WHEN 'integer' THEN {b} -> {p} "
                "WHEN 'real' THEN {b} -> {p} WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' END",
                **parts,
            )
            texts = join(", ", [param(t) for t in term.texts])
            return compose("{t} IN ({v})", t=text, v=texts)
        if op == "any":
            if not term.texts:
                return FALSE
            texts = join(", ", [param(t) for t in dict.fromkeys(term.texts)])
            return compose(
                "{k} = 'array' AND EXISTS (SELECT 1 FROM json_each({b}, {p}) AS scfm_element "
                "WHERE scfm_element.type = 'text' AND scfm_element.value IN ({v}))",
                k=kind,
                v=texts,
                **parts,
            )
        comparison = Sql(COMPARISONS[op])
        value = compose("({b} ->> {p})", **parts)
        if term.kind == "date":
            return compose(
                "{k} = 'text' AND {v} REGEXP {re} AND substr({v}, 1, 10) {c} {b}",
                k=kind,
                v=value,
                re=param(DATE_PREFIX),
                c=comparison,
                b=param(term.bound),
            )
        return compose(
            "CASE WHEN {k} IN ('integer', 'real') THEN {v} "
            "WHEN {k} = 'text' AND {v} REGEXP {re} THEN CAST({v} AS NUMERIC) END {c} {b}",
            k=kind,
            v=value,
            re=param(NUMERIC_TEXT),
            c=comparison,
            b=param(sqlite_number(term.bound)),
        )

    @staticmethod
    def _locate(column: Sql, path: tuple[str, ...]) -> tuple[Sql, str]:
        """Return an SQL JSON value and a JSON path into it that address `path`.

        Keys go into the path escaped the way `json.dumps` stored them: SQLite 3.40 compares path
        labels with the raw key text (`\\u00e9`, not `é`), which is also how Django's own key
        lookups address them. A label cannot contain `"`, so such a key is looked up with
        `json_each`, which decodes keys (numbers found that way lose digits beyond 15).
        """
        base, json_path = column, "$"
        for segment in path:
            if '"' not in segment:
                json_path += '."' + json.dumps(segment)[1:-1] + '"'
                continue
            base = compose(
                "(SELECT CASE scfm_child.type WHEN 'text' THEN json_quote(scfm_child.value) "
                "WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' WHEN 'null' THEN 'null' "
                "ELSE scfm_child.value END "
                "FROM json_each(CASE WHEN json_type({b}, {p}) = 'object' THEN {b} -> {p} END) AS scfm_child "
                "WHERE scfm_child.key = {k})",
                b=base,
                p=param(json_path),
                k=param(segment),
            )
            json_path = "$"
        return base, json_path


def sqlite_number(bound: Decimal | str | None) -> int | float:
    """Bind a bound as SQLite compares it with stored numbers: an integer when it is one."""
    number = Decimal(str(bound))
    if number == number.to_integral_value() and abs(number) < 2**63:
        return int(number)
    return float(number)


DIALECTS: dict[str, PostgresJson | SqliteJson] = {"postgresql": PostgresJson(), "sqlite": SqliteJson()}


class JsonCondition(Expression):
    """A boolean expression testing one `JsonTerm` against a JSON column of the filtered model.

    The column is an `F()` reference rather than a quoted table name so the condition stays valid
    when Django re-aliases the table (subqueries such as `callout__in=...` become `U0`).
    """

    conditional = True

    def __init__(self, column: str | Expression, term: JsonTerm):
        super().__init__(output_field=BooleanField())
        self.column = F(column) if isinstance(column, str) else column
        self.term = term

    def get_source_expressions(self) -> list[Any]:
        return [self.column]

    def set_source_expressions(self, exprs: list[Any]) -> None:
        (self.column,) = exprs

    def as_sql(self, compiler, connection, **extra_context) -> tuple[str, list[Any]]:
        dialect = DIALECTS.get(connection.vendor)
        if dialect is None:
            raise NotSupportedError(f"JSON filters are not implemented for {connection.vendor}")
        column_sql, column_params = compiler.compile(self.column)
        sql = dialect.condition(Sql(column_sql, tuple(column_params)), self.term)
        return f"({sql.text})", list(sql.params)
