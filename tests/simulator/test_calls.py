"""Playing calls: outcomes, rules, the seeded mix, and signed status callbacks."""

import asyncio
import random
from datetime import datetime

import httpx
import pytest

from scfm.simulator.config import Knobs
from scfm.simulator.core import Draws, plan_call
from tests.simulator.conftest import ACCOUNT_SID, SCFM

pytestmark = pytest.mark.anyio

ALL_EVENTS = ["initiated", "ringing", "answered", "completed"]


async def test_an_answered_call_fetches_its_twiml_and_reports_every_requested_event(harness):
    harness.configure(rules={"+85512000001": {"duration": 33}})

    entry = await harness.play(StatusCallbackEvent=ALL_EVENTS)

    scfm = harness.scfm
    assert all(item.signature_valid for item in scfm.received)
    assert [item.path for item in scfm.received] == ["/callbacks"] * 3 + ["/twiml", "/callbacks"]
    assert scfm.callback_statuses() == ["initiated", "ringing", "in-progress", "completed"]
    assert [item.params["SequenceNumber"] for item in scfm.callbacks] == ["0", "1", "2", "3"]
    final = scfm.callbacks[-1].params
    assert final["CallDuration"] == "33"
    assert final["CallSid"] == entry["sid"]
    assert final["AccountSid"] == ACCOUNT_SID
    assert final["Direction"] == "outbound-api"
    assert final["ApiVersion"] == "2010-04-01"
    assert final["CallbackSource"] == "call-progress-events"
    assert scfm.received[0].url == f"{SCFM}/callbacks?pc=1"
    twiml = scfm.twiml_requests[0].params
    assert twiml["CallStatus"] == "in-progress"
    assert twiml["To"] == "+85512000001"
    assert twiml["From"] == "1294"
    assert entry["status"] == "completed"
    assert entry["duration"] == 33


async def test_space_separated_events_are_accepted(harness):
    await harness.play(StatusCallbackEvent="ringing completed")

    assert harness.scfm.callback_statuses() == ["ringing", "completed"]


async def test_without_requested_events_only_the_final_callback_is_sent(harness):
    await harness.play()

    assert harness.scfm.callback_statuses() == ["completed"]
    assert harness.scfm.callbacks[0].params["SequenceNumber"] == "0"


async def test_without_a_status_callback_nothing_but_twiml_is_requested(harness):
    entry = await harness.play(StatusCallback=None)

    assert [item.path for item in harness.scfm.received] == ["/twiml"]
    assert entry["callbacks"] == []


@pytest.mark.parametrize("outcome", ["busy", "no-answer", "failed"])
async def test_unanswered_outcomes_skip_the_twiml_and_report_zero_duration(harness, outcome):
    harness.configure(mix={outcome: 1})

    entry = await harness.play(StatusCallbackEvent=ALL_EVENTS)

    assert harness.scfm.twiml_requests == []
    assert harness.scfm.callback_statuses()[-1] == outcome
    assert harness.scfm.callbacks[-1].params["CallDuration"] == "0"
    assert entry["status"] == outcome
    assert entry["duration"] == 0


async def test_a_failed_call_never_rings(harness):
    harness.configure(mix={"failed": 1})

    await harness.play(StatusCallbackEvent=ALL_EVENTS)

    assert harness.scfm.callback_statuses() == ["initiated", "failed"]


async def test_status_callback_get_puts_the_params_in_the_signed_query(harness):
    await harness.play(StatusCallbackMethod="GET", Method="GET")

    assert [item.method for item in harness.scfm.received] == ["GET", "GET"]
    assert all(item.signature_valid for item in harness.scfm.received)
    callback = harness.scfm.callbacks[0]
    assert callback.url.startswith(f"{SCFM}/callbacks?pc=1&")
    assert callback.params["CallStatus"] == "completed"


async def test_a_fragment_is_neither_sent_nor_signed(harness):
    await harness.play(StatusCallback=f"{SCFM}/callbacks?pc=1#rc=3&rp=ct,rt,5xx")

    assert harness.scfm.callbacks[0].url == f"{SCFM}/callbacks?pc=1"
    assert harness.scfm.callbacks[0].signature_valid


