"""Writes to phone calls and their provider events: every status move is one conditional UPDATE."""

import logging
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from scfm.accounts.models import Account
from scfm.callouts.models import CalloutParticipation
from scfm.calls.models import PhoneCall, RemotePhoneCallEvent
from scfm.calls.retries import schedule_retry
from scfm.calls.states import FINAL_STATUSES, PhoneCallStatus, next_status, sources_for
from scfm.contacts.models import Contact
from scfm.contacts.msisdn import normalize_msisdn
from scfm.core.errors import BadRequest, DomainError

logger = logging.getLogger(__name__)

# The reference keeps exactly these webhook params in `details` (§9.4); clients filter on them.
REQUIRED_EVENT_PARAMS = ("CallSid", "From", "To", "Direction", "CallStatus", "AccountSid")
OPTIONAL_EVENT_PARAMS = ("ApiVersion", "CallDuration", "Digits")
API_VERSION = "2010-04-01"
INBOUND = "inbound"

# Column sizes: a longer value would be a database error (a 500) on PostgreSQL.
_MAX_LENGTHS = {"CallSid": 255, "Direction": 64, "CallStatus": 64}
_MAX_MSISDN_LENGTH = 32
_MAX_INTEGER = 2**31 - 1
_DIGITS = re.compile(r"[0-9]+")
_PHONE_NUMBER_LIKE = re.compile(r"\+?[0-9\s().-]*[0-9][0-9\s().-]*")
# A final status that no later news changes; `expired` is final but re-openable.
_SETTLED_STATUSES = FINAL_STATUSES - {PhoneCallStatus.EXPIRED}
_STATUS_ATTEMPTS = 3


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
        if int(call_duration) > _MAX_INTEGER:
            raise BadRequest("CallDuration is too large")
        details["CallDuration"] = int(call_duration)

    digits = raw.get("Digits")
    if digits is not None:
        # Blank Digits (a Gather that timed out) is stored as null, like the reference's coercion.
        details["Digits"] = int(digits) if _DIGITS.fullmatch(digits) else (digits or None)

    # PostgreSQL rejects NUL in text and jsonb; refuse it here rather than fail on save.
    if any(isinstance(value, str) and "\x00" in value for value in details.values()):
        raise BadRequest("Parameters must not contain NUL characters")
    return details


def caller_msisdn(raw: str) -> str:
    """Return the msisdn stored for a caller ID: E.164 when it looks like a number, else as given.

    Inbound calls from implausible numbers (short codes, `anonymous`, SIP URIs) still get a
    contact (DESIGN #13), so nothing here checks plausibility.
    """
    raw = raw.strip()
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
    """
    now = now or timezone.now()
    with transaction.atomic():
        phone_call = _find_or_create_phone_call(account=account, params=params, phone_call_id=phone_call_id)
        call_duration = params.get("CallDuration")
        event = RemotePhoneCallEvent.objects.create(
            phone_call=phone_call,
            details=dict(params),
            remote_call_id=params["CallSid"],
            remote_direction=params["Direction"],
            call_flow_logic=phone_call.call_flow_logic,
            call_duration=call_duration or 0,
        )
        moved_to = record_remote_status(
            phone_call=phone_call,
            remote_status=params["CallStatus"],
            remote_direction=params["Direction"],
            duration=call_duration,
            now=now,
        )
        if moved_to is not None:
            schedule_retry(phone_call_id=phone_call.pk, status=moved_to, now=now)
    return phone_call, event


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
    moved_to = _move_status(phone_call, remote_status=remote_status, now=now)
    if moved_to == PhoneCallStatus.COMPLETED and phone_call.callout_participation_id is not None:
        CalloutParticipation.objects.filter(pk=phone_call.callout_participation_id).update(
            answered=True, updated_at=now
        )

    changes: dict[str, Any] = {}
    if moved_to is not None or phone_call.status not in _SETTLED_STATUSES:
        changes["remote_status"] = Value(remote_status)
    if duration:
        changes["duration"] = Case(When(duration=0, then=Value(duration)), default=F("duration"))
    if remote_direction:
        changes["remote_direction"] = Coalesce(F("remote_direction"), Value(remote_direction))
    if changes:
        PhoneCall.objects.filter(pk=phone_call.pk).update(**changes, updated_at=now)
    phone_call.refresh_from_db()
    return moved_to


def _move_status(phone_call: PhoneCall, *, remote_status: str, now: datetime) -> str | None:
    for _ in range(_STATUS_ATTEMPTS):
        target = next_status(
            current=phone_call.status,
            remote_status=remote_status,
            remotely_queued_at=phone_call.remotely_queued_at,
            now=now,
        )
        if target is None:
            return None
        moved = PhoneCall.objects.filter(pk=phone_call.pk, status__in=sources_for(target)).update(
            status=target, lock_version=F("lock_version") + 1, updated_at=now
        )
        if moved:
            phone_call.status = target
            return target
        # Another writer moved the call since we read it: decide again from where it is now.
        phone_call.refresh_from_db(fields=["status", "remotely_queued_at", "lock_version"])
    logger.warning("Phone call %s kept changing under %r; status left as is", phone_call.pk, remote_status)
    return None


def _find_or_create_phone_call(
    *, account: Account, params: Mapping[str, Any], phone_call_id: int | None
) -> PhoneCall:
    call_sid = params["CallSid"]
    # CallSids are unique across accounts (a unique column), so look without the account first
    # to tell "another account's call" from "a call we have not seen yet".
    phone_call = PhoneCall.objects.filter(remote_call_id=call_sid).first()
    if phone_call is not None:
        if phone_call.account_id != account.pk:
            logger.warning(
                "CallSid %s of account %s claimed by account %s", call_sid, phone_call.account_id, account.pk
            )
            raise PhoneCallNotFound(call_sid)
        if phone_call_id is not None and phone_call.pk != phone_call_id:
            # The provider's CallSid identifies the call; the URL may be a stale redirect.
            logger.warning(
                "CallSid %s belongs to phone call %s, not %s", call_sid, phone_call.pk, phone_call_id
            )
        return phone_call
    if phone_call_id is not None:
        return _adopt_call_sid(account=account, phone_call_id=phone_call_id, call_sid=call_sid)
    return _create_inbound_phone_call(account=account, params=params)


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
