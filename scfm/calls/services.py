"""Writes to phone calls and their provider events: every status move is one conditional UPDATE."""

import json
import logging
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from scfm.accounts.models import Account
from scfm.calls.models import PhoneCall, RemotePhoneCallEvent
from scfm.calls.retries import schedule_retry
from scfm.calls.states import FINAL_STATUSES, RETRY_STATUSES, PhoneCallStatus, next_status, sources_for
from scfm.contacts.models import Contact
from scfm.contacts.msisdn import ascii_digits, normalize_msisdn
from scfm.core.errors import BadRequest, DomainError
from scfm.core.locks import share_account_references

logger = logging.getLogger(__name__)
ModelT = TypeVar("ModelT", bound=models.Model)

# The reference keeps exactly these webhook params in `details` (§9.4); clients filter on them.
REQUIRED_EVENT_PARAMS = ("CallSid", "From", "To", "Direction", "CallStatus", "AccountSid")
OPTIONAL_EVENT_PARAMS = ("ApiVersion", "CallDuration", "Digits")
API_VERSION = "2010-04-01"
INBOUND = "inbound"

# Column sizes: a longer value would be a database error (a 500) on PostgreSQL.
_MAX_LENGTHS = {"CallSid": 255, "Direction": 64, "CallStatus": 64}
_MAX_MSISDN_LENGTH = 32
_MAX_NUMERIC_DIGITS = 18
_MAX_INTEGER = 2**31 - 1
_DIGITS = re.compile(r"[0-9]+")
_PHONE_NUMBER_LIKE = re.compile(r"\+?[0-9\s().-]*[0-9][0-9\s().-]*")
# A final status that no later news changes; `expired` is final but re-openable.
_SETTLED_STATUSES = FINAL_STATUSES - {PhoneCallStatus.EXPIRED}
_STATUS_ATTEMPTS = 3
# The call's columns a provider event writes, read back after the UPDATE.
_WRITTEN_COLUMNS = ("status", "remote_status", "duration", "remote_direction", "lock_version")


class PhoneCallNotFound(DomainError):
    """The event names a phone call that this account does not own."""


