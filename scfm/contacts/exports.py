"""CSV export of contacts: phone number, one column per metadata key (nested keys as `a:b`), id, created_at.

The columns are the same as the import takes, so an export can be edited and imported back.
"""

from collections.abc import Iterator

from django.db import models

from scfm.core.csv_export import flatten_metadata, spreadsheet_safe

CHUNK_SIZE = 2000


def export_rows(contacts: models.QuerySet) -> Iterator[list]:
    """Yield the header, then one row per contact, oldest first; two passes keep memory flat."""
    contacts = contacts.order_by("id")
    columns = sorted(
        {
            key
            for metadata in contacts.values_list("metadata", flat=True).iterator(CHUNK_SIZE)
            for key in flatten_metadata(metadata)
        }
    )
    yield ["msisdn", *columns, "id", "created_at"]
    for pk, msisdn, metadata, created_at in contacts.values_list(
        "id", "msisdn", "metadata", "created_at"
    ).iterator(CHUNK_SIZE):
        flat = flatten_metadata(metadata)
        yield [msisdn, *(spreadsheet_safe(flat.get(c, "")) for c in columns), pk, created_at.isoformat()]
