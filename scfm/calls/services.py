"""A provider's news of a phone call (status callbacks and polled statuses): store it, move the call.

Every status move is one conditional UPDATE whose target and sources come from the transition
table (`scfm.calls.states`). The provider's form is parsed by `scfm.telephony.payloads`; the
engine's own moves (claim, hand-over, expiry) are in `scfm.calls.lifecycle`.
"""

import json
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from scfm.accounts.models import Account
from scfm.calls.event_lookup import (
    check_owner,
    find_or_create_phone_call,
    phone_call_with_call_sid,
)
from scfm.calls.models import PhoneCall, RemotePhoneCallEvent
from scfm.calls.retries import schedule_retry
from scfm.calls.states import (
    RETRY_STATUSES,
    SETTLED_STATUSES,
    PhoneCallStatus,
    next_status,
    sources_for,
)
from scfm.core.rows import fetch_prepared

logger = logging.getLogger(__name__)

_STATUS_ATTEMPTS = 3
# The call's columns a provider event writes, read back after the UPDATE.
_WRITTEN_COLUMNS = ("status", "remote_status", "duration", "remote_direction", "lock_version")


def record_remote_phone_call_event(
    *,
    account: Account,
    params: Mapping[str, Any],
    phone_call_id: int | None = None,
    now: datetime | None = None,
    provider_params: Mapping[str, Any] | None = None,
) -> tuple[PhoneCall, RemotePhoneCallEvent]:
    """Store a provider event for a phone call of `account` and move the call's status.

    `params` are the output of `scfm.telephony.payloads.clean_remote_phone_call_event_params`
    (kept as `details`); `provider_params`, every parameter the provider sent, are kept alongside.
    The call is found by CallSid, else by `phone_call_id` (from the callback URL, for events
    that arrive before the engine stored the CallSid), else created as an inbound call.
    Duplicate and late events are stored but never move a settled call. Raise
    PhoneCallNotFound when the CallSid or id belongs to another account or the id names an
    unknown call.

    Every provider callback comes through here, so on PostgreSQL an event of a known call takes
    two statements: the call is read, then the event is stored and the call updated in one
    statement (`_record_event_in_one_statement`). Anything else takes one transaction: the event
    INSERT and one UPDATE of the call (plus the participation's when it completes). The returned
    call carries the columns written rather than being read again.
    """
    now = now or timezone.now()
    phone_call = phone_call_with_call_sid(params["CallSid"])
    if phone_call is not None:
        check_owner(phone_call, account=account, phone_call_id=phone_call_id)
        event = _record_event_in_one_statement(
            phone_call, params=params, now=now, provider_params=provider_params or {}
        )
        if event is not None:
            return phone_call, event
    with transaction.atomic():
        if phone_call is None:
            phone_call = find_or_create_phone_call(
                account=account, params=params, phone_call_id=phone_call_id
            )
        call_duration = params.get("CallDuration")
        event = RemotePhoneCallEvent.objects.create(
            phone_call=phone_call,
            details=dict(params),
            provider_params=dict(provider_params or {}),
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
        (created_at, updated_at, phone_call_id, details, provider_params, metadata, remote_call_id,
         remote_direction, call_flow_logic, call_duration)
    SELECT %(stored_at)s::timestamptz, %(stored_at)s::timestamptz, %(id)s::bigint, %(details)s::jsonb,
           %(provider_params)s::jsonb, '{}'::jsonb, %(call_sid)s::text, %(direction)s::text,
           %(call_flow_logic)s::text, %(call_duration)s::integer
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
    phone_call: PhoneCall, *, params: Mapping[str, Any], now: datetime, provider_params: Mapping[str, Any]
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
    row = fetch_prepared(
        _MOVING_EVENT_SQL if target is not None else _NEWS_EVENT_SQL,
        {
            "target": target,
            "settled": sorted(SETTLED_STATUSES),
            "remote_status": params["CallStatus"],
            "duration": call_duration,  # 0 leaves the duration as it is
            "direction": params["Direction"],
            "now": now,
            "id": phone_call.pk,
            "sources": sorted(sources_for(target)) if target is not None else [],
            "completes": target == PhoneCallStatus.COMPLETED,
            "stored_at": stored_at,
            "details": json.dumps(details),
            "provider_params": json.dumps(dict(provider_params)),
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
        provider_params=dict(provider_params),
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
    if phone_call.status in SETTLED_STATUSES and not duration and not remote_direction:
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
        settled = sorted(SETTLED_STATUSES)
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


def _timestamp(moment: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(moment)


def _execute(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