async def test_rules_match_exact_numbers_then_suffixes_then_prefixes(harness):
    harness.configure(
        mix={"answered": 1},
        rules={
            "+85512000001": {"outcome": "busy"},
            "*01": {"outcome": "failed"},
            "*2001": {"outcome": "no-answer"},
            "+856*": {"outcome": "busy", "duration": 5},
        },
    )

    outcomes = {
        to: (await harness.play(To=to))["outcome"]
        for to in ["+85512000001", "+85512002001", "+85512003001", "+85620000000", "+85512000777"]
    }

    assert outcomes == {
        "+85512000001": "busy",
        "+85512002001": "no-answer",
        "+85512003001": "failed",
        "+85620000000": "busy",
        "+85512000777": "answered",
    }


async def test_a_rule_without_an_outcome_keeps_the_mix_but_overrides_the_rest(harness):
    harness.configure(mix={"answered": 1}, rules={"*77": {"duration": 3, "digits": "9"}})
    harness.scfm.documents["/twiml"] = "<Response><Gather action='/menu'/></Response>"

    entry = await harness.play(To="+85512000077")

    assert entry["outcome"] == "answered"
    assert entry["rule"] == "*77"
    assert entry["duration"] == 3
    assert entry["digits"] == ["9"]


async def test_the_answered_duration_is_drawn_from_its_range(harness):
    harness.configure(answered_duration_range=[20, 22])

    durations = {(await harness.play())["duration"] for _ in range(15)}

    assert durations <= {20, 21, 22}
    assert len(durations) > 1


async def test_the_same_seed_replays_the_same_outcomes(harness):
    mix = {"answered": 0.4, "busy": 0.2, "no-answer": 0.3, "failed": 0.1}

    async def run() -> list[tuple[str, int]]:
        harness.configure(seed=1234, mix=mix)
        entries = [await harness.play(To=f"+8551200{n:04d}") for n in range(30)]
        return [(entry["outcome"], entry["planned_duration"]) for entry in entries]

    first, second = await run(), await run()

    assert first == second
    assert {outcome for outcome, _ in first} == {"answered", "busy", "no-answer", "failed"}


def test_the_mix_follows_its_weights():
    rng = random.Random(5)
    knobs = Knobs.from_dict({"mix": {"answered": 0.7, "busy": 0.1, "no-answer": 0.15, "failed": 0.05}})
    outcomes = [plan_call(knobs, "+1", Draws.take(rng)).outcome for _ in range(4000)]

    assert outcomes.count("answered") / 4000 == pytest.approx(0.7, abs=0.03)
    assert outcomes.count("failed") / 4000 == pytest.approx(0.05, abs=0.015)


async def test_ring_seconds_are_waited_for_scaled_by_time_scale(harness):
    harness.configure(time_scale=0.01, ring_seconds=5, mix={"busy": 1})

    entry = await harness.play()

    rang = datetime.fromisoformat(entry["end_time"]) - datetime.fromisoformat(entry["start_time"])
    assert rang.total_seconds() >= 0.045


async def test_requests_to_scfm_are_limited_to_a_few_at_once():
    """Thousands of calls playing at once queue their requests cheaply instead of in httpx's pool."""
    from scfm.simulator.webhooks import WebhookSender

    open_now, most = 0, 0

    async def slow_scfm(request: httpx.Request) -> httpx.Response:
        nonlocal open_now, most
        open_now += 1
        most = max(most, open_now)
        await asyncio.sleep(0.01)
        open_now -= 1
        return httpx.Response(200)

    async with httpx.AsyncClient(transport=httpx.MockTransport(slow_scfm)) as client:
        sender = WebhookSender(client, "token", max_open_requests=3)
        answers = await asyncio.gather(
            *(sender.send("http://scfm.test/cb", "POST", {"n": str(n)}, timeout=5) for n in range(20))
        )
    assert [answer.status_code for answer in answers] == [200] * 20
    assert most == 3
