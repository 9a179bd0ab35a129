"""Delivery control with the real processes: the web app, the engine and the simulator over HTTP.

Emergencies pre-empt a routine backlog, calling windows hold calls until they open, retry ladders
time each outcome's retries, a terminal refusal is never retried, stop_at stops a callout,
max_concurrent_calls is never exceeded, completed_at is recorded and the ETA holds.
"""

import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from scfm.callouts.models import Callout, CalloutParticipation
from scfm.calls.models import PhoneCall
from scfm.contacts.models import Contact
from tests.e2e.conftest import simulator_account
from tests.e2e.stack import Stack
from tests.e2e.test_callout_end_to_end import api_client, wait_for

pytestmark = pytest.mark.e2e

IN_FLIGHT = ("queued", "remotely_queued", "in_progress")


def add_contacts(account, tag: str, count: int, *, prefix: str, metadata: dict | None = None) -> None:
    Contact.objects.bulk_create(
        Contact(account=account, msisdn=f"{prefix}{n:05d}", metadata={"tag": tag, **(metadata or {})})
        for n in range(count)
    )


def populated_callout(api: httpx.Client, tag: str, count: int, **settings) -> int:
    """Create a callout with `settings` through the API, populate it with the contacts tagged `tag`,
    and return its id once its `count` calls exist."""
    response = api.post(
        "/callouts", json={"call_flow_logic": "CallFlowLogic::HelloWorld", "settings": settings}
    )
    assert response.status_code == 201, response.text
    callout_id = response.json()["id"]
    population = api.post(
        f"/callouts/{callout_id}/batch_operations",
        json={"parameters": {"contact_filter_params": {"metadata": {"tag": tag}}}},
    ).json()
    api.post(f"/batch_operations/{population['id']}/batch_operation_events", json={"event": "queue"})
    wait_for(lambda: PhoneCall.objects.filter(callout_id=callout_id).count() == count, seconds=60)
    return callout_id


def start(api: httpx.Client, callout_id: int) -> datetime:
    """Start the callout; return when the API acknowledged it."""
    assert api.post(f"/callouts/{callout_id}/callout_events", json={"event": "start"}).status_code == 201
    return datetime.now(UTC)


def handed_over_times(callout_id: int) -> list[datetime]:
    return sorted(
        PhoneCall.objects.filter(callout_id=callout_id, remotely_queued_at__isnull=False).values_list(
            "remotely_queued_at", flat=True
        )
    )


def statistics(api: httpx.Client, callout_id: int) -> dict:
    response = api.get(f"/callouts/{callout_id}/statistics")
    assert response.status_code == 200, response.text
    return response.json()


def completed_at(callout_id: int) -> datetime | None:
    return Callout.objects.get(pk=callout_id).completed_at


def test_an_emergency_preempts_a_50000_call_backlog(stack, simulated_account):
    stack.configure_simulator(seed=11, time_scale=0, mix={"answered": 1})
    # 600 calls a minute: the routine backlog alone would take 83 minutes.
    simulated_account.settings["phone_call_queue_limit"] = 600
    simulated_account.save()
    api = api_client(stack, simulated_account)
    add_contacts(simulated_account, "routine", 50_000, prefix="+8559710")
    add_contacts(simulated_account, "alert", 40, prefix="+8559720")
    routine = populated_callout(api, "routine", 50_000)
    emergency = populated_callout(api, "alert", 40, priority="emergency")
    start(api, routine)
    wait_for(lambda: len(handed_over_times(routine)) >= 30, seconds=30)  # dialing at its limit

    started = start(api, emergency)
    wait_for(lambda: completed_at(emergency) is not None, seconds=60)

    emergency_times = handed_over_times(emergency)
    assert emergency_times[0] - started <= timedelta(seconds=2)
    # While the emergency had calls to make, it took the whole rate: routine calls handed over in
    # that span are at most those already claimed when it started (one tick's allowance).
    routine_meanwhile = PhoneCall.objects.filter(
        callout_id=routine,
        remotely_queued_at__gt=emergency_times[0] + timedelta(milliseconds=300),
        remotely_queued_at__lt=emergency_times[-1],
    ).count()
    assert routine_meanwhile <= 2
    # 40 calls at 10 a second: about 4 s, not stretched by the backlog.
    assert emergency_times[-1] - emergency_times[0] <= timedelta(seconds=6)
    # And the routine callout resumes afterwards.
    after = emergency_times[-1]
    wait_for(
        lambda: PhoneCall.objects.filter(callout_id=routine, remotely_queued_at__gt=after).count() >= 10,
        seconds=10,
    )


