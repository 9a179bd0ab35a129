"""Fault knobs: provider errors, CPS limit, latency, duplicated/reordered/dropped callbacks, retries."""

import time

import httpx
import pytest

from tests.simulator.conftest import ACCOUNT_SID

pytestmark = pytest.mark.anyio

ALL_EVENTS = ["initiated", "ringing", "answered", "completed"]


async def test_error_rate_5xx_refuses_calls_with_a_twilio_500(harness):
    harness.configure(error_rate_5xx=1)

    response = await harness.create()

    assert response.status_code == 500
    assert response.json()["code"] == 20500
    assert harness.simulator.calls == {}
    assert harness.simulator.rejected == {"400": 0, "429": 0, "5xx": 1}


async def test_error_rate_429_refuses_calls_with_code_20429(harness):
    harness.configure(error_rate_429=1)

    response = await harness.create()

    assert response.status_code == 429
    assert response.json() == {
        "code": 20429,
        "message": "Too Many Requests",
        "more_info": "https://www.twilio.com/docs/errors/20429",
        "status": 429,
    }
    assert harness.simulator.calls == {}


async def test_partial_error_rates_are_seeded(harness):
    async def run() -> list[int]:
        harness.configure(seed=99, error_rate_5xx=0.3, error_rate_429=0.2)
        return [(await harness.create()).status_code for _ in range(40)]

    first, second = await run(), await run()

    assert first == second
    assert set(first) == {201, 429, 500}
    await harness.simulator.drain()


async def test_error_after_accept_places_the_call_but_answers_500(harness):
    harness.configure(error_rate_5xx_after_accept=1)

    response = await harness.create()
    await harness.simulator.drain()

    assert response.status_code == 500
    (call,) = harness.simulator.calls.values()
    assert call.status == "completed"
    assert call.ledger_entry()["faults"]["response_error"] == 500
    assert harness.scfm.callback_statuses() == ["completed"]


async def test_cps_limit_refuses_creates_beyond_it_within_a_second(harness):
    harness.configure(cps_limit=2)

    statuses = [(await harness.create()).status_code for _ in range(3)]

    assert statuses == [201, 201, 429]
    assert len(harness.simulator.calls) == 2
    await harness.simulator.drain()


async def test_cps_window_frees_up_after_a_second(harness, monkeypatch):
    harness.configure(cps_limit=1)
    clock = [1000.0]
    monkeypatch.setattr("scfm.simulator.core.time.monotonic", lambda: clock[0])

    first = await harness.create()
    refused = await harness.create()
    clock[0] += 1.0
    later = await harness.create()
    await harness.simulator.drain()

    assert [first.status_code, refused.status_code, later.status_code] == [201, 429, 201]


async def test_latency_delays_create_and_fetch(harness):
    harness.configure(latency_ms=60)

    started = time.monotonic()
    sid = (await harness.create()).json()["sid"]
    await harness.api.get(f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{sid}.json")

    assert time.monotonic() - started >= 0.12
    await harness.simulator.drain()


async def test_duplicate_callback_rate_sends_the_final_callback_twice(harness):
    harness.configure(duplicate_callback_rate=1)

    entry = await harness.play(StatusCallbackEvent=ALL_EVENTS)

    assert harness.scfm.callback_statuses() == [
        "initiated",
        "ringing",
        "in-progress",
        "completed",
        "completed",
    ]
    first, second = harness.scfm.callbacks[-2:]
    assert first.params == second.params
    assert second.signature_valid
    assert [callback["duplicate"] for callback in entry["callbacks"]][-2:] == [False, True]


async def test_reorder_callbacks_delivers_the_final_callback_first(harness):
    harness.configure(reorder_callbacks=True)

    entry = await harness.play(StatusCallbackEvent=ALL_EVENTS)

    assert harness.scfm.callback_statuses() == ["completed", "initiated", "ringing", "in-progress"]
    # Sequence numbers keep the order the events happened in.
    assert [item.params["SequenceNumber"] for item in harness.scfm.callbacks] == ["3", "0", "1", "2"]
    assert entry["faults"]["reorder_callbacks"] is True


async def test_a_dropped_final_callback_leaves_the_status_to_fetch(harness):
    harness.configure(drop_callback_rate=1)

    entry = await harness.play(StatusCallbackEvent=["ringing"])
    fetched = await harness.api.get(f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{entry['sid']}.json")

    assert harness.scfm.callback_statuses() == ["ringing"]
    assert entry["callbacks"][-1]["dropped"] is True
    assert entry["callbacks"][-1]["attempts"] == []
    assert fetched.json()["status"] == "completed"
    assert fetched.json()["duration"] == str(entry["duration"])


async def test_a_rule_drops_the_final_callback_of_its_numbers_only(harness):
    harness.configure(rules={"*99": {"outcome": "answered", "drop_final_callback": True}})

    dropped = await harness.play(To="+85512345699")
    kept = await harness.play(To="+85512345600")

    assert dropped["callbacks"][-1]["dropped"] is True
    assert kept["callbacks"][-1]["dropped"] is False


async def test_a_rule_refuses_invalid_numbers_as_twilio_does_for_an_invalid_to(harness):
    harness.configure(
        seed=3, mix={"answered": 1, "busy": 1}, rules={"+8551200*": {"outcome": "invalid-number"}}
    )
    before = [(await harness.play(To=f"+8553300000{n}"))["outcome"] for n in range(4)]
    harness.configure(seed=3)

    refused = await harness.create(To="+85512000042")
    after = [(await harness.play(To=f"+8553300000{n}"))["outcome"] for n in range(4)]

    assert refused.status_code == 400
    assert refused.json() == {
        "code": 21211,
        "message": "The 'To' number +85512000042 is not a valid phone number.",
        "more_info": "https://www.twilio.com/docs/errors/21211",
        "status": 400,
    }
    assert [call.to for call in harness.simulator.calls.values()].count("+85512000042") == 0
    assert harness.simulator.rejected == {"400": 1, "429": 0, "5xx": 0}
    assert after == before  # a refusal takes no draw: the seed's other outcomes are unchanged


async def test_callback_retries_retry_5xx_and_connection_errors(harness):
    harness.configure(callback_retries=3, callback_retry_backoff_ms=1)
    harness.scfm.callback_answers = [503, httpx.ConnectError("refused"), 200]

    entry = await harness.play()

    attempts = entry["callbacks"][0]["attempts"]
    assert [attempt.get("status_code") for attempt in attempts] == [503, None, 200]
    assert "ConnectError" in attempts[1]["error"]
    assert entry["notes"] == []


async def test_callbacks_are_not_retried_by_default_nor_on_4xx(harness):
    harness.scfm.callback_answers = [500]
    entry = await harness.play()
    harness.configure(callback_retries=2)
    harness.scfm.callback_answers = [403]
    second = await harness.play()

    assert len(entry["callbacks"][0]["attempts"]) == 1
    assert "not delivered after 1 attempt(s)" in entry["notes"][-1]
    assert [attempt["status_code"] for attempt in second["callbacks"][0]["attempts"]] == [403]


async def test_reset_stops_calls_in_flight(harness):
    harness.configure(time_scale=1, ring_seconds=30)
    await harness.create()

    harness.simulator.reset()
    await harness.simulator.drain()

    assert harness.simulator.calls == {}
    assert harness.scfm.callbacks == []
