"""Find the phone call a provider event is about, or create it for a new inbound call.

A CallSid names a call across accounts (a unique column); the callback URL may name it before the
engine stored its CallSid; an unknown CallSid is a new inbound call (reference §9.5).
"""

import logging
import re
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction

from scfm.accounts.models import Account
from scfm.calls.models import PhoneCall
from scfm.contacts.models import Contact
from scfm.contacts.msisdn import ascii_digits, normalize_msisdn
from scfm.core.errors import BadRequest, DomainError
from scfm.core.locks import share_account_references
from scfm.core.rows import fetch_one

logger = logging.getLogger(__name__)

INBOUND = "inbound"
_MAX_MSISDN_LENGTH = 32
_PHONE_NUMBER_LIKE = re.compile(r"\+?[0-9\s().-]*[0-9][0-9\s().-]*")


class PhoneCallNotFound(DomainError):
    """The event names a phone call that this account does not own."""


def caller_msisdn(raw: str) -> str:
    """Return the msisdn stored for a caller ID: E.164 when it looks like a number, else as given.

    Inbound calls from implausible numbers (short codes, `anonymous`, SIP URIs) still get a
    contact (DESIGN #13), so nothing here checks plausibility.
    """
    raw = ascii_digits(raw.strip())
    return normalize_msisdn(raw) if _PHONE_NUMBER_LIKE.fullmatch(raw) else raw


def find_or_create_phone_call(
    *, account: Account, params: Mapping[str, Any], phone_call_id: int | None
) -> PhoneCall:
    phone_call = phone_call_with_call_sid(params["CallSid"])
    if phone_call is not None:
        check_owner(phone_call, account=account, phone_call_id=phone_call_id)
        return phone_call
    if phone_call_id is not None:
        return _adopt_call_sid(account=account, phone_call_id=phone_call_id, call_sid=params["CallSid"])
    return _create_inbound_phone_call(account=account, params=params)


def phone_call_with_call_sid(call_sid: str) -> PhoneCall | None:
    """Return the call with this CallSid, of any account.

    CallSids are unique across accounts (a unique column), so the lookup is without the account,
    to tell "another account's call" from "a call we have not seen yet".
    """
    return fetch_one(PhoneCall, "remote_call_id = %s", [call_sid])


def check_owner(phone_call: PhoneCall, *, account: Account, phone_call_id: int | None) -> None:
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
    phone_call: PhoneCall | None = PhoneCall.objects.for_account(account).filter(pk=phone_call_id).first()
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
        winner: PhoneCall | None = PhoneCall.objects.filter(remote_call_id=params["CallSid"]).first()
        if winner is None:
            raise
        if winner.account_id != account.pk:
            raise PhoneCallNotFound(params["CallSid"]) from None
        return winner