@pytest.fixture
def stack_before_eight(transactional_db):
    """The stack with its calendar clock 25 s before the next 08:00 UTC."""
    now = datetime.now(UTC)
    eight = now.replace(hour=8, minute=0, second=0, microsecond=0)
    if eight <= now:
        eight += timedelta(days=1)
    offset = int((eight - timedelta(seconds=25) - now).total_seconds())
    running = Stack(extra_env={"SCFM_CLOCK_OFFSET_SECONDS": str(offset)}).start()
    running.window_opens_at_real = eight - timedelta(seconds=offset)
    try:
        yield running
    finally:
        running.stop()


def test_a_calling_window_holds_calls_and_releases_them_when_it_opens(stack_before_eight):
    stack = stack_before_eight
    stack.configure_simulator(seed=12, time_scale=0, mix={"answered": 1})
    account = simulator_account(stack)
    api = api_client(stack, account)
    add_contacts(account, "morning", 20, prefix="+8559730", metadata={"time_zone": "UTC"})
    # Read in the contacts' own zone (UTC), whatever the number's region (Cambodia) says.
    callout = populated_callout(api, "morning", 20, calling_window={"from": "08:00", "to": "20:00"})
    start(api, callout)

    wait_for(lambda: statistics(api, callout)["waiting_for_window"] == 20, seconds=15)
    assert not handed_over_times(callout)
    opens = stack.window_opens_at_real
    assert datetime.now(UTC) < opens  # still closed: nothing went out
    stats = statistics(api, callout)
    assert stats["eta_at"] is None or datetime.fromisoformat(stats["eta_at"]) >= opens

    wait_for(lambda: completed_at(callout) is not None, seconds=60)
    times = handed_over_times(callout)
    assert len(times) == 20
    assert times[0] >= opens
    assert times[0] - opens <= timedelta(seconds=3)
    assert statistics(api, callout)["waiting_for_window"] == 0


def test_retry_ladders_time_each_outcome(stack, simulated_account):
    busy, silent = "+855974000001", "+855974000002"
    stack.configure_simulator(
        seed=13, time_scale=0, rules={busy: {"outcome": "busy"}, silent: {"outcome": "no-answer"}}
    )
    simulated_account.settings["max_phone_calls_for_callout_participation"] = 5
    simulated_account.save()
    api = api_client(stack, simulated_account)
    for number in (busy, silent):
        Contact.objects.create(account=simulated_account, msisdn=number, metadata={"tag": "ladder"})
    callout = populated_callout(api, "ladder", 2, retry_policy={"busy": [2, 5], "not_answered": [4]})
    start(api, callout)
    wait_for(lambda: completed_at(callout) is not None, seconds=60)

    def attempts(number):
        return list(
            PhoneCall.objects.filter(callout_id=callout, msisdn=number)
            .order_by("id")
            .values("status", "remotely_queued_at", "updated_at")
        )

    busy_calls, silent_calls = attempts(busy), attempts(silent)
    # busy: two retries (the ladder's two steps), then no more although 5 attempts were allowed.
    assert [call["status"] for call in busy_calls] == ["busy"] * 3
    assert [call["status"] for call in silent_calls] == ["not_answered"] * 2
    for calls, ladder in ((busy_calls, [2, 5]), (silent_calls, [4])):
        for previous, following, delay in zip(calls, calls[1:], ladder, strict=False):
            gap = (following["remotely_queued_at"] - previous["updated_at"]).total_seconds()
            assert delay <= gap <= delay + 2.5, (ladder, gap)


def test_a_number_the_provider_calls_invalid_is_never_retried(stack, simulated_account):
    invalid, busy = "+855975000001", "+855975000002"
    stack.configure_simulator(
        seed=14, time_scale=0, rules={invalid: {"outcome": "invalid-number"}, busy: {"outcome": "busy"}}
    )
    api = api_client(stack, simulated_account)
    for number in (invalid, busy):
        Contact.objects.create(account=simulated_account, msisdn=number, metadata={"tag": "terminal"})
    callout = populated_callout(api, "terminal", 2)
    start(api, callout)
    wait_for(lambda: completed_at(callout) is not None, seconds=60)

    refused = list(PhoneCall.objects.filter(callout_id=callout, msisdn=invalid))
    assert [call.status for call in refused] == ["errored"]
    assert "21211" in refused[0].remote_error_message
    # The busy number, refused by nobody, used its three attempts.
    assert PhoneCall.objects.filter(callout_id=callout, msisdn=busy).count() == 3
    ledger = [entry["to"] for entry in stack.simulator_calls()]
    assert invalid not in ledger  # a refused request creates no call at the provider


