"""Helpers of the dial loop's delivery control tests: calls with a chosen number and contact time
zone, callouts with settings, and one claim at a chosen moment."""

import datetime

from scfm.calls.models import PhoneCall
from scfm.engine import dial
from scfm.engine.shares import AccountShares
from tests import factories

UTC = datetime.UTC
# A Tuesday, midnight UTC: 07:00 in Phnom Penh, 03:00 in Moscow, 19:00 on Monday in New York.
TUESDAY = datetime.datetime(2026, 3, 10, 0, 0, tzinfo=UTC)
# Enough that the pace never holds calls back: only `limit` does.
NO_LIMIT_PER_MINUTE = 60_000_000


def unpaced(account, **settings):
    account.settings = {**account.settings, "phone_call_queue_limit": NO_LIMIT_PER_MINUTE, **settings}
    account.save()
    return account


def running_callout(account, **settings):
    return factories.CalloutFactory(account=account, status="running", settings=settings)


def add_call(callout, *, msisdn=None, time_zone=None):
    """Add a participation and its first call; the contact has `time_zone` in its metadata."""
    contact_fields = {
        "account": callout.account,
        "metadata": {} if time_zone is None else {"time_zone": time_zone},
    }
    if msisdn is not None:
        contact_fields["msisdn"] = msisdn
    contact = factories.ContactFactory(**contact_fields)
    participation = factories.CalloutParticipationFactory(
        callout=callout, contact=contact, phone_calls_count=1
    )
    return factories.PhoneCallFactory(callout_participation=participation)


def add_calls(callout, count, **kwargs):
    return [add_call(callout, **kwargs) for _ in range(count)]


def claim(account, *, now, limit=100, shares=None, worker="w"):
    """Claim for every running callout of `account` at `now`; return the ids claimed."""
    return dial.claim_calls(
        account_id=account.pk,
        callout_ids=list(account.callouts.filter(status="running").values_list("id", flat=True)),
        worker=worker,
        now=now,
        limit=limit,
        shares=shares if shares is not None else AccountShares(),
    )


def held_until(call):
    return PhoneCall.objects.get(pk=call.pk).window_opens_at


def status(call):
    return PhoneCall.objects.get(pk=call.pk).status
