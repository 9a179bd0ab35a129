"""A callout's results: one CSV row per participant, streamed with a constant number of queries.

Columns: phone number, the contact's metadata flattened (`a:b` for nested keys, as the contacts
export does), attempts, final status (of the latest call), answered, duration (of the answered call,
else of the latest call) and the participation's id.
"""

from collections.abc import Iterator

from scfm.callouts.models import Callout, CalloutParticipation
from scfm.calls.models import PhoneCall
from scfm.calls.states import PhoneCallStatus
from scfm.core.csv_export import csv_lines as core_csv_lines
from scfm.core.csv_export import flatten_metadata, spreadsheet_safe

CHUNK_SIZE = 2000
FIXED_COLUMNS_BEFORE = ("phone_number",)
FIXED_COLUMNS_AFTER = ("attempts", "final_status", "answered", "duration", "participation_id")


def metadata_columns(callout: Callout) -> list[str]:
    """Every flattened metadata key of the callout's participants' contacts, sorted."""
    keys: set[str] = set()
    rows = (
        CalloutParticipation.objects.filter(callout_id=callout.pk)
        .order_by()
        .values_list("contact__metadata", flat=True)
    )
    for metadata in rows.iterator(CHUNK_SIZE):
        keys.update(flatten_metadata(metadata))
    return sorted(keys)


def _calls_by_participation(callout: Callout) -> Iterator[tuple[int, list[tuple[str, int]]]]:
    """Yield (participation id, its calls' (status, duration) oldest first), by participation id."""
    calls = (
        PhoneCall.objects.filter(callout_id=callout.pk, callout_participation_id__isnull=False)
        .order_by("callout_participation_id", "id")
        .values_list("callout_participation_id", "status", "duration")
    )
    current_id: int | None = None
    current_calls: list[tuple[str, int]] = []
    for participation_id, status, duration in calls.iterator(CHUNK_SIZE):
        if participation_id != current_id:
            if current_id is not None:
                yield current_id, current_calls
            current_id, current_calls = participation_id, []
        current_calls.append((status, duration))
    if current_id is not None:
        yield current_id, current_calls


def result_rows(callout: Callout) -> Iterator[list[object]]:
    """Yield the header, then one row per participant in participation order.

    Three queries in all, whatever the number of participants: the first pass collects the
    metadata columns (only the set of keys stays in memory); then the participations and the
    callout's phone calls are streamed side by side, both ordered by participation, and merged
    here (cheaper than a correlated subquery per participant and column).
    """
    columns = metadata_columns(callout)
    yield [*FIXED_COLUMNS_BEFORE, *columns, *FIXED_COLUMNS_AFTER]
    participations = (
        CalloutParticipation.objects.filter(callout_id=callout.pk)
        .order_by("id")
        .values_list("id", "msisdn", "contact__metadata", "phone_calls_count", "answered")
    )
    calls = _calls_by_participation(callout)
    pending = next(calls, None)
    for pk, msisdn, metadata, attempts, answered in participations.iterator(CHUNK_SIZE):
        while pending is not None and pending[0] < pk:  # calls of a participation not listed
            pending = next(calls, None)
        own_calls: list[tuple[str, int]] = []
        if pending is not None and pending[0] == pk:
            own_calls = pending[1]
            pending = next(calls, None)
        final_status, duration = own_calls[-1] if own_calls else ("", "")
        completed = [
            call_duration for status, call_duration in own_calls if status == PhoneCallStatus.COMPLETED
        ]
        if completed:
            duration = completed[-1]
        flat = flatten_metadata(metadata)
        yield [
            msisdn,
            *(spreadsheet_safe(flat.get(column, "")) for column in columns),
            attempts,
            final_status,
            "true" if answered else "false",
            duration,
            pk,
        ]


def csv_lines(callout: Callout) -> Iterator[str]:
    """The results as CSV text, one line at a time."""
    return core_csv_lines(result_rows(callout))
