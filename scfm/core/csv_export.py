"""CSV exports shared by contacts and callout results: flattened metadata, streamed lines, safe cells."""

import csv
from collections.abc import Iterable, Iterator

# A cell starting with one of these is run as a formula by spreadsheet programs (CSV injection).
_FORMULA_STARTS = ("=", "@", "\t", "\r")


def flatten_metadata(metadata, parent: str = "") -> dict[str, str]:
    """`{"location": {"country": "KH"}}` → `{"location:country": "KH"}`; values as text.

    The colon is the dashboard's nesting mark, so an exported file imports back as it was.
    """
    flat: dict[str, str] = {}
    if not isinstance(metadata, dict):
        return flat
    for key, value in metadata.items():
        name = f"{parent}:{key}" if parent else str(key)
        if isinstance(value, dict) and value:
            flat.update(flatten_metadata(value, name))
        else:
            flat[name] = "" if value is None else str(value)
    return flat


def spreadsheet_safe(value: str) -> str:
    """Quote a user-supplied cell that a spreadsheet would run as a formula.

    `+` and `-` start formulas too, but also phone numbers and negative numbers, which are left alone.
    """
    if value.startswith(_FORMULA_STARTS) or (
        value[:1] in "+-" and len(value) > 1 and not value[1:].replace(".", "", 1).isdigit()
    ):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose write returns the line, so csv.writer output can be streamed."""

    def write(self, value):
        return value


def csv_lines(rows: Iterable[list]) -> Iterator[str]:
    """The rows as CSV text, one line at a time."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(row)
