"""Fault injection over real processes (telephony-and-performance.md part D)."""

import random
import time
from collections import Counter

import pytest
from django.db import connection

from scfm.callouts.models import Callout, CalloutParticipation
from scfm.calls.models import PhoneCall
from scfm.contacts.models import Contact
from tests import factories
from tests.e2e.conftest import simulator_account
from tests.e2e.stack import Stack

pytestmark = pytest.mark.e2e

FINAL = ("completed", "busy", "not_answered", "failed", "errored", "canceled", "expired")


def populate(account, count: int, *, prefix: str = "+8559760") -> Callout:
    """Add `count` contacts, participations and first calls in bulk, with a running callout."""
    callout = factories.CalloutFactory(account=account, status="running")
    Contact.objects.bulk_create(
        [Contact(account=account, msisdn=f"{prefix}{n:05d}", metadata={}) for n in range(count)]
    )
    contacts = list(Contact.objects.filter(account=account).order_by("id"))
    CalloutParticipation.objects.bulk_create(
        [
            CalloutParticipation(
                callout=callout,
                contact=c,
                msisdn=c.msisdn,
                call_flow_logic=callout.call_flow_logic,
                phone_calls_count=1,
            )
            for c in contacts
        ]
    )
    PhoneCall.objects.bulk_create(
        [
            PhoneCall(
                callout=callout,
                callout_participation=p,
                contact_id=p.contact_id,
                account=account,
                msisdn=p.msisdn,
                call_flow_logic=p.call_flow_logic,
            )
            for p in CalloutParticipation.objects.filter(callout=callout)
        ]
    )
    return callout


def wait_until_settled(callout: Callout, *, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        calls = PhoneCall.objects.filter(callout=callout)
        if not calls.exclude(status__in=FINAL).exists() and not calls.filter(retry_at__isnull=False).exists():
            return
        time.sleep(1)
    remaining = Counter(
        PhoneCall.objects.filter(callout=callout).exclude(status__in=FINAL).values_list("status", flat=True)
    )
    raise TimeoutError(f"not settled: {remaining}")


def assert_each_attempt_dialed_at_most_once(stack: Stack, callout: Callout) -> None:
    ledger = stack.simulator_calls()
    sids = [entry["sid"] for entry in ledger]
    recorded = list(
        PhoneCall.objects.filter(callout=callout, remote_call_id__isnull=False).values_list(
            "remote_call_id", flat=True
        )
    )
    assert len(sids) == len(set(sids))
    # Every call the provider placed is one of our attempts, and no attempt has two.
    assert sorted(sids) == sorted(recorded)
    per_number = Counter(entry["to"] for entry in ledger)
    attempts = Counter(PhoneCall.objects.filter(callout=callout).values_list("msisdn", flat=True))
    assert all(per_number[number] <= attempts[number] for number in per_number)


@pytest.fixture
def fast_account(stack):
    return simulator_account(stack, phone_call_queue_limit=12000)


def test_engine_killed_at_random_moments_dials_nothing_twice_and_loses_nothing(stack, fast_account):
    stack.configure_simulator(seed=3, time_scale=0, mix={"answered": 1})
    callout = populate(fast_account, 2000)
    rng = random.Random(11)
    for _ in range(4):
        time.sleep(rng.uniform(0.3, 2.0))
        stack.kill_engine()
        stack.start_engine()

    wait_until_settled(callout, seconds=240)

    assert_each_attempt_dialed_at_most_once(stack, callout)
    participations = CalloutParticipation.objects.filter(callout=callout)
    assert participations.count() == 2000
    # Everyone was reached: attempts cut short by a kill were settled and retried, never re-sent.
    assert participations.filter(answered=True).count() == 2000
    counts = Counter(PhoneCall.objects.filter(callout=callout).values_list("status", flat=True))
    assert set(counts) <= {"completed", "errored"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="engines share PostgreSQL only (SKIP LOCKED)")
def test_three_engines_share_a_callout_and_one_dies_midway(stack, fast_account):
    stack.configure_simulator(seed=9, time_scale=0, mix={"answered": 1})
    callout = populate(fast_account, 2000, prefix="+8559762")
    stack.start_engine("engine-2")
    stack.start_engine("engine-3")
    time.sleep(3.0)
    stack.kill_engine()  # the first one, with calls claimed and requests on the wire

    wait_until_settled(callout, seconds=240)
    requests = {name: stack.stop_engine(name) for name in ("engine-2", "engine-3")}

    assert_each_attempt_dialed_at_most_once(stack, callout)
    assert CalloutParticipation.objects.filter(callout=callout, answered=True).count() == 2000
    # Both survivors took part: the account's calls were shared out, not dialed by one of them.
    assert all(count > 0 for count in requests.values()), requests


def test_provider_errors_and_timeouts_cause_no_duplicates_and_are_retried(stack, fast_account):
    stack.configure_simulator(
        seed=5,
        time_scale=0,
        mix={"answered": 1},
        error_rate_5xx=0.2,
        error_rate_429=0.2,
        error_rate_5xx_after_accept=0.1,
    )
    callout = populate(fast_account, 60, prefix="+8559761")

    wait_until_settled(callout, seconds=120)

    assert_each_attempt_dialed_at_most_once(stack, callout)
    calls = PhoneCall.objects.filter(callout=callout)
    assert calls.filter(status="errored").exists()  # some hand-overs failed for good...
    assert calls.values("callout_participation").distinct().count() == 60
    # ...and were retried: each participant got through, or failed all three attempts.
    for participation in CalloutParticipation.objects.filter(callout=callout):
        statuses = list(participation.phone_calls.values_list("status", flat=True))
        assert participation.answered or statuses == ["errored"] * 3, statuses
    assert CalloutParticipation.objects.filter(callout=callout, answered=True).count() >= 55


@pytest.fixture
def twilio_stack(transactional_db):
    """A stack whose simulator plays Twilio (AC account, all status callback events)."""
    stack = Stack(
        extra_env={"SIMULATOR_ACCOUNT_SID": "AC" + "5" * 32, "SIMULATOR_AUTH_TOKEN": "twilio-token"}
    )
    stack.extra_env["SCFM_TWILIO_API_BASE_URL"] = stack.simulator_url
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


def test_duplicated_and_reordered_callbacks_end_in_the_provider_truth(twilio_stack):
    account = factories.AccountFactory(
        platform_provider_name="twilio",
        twilio_account_sid="AC" + "5" * 32,
        twilio_auth_token="twilio-token",
        settings={
            "from_phone_number": "1294",
            "phone_call_queue_limit": 60000,
            "max_phone_calls_for_callout_participation": 1,
        },
    )
    twilio_stack.configure_simulator(
        seed=9,
        time_scale=0,
        duplicate_callback_rate=1,
        reorder_callbacks=1,
        mix={"answered": 0.5, "busy": 0.2, "no-answer": 0.2, "failed": 0.1},
    )
    callout = populate(account, 80, prefix="+8559762")

    wait_until_settled(callout, seconds=120)

    truth = {entry["sid"]: entry["status"] for entry in twilio_stack.simulator_calls()}
    mapping = {"completed": "completed", "busy": "busy", "no-answer": "not_answered", "failed": "failed"}
    ours = dict(PhoneCall.objects.filter(callout=callout).values_list("remote_call_id", "status"))
    assert len(truth) == 80
    assert {sid: mapping[status] for sid, status in truth.items()} == ours
    # Duplicates were stored as events but changed nothing: completed calls were answered once.
    answered = CalloutParticipation.objects.filter(callout=callout, answered=True).count()
    assert answered == list(truth.values()).count("completed")