def clean_remote_phone_call_event_params(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Return the webhook params kept as an event's `details`, or raise BadRequest.

    Required: CallSid, From, To, Direction, CallStatus, AccountSid (non-blank). Optional:
    ApiVersion (must be 2010-04-01), CallDuration (a non-negative integer) and Digits, which
    becomes an integer when it is all digits (`"0123"` → 123, `"*"` stays a string), as the
    reference's schema coerces it and IVR flows compare it.
    """
    details: dict[str, Any] = {}
    for key in REQUIRED_EVENT_PARAMS:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise BadRequest(f"{key} is missing")
        details[key] = value
    for key, limit in _MAX_LENGTHS.items():
        if len(details[key]) > limit:
            raise BadRequest(f"{key} is too long")

    api_version = raw.get("ApiVersion")
    if api_version is not None:
        if api_version != API_VERSION:
            raise BadRequest("ApiVersion must be 2010-04-01")
        details["ApiVersion"] = api_version

    call_duration = raw.get("CallDuration")
    if call_duration not in (None, ""):
        if not isinstance(call_duration, str) or not _DIGITS.fullmatch(call_duration):
            raise BadRequest("CallDuration must be an integer")
        # Length first: Python refuses to convert strings of more than 4,300 digits.
        if len(call_duration) > len(str(_MAX_INTEGER)) or int(call_duration) > _MAX_INTEGER:
            raise BadRequest("CallDuration is too large")
        details["CallDuration"] = int(call_duration)

    digits = raw.get("Digits")
    if digits is not None:
        # Blank Digits (a Gather that timed out) is stored as null, like the reference's coercion.
        # Keys pressed are a number when they fit a 64-bit integer; longer ones are kept as typed.
        is_number = _DIGITS.fullmatch(digits) and len(digits) <= _MAX_NUMERIC_DIGITS
        details["Digits"] = int(digits) if is_number else (digits or None)

    # PostgreSQL rejects NUL in text and jsonb; refuse it here rather than fail on save.
    if any(isinstance(value, str) and "\x00" in value for value in details.values()):
        raise BadRequest("Parameters must not contain NUL characters")
    return details


def caller_msisdn(raw: str) -> str:
    """Return the msisdn stored for a caller ID: E.164 when it looks like a number, else as given.

    Inbound calls from implausible numbers (short codes, `anonymous`, SIP URIs) still get a
    contact (DESIGN #13), so nothing here checks plausibility.
    """
    raw = ascii_digits(raw.strip())
    return normalize_msisdn(raw) if _PHONE_NUMBER_LIKE.fullmatch(raw) else raw


def record_remote_phone_call_event(
    *,
    account: Account,
    params: Mapping[str, Any],
    phone_call_id: int | None = None,
    now: datetime | None = None,
) -> tuple[PhoneCall, RemotePhoneCallEvent]:
    """Store a provider event for a phone call of `account` and move the call's status.

    `params` are the output of `clean_remote_phone_call_event_params`. The call is found by
    CallSid, else by `phone_call_id` (from the callback URL, for events that arrive before the
    engine stored the CallSid), else created as an inbound call. Duplicate and late events are
    stored but never move a settled call. Raise PhoneCallNotFound when the CallSid or id belongs
    to another account or the id names an unknown call.

    Every provider callback comes through here, so on PostgreSQL an event of a known call takes
    two statements: the call is read, then the event is stored and the call updated in one
    statement (`_record_event_in_one_statement`). Anything else takes one transaction: the event
    INSERT and one UPDATE of the call (plus the participation's when it completes). The returned
    call carries the columns written rather than being read again.
    """
    now = now or timezone.now()
    phone_call = _phone_call_with_call_sid(params["CallSid"])
    if phone_call is not None:
        _check_owner(phone_call, account=account, phone_call_id=phone_call_id)
        event = _record_event_in_one_statement(phone_call, params=params, now=now)
        if event is not None:
            return phone_call, event
    with transaction.atomic():
        if phone_call is None:
            phone_call = _find_or_create_phone_call(
                account=account, params=params, phone_call_id=phone_call_id
            )
        call_duration = params.get("CallDuration")
        event = RemotePhoneCallEvent.objects.create(
            phone_call=phone_call,
            details=dict(params),
            remote_call_id=params["CallSid"],
            remote_direction=params["Direction"],
            call_flow_logic=phone_call.call_flow_logic,
            call_duration=call_duration or 0,
        )
        moved_to = _apply_remote_status(
            phone_call,
            remote_status=params["CallStatus"],
            remote_direction=params["Direction"],
            duration=call_duration,
            now=now,
        )
        if moved_to is not None:
            schedule_retry(phone_call_id=phone_call.pk, status=moved_to, now=now)
    return phone_call, event


_EVENT_SQL = """
WITH updated AS (
    UPDATE phone_calls
    SET __STATUS_ASSIGNMENTS__,
        duration = CASE WHEN duration = 0 THEN %(duration)s::integer ELSE duration END,
        remote_direction = COALESCE(remote_direction, %(direction)s::text), updated_at = %(now)s::timestamptz
    WHERE id = %(id)s::bigint __STATUS_CONDITION__
    RETURNING status, remote_status, duration, remote_direction, lock_version, callout_participation_id
), answered AS (
    UPDATE callout_participations SET answered = true, updated_at = %(now)s::timestamptz
    WHERE %(completes)s::boolean AND id = (SELECT callout_participation_id FROM updated)
), event AS (
    INSERT INTO remote_phone_call_events
        (created_at, updated_at, phone_call_id, details, metadata, remote_call_id, remote_direction,
         call_flow_logic, call_duration)
    SELECT %(stored_at)s::timestamptz, %(stored_at)s::timestamptz, %(id)s::bigint, %(details)s::jsonb,
           '{}'::jsonb, %(call_sid)s::text, %(direction)s::text, %(call_flow_logic)s::text,
           %(call_duration)s::integer
    FROM updated
    RETURNING id
)
SELECT event.id, updated.status, updated.remote_status, updated.duration, updated.remote_direction,
       updated.lock_version
FROM updated, event
"""
# An event that moves the call: the conditional status UPDATE of `_update_phone_call`.
_MOVING_EVENT_SQL = _EVENT_SQL.replace(
    "__STATUS_ASSIGNMENTS__",
    "status = %(target)s::text, lock_version = lock_version + 1, remote_status = %(remote_status)s::text",
).replace("__STATUS_CONDITION__", "AND status = ANY(%(sources)s::text[])")
# An event that moves nothing (a duplicate, a late `ringing`): a settled call keeps its remote_status.
_NEWS_EVENT_SQL = _EVENT_SQL.replace(
    "__STATUS_ASSIGNMENTS__",
    "remote_status = CASE WHEN status = ANY(%(settled)s::text[]) THEN remote_status "
    "ELSE %(remote_status)s::text END",
).replace("__STATUS_CONDITION__", "")


def _record_event_in_one_statement(
    phone_call: PhoneCall, *, params: Mapping[str, Any], now: datetime
) -> RemotePhoneCallEvent | None:
    """PostgreSQL: store the event and update the call in one statement, or do nothing and return None.

    One statement is one round trip and, outside a transaction, its own transaction: all of it
    is written or none. It serves every event of a known call except one that ends it with a
    status to retry (busy, no-answer, failed, canceled), whose retry is scheduled in the same
    transaction by the general path. When a move finds the call no longer in a status it may
    come from (another writer moved it meanwhile), nothing is written and the caller takes the
    general path, which decides again from the fresh status.
    """
    if connection.vendor != "postgresql":
        return None
    target = next_status(
        current=phone_call.status,
        remote_status=params["CallStatus"],
        remotely_queued_at=phone_call.remotely_queued_at,
        now=now,
    )
    if target in RETRY_STATUSES:
        return None
    details = dict(params)
    call_duration = params.get("CallDuration") or 0
    stored_at = timezone.now()
    row = _fetch_prepared(
        _MOVING_EVENT_SQL if target is not None else _NEWS_EVENT_SQL,
        {
            "target": target,
            "settled": sorted(_SETTLED_STATUSES),
            "remote_status": params["CallStatus"],
            "duration": call_duration,  # 0 leaves the duration as it is
            "direction": params["Direction"],
            "now": now,
            "id": phone_call.pk,
            "sources": sorted(sources_for(target)) if target is not None else [],
            "completes": target == PhoneCallStatus.COMPLETED,
            "stored_at": stored_at,
            "details": json.dumps(details),
            "call_sid": params["CallSid"],
            "call_flow_logic": phone_call.call_flow_logic,
            "call_duration": call_duration,
        },
    )
    if row is None:
        return None
    event_id, *written = row
    for column, value in zip(_WRITTEN_COLUMNS, written, strict=True):
        setattr(phone_call, column, value)
    phone_call.updated_at = now
    event = RemotePhoneCallEvent(
        id=event_id,
        created_at=stored_at,
        updated_at=stored_at,
        phone_call=phone_call,
        details=details,
        metadata={},
        remote_call_id=params["CallSid"],
        remote_direction=params["Direction"],
        call_flow_logic=phone_call.call_flow_logic,
        call_duration=call_duration,
    )
    event._state.adding = False
    event._state.db = connection.alias
    return event


def record_remote_status(
    *,
    phone_call: PhoneCall,
    remote_status: str,
    remote_direction: str | None = None,
    duration: int | None = None,
    now: datetime,
) -> str | None:
    """Apply a provider's CallStatus (and duration) to a call; return the status it moved to.

    Run inside the caller's transaction. The status moves with one conditional UPDATE, retried
    from the fresh status when another writer got there first. `remote_status` follows the
    provider except on a settled call that this news did not move, so a late `ringing` cannot
    show next to `completed`. `duration` is only filled in while it is still 0. `phone_call` is
    refreshed from the database.
    """
    moved_to = _apply_remote_status(
        phone_call, remote_status=remote_status, remote_direction=remote_direction, duration=duration, now=now
    )
    phone_call.refresh_from_db()
    return moved_to


def _apply_remote_status(
    phone_call: PhoneCall,
    *,
    remote_status: str,
    remote_direction: str | None,
    duration: int | None,
    now: datetime,
) -> str | None:
    """Do `record_remote_status`'s work in one UPDATE of the call; set the written columns on it."""
    for _ in range(_STATUS_ATTEMPTS):
        target = next_status(
            current=phone_call.status,
            remote_status=remote_status,
            remotely_queued_at=phone_call.remotely_queued_at,
            now=now,
        )
        if target is None:
            break
        written = _update_phone_call(
            phone_call, target=target, remote_status=remote_status, remote_direction=remote_direction,
            duration=duration, now=now,
        )  # fmt: skip
        if written:
            if target == PhoneCallStatus.COMPLETED and phone_call.callout_participation_id is not None:
                _execute(
                    "UPDATE callout_participations SET answered = %s, updated_at = %s WHERE id = %s",
                    [True, _timestamp(now), phone_call.callout_participation_id],
                )
            return target
        # Another writer moved the call since we read it: decide again from where it is now.
        phone_call.refresh_from_db(fields=["status", "remotely_queued_at", "lock_version"])
    else:
        logger.warning(
            "Phone call %s kept changing under %r; status left as is", phone_call.pk, remote_status
        )
    if phone_call.status in _SETTLED_STATUSES and not duration and not remote_direction:
        return None  # nothing this news may change
    _update_phone_call(
        phone_call, target=None, remote_status=remote_status, remote_direction=remote_direction,
        duration=duration, now=now,
    )  # fmt: skip
    return None


def _update_phone_call(
    phone_call: PhoneCall,
    *,
    target: str | None,
    remote_status: str,
    remote_direction: str | None,
    duration: int | None,
    now: datetime,
) -> bool:
    """Write the provider's news to the call in one UPDATE; return whether a row was written.

    With a `target` the UPDATE is the conditional status move (`WHERE status IN (sources)`) and
    also writes `remote_status`; without one the status stays and `remote_status` only changes
    on a call that is not settled. The columns written are read back with RETURNING (or a
    SELECT where the database has no RETURNING) and set on `phone_call`.
    """
    assignments: list[str] = []
    params: list[Any] = []
    if target is not None:
        assignments += ["status = %s", "lock_version = lock_version + 1", "remote_status = %s"]
        params += [target, remote_status]
    else:
        settled = sorted(_SETTLED_STATUSES)
        assignments.append(
            f"remote_status = CASE WHEN status IN ({', '.join(['%s'] * len(settled))}) "
            "THEN remote_status ELSE %s END"
        )
        params += [*settled, remote_status]
    if duration:
        assignments.append("duration = CASE WHEN duration = 0 THEN %s ELSE duration END")
        params.append(duration)
    if remote_direction:
        assignments.append("remote_direction = COALESCE(remote_direction, %s)")
        params.append(remote_direction)
    assignments.append("updated_at = %s")
    params += [_timestamp(now), phone_call.pk]
    condition = "id = %s"
    if target is not None:
        sources = sorted(sources_for(target))
        condition += f" AND status IN ({', '.join(['%s'] * len(sources))})"
        params += sources
    sql = f"UPDATE phone_calls SET {', '.join(assignments)} WHERE {condition}"
    columns = _WRITTEN_COLUMNS
    with connection.cursor() as cursor:
        if connection.features.can_return_columns_from_insert:  # RETURNING (SQLite >= 3.35)
            cursor.execute(f"{sql} RETURNING {', '.join(columns)}", params)
            row = cursor.fetchone()
        else:
            cursor.execute(sql, params)
            row = None
            if cursor.rowcount:
                cursor.execute(f"SELECT {', '.join(columns)} FROM phone_calls WHERE id = %s", [phone_call.pk])
                row = cursor.fetchone()
    if row is None:
        return False
    for column, value in zip(columns, row, strict=True):
        setattr(phone_call, column, value)
    phone_call.updated_at = now
    return True


def _fetch_prepared(sql: str, params: Mapping[str, Any] | list[Any]) -> tuple[Any, ...] | None:
    """PostgreSQL: run `sql` as a prepared statement and return its first row.

    Django's cursors bind parameters client-side, so each execution is parsed and planned again;
    planning a statement such as `_record_event_in_one_statement`'s costs as much as running it. A
    server-side-binding cursor on Django's connection prepares it once per connection. Such
    statements do not show in `connection.queries`.
    """
    from psycopg import Cursor  # the PostgreSQL driver: only imported where it is in use

    connection.ensure_connection()
    with connection.wrap_database_errors, Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchone()


def _timestamp(moment: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(moment)


def _execute(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _find_or_create_phone_call(
    *, account: Account, params: Mapping[str, Any], phone_call_id: int | None
) -> PhoneCall:
    phone_call = _phone_call_with_call_sid(params["CallSid"])
    if phone_call is not None:
        _check_owner(phone_call, account=account, phone_call_id=phone_call_id)
        return phone_call
    if phone_call_id is not None:
        return _adopt_call_sid(account=account, phone_call_id=phone_call_id, call_sid=params["CallSid"])
    return _create_inbound_phone_call(account=account, params=params)


def _phone_call_with_call_sid(call_sid: str) -> PhoneCall | None:
    """Return the call with this CallSid, of any account.

    CallSids are unique across accounts (a unique column), so the lookup is without the account,
    to tell "another account's call" from "a call we have not seen yet".
    """
    return fetch_one(PhoneCall, "remote_call_id = %s", [call_sid])


def fetch_one(model: type[ModelT], where: str, params: list[Any]) -> ModelT | None:
    """Return the `model` instance of the first row of its table matching `where`, or None.

    For lookups on the path of every provider callback: loading one row through a queryset
    costs ~270 µs of CPU (compiling it, `raw()` ~175 µs), this ~60 µs, and on PostgreSQL the
    statement is prepared once per connection. Values go through the same converters as in a
    queryset, so the instance is the one `model.objects.filter(...).first()` would give.
    """
    select, attnames, converters = _row_loader(model)
    sql = f"{select} WHERE {where}"
    if connection.vendor == "postgresql":
        row = _fetch_prepared(sql, params)
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for index, functions, column in converters:
        for function in functions:
            values[index] = function(values[index], column, connection)
    return model.from_db(connection.alias, attnames, values)


_ROW_LOADERS: dict[tuple[str, type], tuple[str, list[str], list[tuple[int, list, Any]]]] = {}


def _row_loader(model: type) -> tuple[str, list[str], list[tuple[int, list, Any]]]:
    """Return (SELECT of every concrete column, their attnames, converters by position) for `model`."""
    key = (connection.vendor, model)
    if key not in _ROW_LOADERS:
        fields = model._meta.concrete_fields
        table = model._meta.db_table
        converters = []
        for index, field in enumerate(fields):
            column = field.get_col(table)
            functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if functions:
                converters.append((index, functions, column))
        columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        select = f"SELECT {columns} FROM {connection.ops.quote_name(table)}"
        _ROW_LOADERS[key] = (select, [field.attname for field in fields], converters)
    return _ROW_LOADERS[key]


def _check_owner(phone_call: PhoneCall, *, account: Account, phone_call_id: int | None) -> None:
    """Raise PhoneCallNotFound unless the call found by CallSid belongs to `account`."""
    if phone_call.account_id != account.pk:
        logger.warning(
            "CallSid %s of account %s claimed by account %s",
            phone_call.remote_call_id, phone_call.account_id, account.pk,
        )  # fmt: skip
        raise PhoneCallNotFound(phone_call.remote_call_id)
    if phone_call_id is not None and phone_call.pk != phone_call_id:
        # The provider's CallSid identifies the call; the URL may be a stale redirect.
        logger.warning(
            "CallSid %s belongs to phone call %s, not %s",
            phone_call.remote_call_id,
            phone_call.pk,
            phone_call_id,
        )


def _adopt_call_sid(*, account: Account, phone_call_id: int, call_sid: str) -> PhoneCall:
    """Return the account's call `phone_call_id`, recording `call_sid` if it has none yet."""
    phone_call = PhoneCall.objects.for_account(account).filter(pk=phone_call_id).first()
    if phone_call is None:
        raise PhoneCallNotFound(phone_call_id)
    if phone_call.remote_call_id is None:
        # Conditional, so that a CallSid the engine stores meanwhile is not overwritten.
        PhoneCall.objects.filter(pk=phone_call.pk, remote_call_id__isnull=True).update(
            remote_call_id=call_sid
        )
        phone_call.refresh_from_db(fields=["remote_call_id"])
    if phone_call.remote_call_id != call_sid:
        logger.warning(
            "Phone call %s has CallSid %s, event has %s", phone_call.pk, phone_call.remote_call_id, call_sid
        )
        raise PhoneCallNotFound(phone_call_id)
    return phone_call


def _create_inbound_phone_call(*, account: Account, params: Mapping[str, Any]) -> PhoneCall:
    """Create the call (and contact) for an unknown CallSid, normally a new inbound call (§9.5)."""
    direction = params["Direction"]
    msisdn = caller_msisdn(params["From"] if direction == INBOUND else params["To"])
    if not msisdn or len(msisdn) > _MAX_MSISDN_LENGTH:
        raise BadRequest("The caller number cannot be stored")
    # Taken before the contact is read: it may not be deleted until the call is committed
    # (the call's contact has no database constraint, see core.locks).
    share_account_references(account.pk)
    contact, _ = Contact.objects.get_or_create(account=account, msisdn=msisdn)
    try:
        # A savepoint: a concurrent first event for the same CallSid may win the insert.
        with transaction.atomic():
            return PhoneCall.objects.create(
                account=account,
                contact=contact,
                msisdn=msisdn,
                remote_call_id=params["CallSid"],
                remote_direction=direction,
                call_flow_logic=account.call_flow_logic,
            )
    except IntegrityError:
        phone_call = PhoneCall.objects.filter(remote_call_id=params["CallSid"]).first()
        if phone_call is None:
            raise
        if phone_call.account_id != account.pk:
            raise PhoneCallNotFound(params["CallSid"]) from None
        return phone_call