def test_start_at_and_stop_at_bound_the_dialing(stack, simulated_account):
    stack.configure_simulator(seed=15, time_scale=0, mix={"busy": 1})
    simulated_account.settings["phone_call_queue_limit"] = 120  # two a second
    simulated_account.save()
    api = api_client(stack, simulated_account)
    add_contacts(simulated_account, "deadline", 60, prefix="+8559760")
    start_at = datetime.now(UTC) + timedelta(seconds=12)
    stop_at = start_at + timedelta(seconds=8)
    callout = populated_callout(
        api,
        "deadline",
        60,
        start_at=start_at.isoformat(),
        stop_at=stop_at.isoformat(),
        retry_policy={"busy": [1]},
    )
    start(api, callout)  # started ahead of time: it waits for start_at
    wait_for(lambda: completed_at(callout) is not None, seconds=60)

    times = handed_over_times(callout)
    assert start_at <= times[0] <= start_at + timedelta(seconds=1)
    assert times[-1] <= stop_at + timedelta(milliseconds=500)
    calls = PhoneCall.objects.filter(callout_id=callout)
    assert calls.filter(status="canceled").exists()  # never sent: canceled at stop_at
    assert not calls.filter(status__in=("created", *IN_FLIGHT)).exists()
    assert not calls.filter(retry_at__isnull=False).exists()
    assert completed_at(callout) >= stop_at - timedelta(seconds=1)


def test_max_concurrent_calls_is_never_exceeded(stack, simulated_account):
    # Each answered call lasts about 2 s: at 6,000 calls a minute, only the cap holds them back.
    stack.configure_simulator(seed=16, ring_seconds=0.5, answered_duration_range=[2, 2], mix={"answered": 1})
    simulated_account.settings.update(phone_call_queue_limit=6000, max_concurrent_calls=5)
    simulated_account.save()
    api = api_client(stack, simulated_account)
    add_contacts(simulated_account, "capped", 40, prefix="+8559770")
    callout = populated_callout(api, "capped", 40)

    samples: list[int] = []
    done = threading.Event()

    def sample() -> None:
        calls = PhoneCall.objects.filter(account_id=simulated_account.pk, status__in=IN_FLIGHT)
        while not done.is_set():
            samples.append(calls.count())
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    start(api, callout)
    sampler.start()
    try:
        wait_for(lambda: completed_at(callout) is not None, seconds=120)
    finally:
        done.set()
        sampler.join()
    assert len(samples) > 100
    assert max(samples) == 5  # reached, never exceeded
    assert PhoneCall.objects.filter(callout_id=callout, status="completed").count() == 40


def test_the_eta_holds_on_a_2000_call_callout(stack, simulated_account):
    stack.configure_simulator(seed=17, time_scale=0, mix={"answered": 1})
    simulated_account.settings["phone_call_queue_limit"] = 2400  # 40 a second: 50 s for 2,000
    simulated_account.save()
    api = api_client(stack, simulated_account)
    add_contacts(simulated_account, "eta", 2000, prefix="+8559780")
    callout = populated_callout(api, "eta", 2000)
    start(api, callout)

    estimates = []
    for share in (0.15, 0.5):
        wait_for(lambda share=share: len(handed_over_times(callout)) >= 2000 * share, seconds=120)
        stats = statistics(api, callout)
        estimates.append((datetime.now(UTC), stats["eta_seconds"], datetime.fromisoformat(stats["eta_at"])))
    wait_for(lambda: completed_at(callout) is not None, seconds=120)
    finished = completed_at(callout)
    final = statistics(api, callout)
    assert final["participations_remaining"] == 0
    assert final["participations_answered"] == 2000
    # The API writes milliseconds.
    assert abs(datetime.fromisoformat(final["completed_at"]) - finished) < timedelta(milliseconds=1)
    for asked_at, eta_seconds, eta_at in estimates:
        remaining = (finished - asked_at).total_seconds()
        print(f"ETA asked {asked_at:%T}: {eta_seconds} s, at {eta_at:%T}; finished {finished:%T}")
        assert abs((eta_at - finished).total_seconds()) <= 0.2 * remaining, (eta_seconds, remaining)
    assert CalloutParticipation.objects.filter(callout_id=callout, answered=True).count() == 2000
