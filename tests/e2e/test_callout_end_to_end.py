"""A callout over real HTTP: API → engine → simulator → signed webhooks → retries → final states."""

import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from scfm.accounts import permissions
from scfm.callouts.models import CalloutParticipation
from scfm.calls.models import PhoneCall
from scfm.contacts.models import Contact
from tests import factories

pytestmark = pytest.mark.e2e

NUMBERS = {
    "answered": "+855972345610",
    "busy": "+855972345611",
    "no-answer": "+855972345612",
    "dropped": "+855972345613",  # answered, but its final callback never comes
    "failed": "+855972345614",
}


def api_client(stack, account) -> httpx.Client:
    token = factories.AccessTokenFactory(
        resource_owner=account, permissions=permissions.ALL_TOKEN_PERMISSIONS_MASK
    )
    return httpx.Client(
        base_url=f"{stack.web_url}/api", headers={"Authorization": f"Bearer {token.token}"}, timeout=10
    )


def populate_and_start(api: httpx.Client, callout_id: int, metadata: dict | None = None) -> None:
    """Populate the callout with the contacts whose metadata matches `metadata` (all of them when
    None), through the API, and start it."""
    parameters = {"contact_filter_params": {"metadata": metadata}} if metadata is not None else {}
    population = api.post(
        f"/callouts/{callout_id}/batch_operations",
        json={"type": "BatchOperation::CalloutPopulation", "parameters": parameters},
    ).json()
    api.post(f"/batch_operations/{population['id']}/batch_operation_events", json={"event": "queue"})
    assert api.post(f"/callouts/{callout_id}/callout_events", json={"event": "start"}).status_code == 201


def wait_until_settled(callout_id: int, *, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        active = PhoneCall.objects.filter(callout_id=callout_id).exclude(
            status__in=("completed", "busy", "not_answered", "failed", "errored", "canceled", "expired")
        )
        pending_retries = PhoneCall.objects.filter(callout_id=callout_id, retry_at__isnull=False)
        if (
            PhoneCall.objects.filter(callout_id=callout_id).exists()
            and not active.exists()
            and not (pending_retries.exists())
        ):
            return
        time.sleep(0.5)
    raise TimeoutError("the callout did not settle")


def test_every_participant_reaches_the_right_final_state(stack, simulated_account):
    stack.configure_simulator(
        seed=1,
        ring_seconds=0.2,
        rules={
            NUMBERS["answered"]: {"outcome": "answered", "duration": 21},
            NUMBERS["busy"]: {"outcome": "busy"},
            NUMBERS["no-answer"]: {"outcome": "no-answer"},
            NUMBERS["dropped"]: {"outcome": "answered", "duration": 9, "drop_final_callback": True},
            NUMBERS["failed"]: {"outcome": "failed"},
        },
    )
    api = api_client(stack, simulated_account)
    for number in NUMBERS.values():
        assert api.post("/contacts", json={"msisdn": number, "metadata": {"drill": "yes"}}).status_code == 201
    callout = api.post("/callouts", json={"call_flow_logic": "CallFlowLogic::HelloWorld"}).json()
    population = api.post(
        f"/callouts/{callout['id']}/batch_operations",
        json={
            "type": "BatchOperation::CalloutPopulation",
            "parameters": {"contact_filter_params": {"metadata": {"drill": "yes"}}},
        },
    ).json()
    assert (
        api.post(
            f"/batch_operations/{population['id']}/batch_operation_events", json={"event": "queue"}
        ).status_code
        == 201
    )
    assert api.post(f"/callouts/{callout['id']}/callout_events", json={"event": "start"}).status_code == 201

    wait_until_settled(callout["id"], seconds=90)

    by_number = {p.msisdn: p for p in CalloutParticipation.objects.filter(callout_id=callout["id"])}
    assert set(by_number) == set(NUMBERS.values())

    def statuses(kind):
        return [c.status for c in by_number[NUMBERS[kind]].phone_calls.order_by("id")]

    assert statuses("answered") == ["completed"]
    assert statuses("dropped") == ["completed"]  # learned by reconciliation
    assert statuses("busy") == ["busy"] * 3
    assert statuses("no-answer") == ["not_answered"] * 3
    assert statuses("failed") == ["failed"] * 3
    assert by_number[NUMBERS["answered"]].answered and by_number[NUMBERS["dropped"]].answered
    assert not by_number[NUMBERS["busy"]].answered
    assert by_number[NUMBERS["answered"]].phone_calls.get().duration == 21
    dropped_call = by_number[NUMBERS["dropped"]].phone_calls.get()
    assert dropped_call.remote_status_fetch_queued_at is not None
    assert dropped_call.duration == 9

    # Each attempt went to the provider exactly once, and nothing else did.
    ledger = stack.simulator_calls()
    dialed = Counter(entry["to"] for entry in ledger)
    recorded = Counter(PhoneCall.objects.filter(callout_id=callout["id"]).values_list("msisdn", flat=True))
    assert dialed == recorded
    sids = {entry["sid"] for entry in ledger}
    assert sids == set(
        PhoneCall.objects.filter(callout_id=callout["id"]).values_list("remote_call_id", flat=True)
    )

    # The API tells the same story.
    response = api.get(f"/callouts/{callout['id']}/phone_calls", params={"q[status]": "completed"})
    assert response.headers["Total"] == "2"


def test_start_dials_within_5_s_pause_stops_within_2_s_and_resume_restarts(stack, simulated_account):
    stack.configure_simulator(seed=2, time_scale=0, mix={"answered": 1})
    api = api_client(stack, simulated_account)  # 1,200 calls a minute: one every 50 ms
    for n in range(400):
        Contact.objects.create(account=simulated_account, msisdn=f"+85597240{n:04d}", metadata={"p": "1"})
    callout = api.post("/callouts", json={"call_flow_logic": "CallFlowLogic::HelloWorld"}).json()
    population = api.post(
        f"/callouts/{callout['id']}/batch_operations",
        json={"parameters": {"contact_filter_params": {"metadata": {"p": "1"}}}},
    ).json()
    api.post(f"/batch_operations/{population['id']}/batch_operation_events", json={"event": "queue"})
    calls = PhoneCall.objects.filter(callout_id=callout["id"])
    wait_for(lambda: calls.count() == 400, seconds=30)
    started_at = datetime.now(UTC)
    api.post(f"/callouts/{callout['id']}/callout_events", json={"event": "start"})
    wait_for(lambda: calls.exclude(status="created").count() >= 40, seconds=30)

    paused_at = datetime.now(UTC)
    assert api.post(f"/callouts/{callout['id']}/callout_events", json={"event": "pause"}).status_code == 201
    time.sleep(3)
    accepted = [datetime.fromisoformat(entry["date_created"]) for entry in stack.simulator_calls()]
    assert min(accepted) <= started_at + timedelta(seconds=5)  # the first call
    assert max(accepted) <= paused_at + timedelta(seconds=2)
    left = calls.filter(status="created").count()
    assert 0 < left <= 360

    assert api.post(f"/callouts/{callout['id']}/callout_events", json={"event": "resume"}).status_code == 201
    wait_for(lambda: calls.filter(status="created").count() < left, seconds=5)


def wait_for(condition, *, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the condition was not met in time")
        time.sleep(0.1)
