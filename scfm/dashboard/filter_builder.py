"""The dashboard's metadata filter builder: rows of (key, operator, type, value) ⇄ the API's filter hash.

A row `date_of_birth` / `gteq` / `date` / `2022-01-01` becomes `{"date_of_birth.date.gteq": "2022-01-01"}`,
the form the API takes in `q[metadata]` and populations keep in `contact_filter_params.metadata`.
A colon in the key nests: `location:country` → `{"location": {"country": …}}`.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

OPERATORS = {
    "eq": _("is"),
    "in": _("is one of (comma-separated)"),
    "any": _("list contains any of (comma-separated)"),
    "lt": _("<"),
    "lteq": _("≤"),
    "gt": _(">"),
    "gteq": _("≥"),
    "exists": _("exists (true/false)"),
}
CASTS = {"": _("text"), "numeric": _("number"), "date": _("date")}
LIST_OPERATORS = ("in", "any")


@dataclass
class FilterRow:
    key: str = ""
    operator: str = "eq"
    cast: str = ""
    value: str = ""


def rows_from_request(data, prefix: str = "filter") -> list[FilterRow]:
    """Read the builder's rows from GET or POST data (`filter-key`, `filter-operator`, …)."""
    columns = [data.getlist(f"{prefix}-{name}") for name in ("key", "operator", "cast", "value")]
    rows = []
    for key, operator, cast, value in zip(*columns, strict=False):
        if key.strip():
            rows.append(
                FilterRow(
                    key=key.strip(),
                    operator=operator if operator in OPERATORS else "eq",
                    cast=cast if cast in CASTS else "",
                    value=value.strip(),
                )
            )
    return rows


def rows_to_filter(rows: list[FilterRow]) -> dict:
    """Return the metadata filter hash the rows describe."""
    result: dict = {}
    for row in rows:
        *parents, name = [part.strip() for part in row.key.split(":")]
        node = result
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        suffix = "".join(
            f".{part}" for part in (row.cast, "" if row.operator == "eq" else row.operator) if part
        )
        if row.operator in LIST_OPERATORS:
            value = [item.strip() for item in row.value.split(",") if item.strip()]
        else:
            value = row.value
        node[f"{name}{suffix}"] = value
    return result


def filter_to_rows(metadata_filter: dict | None, parents: tuple[str, ...] = ()) -> list[FilterRow]:
    """Return the rows that describe a stored metadata filter, for editing it again."""
    rows = []
    for key, value in (metadata_filter or {}).items():
        if isinstance(value, dict):
            rows.extend(filter_to_rows(value, (*parents, key)))
            continue
        parts = key.split(".")
        operator = parts.pop() if len(parts) > 1 and parts[-1] in OPERATORS else "eq"
        cast = parts.pop() if len(parts) > 1 and parts[-1] in CASTS else ""
        name = ".".join(parts)
        text = (
            ", ".join(map(str, value)) if isinstance(value, list) else ("" if value is None else str(value))
        )
        rows.append(FilterRow(key=":".join((*parents, name)), operator=operator, cast=cast, value=text))
    return rows
