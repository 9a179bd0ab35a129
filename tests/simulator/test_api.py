"""The Calls API subset (create, fetch, Basic auth) and the control API."""

import re

import pytest

from tests.simulator.conftest import ACCOUNT_SID, CALLS_PATH, SCFM, basic_auth

pytestmark = pytest.mark.anyio


async def test_create_answers_201_with_a_twilio_call_resource(harness):
    response = await harness.create(To="+85512345678")

    assert response.status_code == 201
    call = response.json()
    assert re.fullmatch(r"CA[0-9a-f]{32}", call["sid"])
    assert call["account_sid"] == ACCOUNT_SID
    assert call["to"] == "+85512345678"
    assert call["from"] == "1294"
    assert call["status"] == "queued"
    assert call["direction"] == "outbound-api"
    assert call["api_version"] == "2010-04-01"
    assert call["duration"] is None
    assert call["uri"] == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{call['sid']}.json"
    assert re.fullmatch(r"\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000", call["date_created"])


@pytest.mark.parametrize(
    ("missing", "code"), [("To", 21201), ("From", 21213), ("Url", 21205)], ids=["to", "from", "url"]
)
async def test_create_without_a_required_parameter_is_a_400(harness, missing, code):
    response = await harness.create(**{missing: None})

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["status"] == 400
    assert harness.simulator.calls == {}
    assert harness.simulator.rejected["400"] == 1


async def test_create_rejects_a_url_that_is_not_http(harness):
    response = await harness.create(Url="file:///etc/passwd")

    assert response.status_code == 400
    assert response.json()["code"] == 21205


@pytest.mark.parametrize(
    "authorization",
    [None, basic_auth(ACCOUNT_SID, "wrong-token"), basic_auth("other", "simulator-token"), "Basic !!"],
    ids=["none", "wrong-token", "wrong-sid", "garbage"],
)
async def test_wrong_credentials_get_a_twilio_401(harness, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    harness.api.auth = None

    response = await harness.api.post(
        CALLS_PATH, data={"To": "1", "From": "2", "Url": f"{SCFM}/twiml"}, headers=headers
    )

    assert response.status_code == 401
    assert response.json() == {
        "code": 20003,
        "message": "Authenticate",
        "more_info": "https://www.twilio.com/docs/errors/20003",
        "status": 401,
    }
    assert harness.simulator.calls == {}


async def test_another_account_path_is_refused(harness):
    response = await harness.api.post(
        "/2010-04-01/Accounts/other-account/Calls.json", data={"To": "1", "From": "2", "Url": f"{SCFM}/t"}
    )

    assert response.status_code == 401


async def test_fetch_follows_the_call_to_its_final_status(harness):
    harness.configure(rules={"+85512000009": {"outcome": "answered", "duration": 42}})
    sid = (await harness.create(To="+85512000009")).json()["sid"]
    path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{sid}.json"
    await harness.simulator.drain()

    call = (await harness.api.get(path)).json()

    assert call["status"] == "completed"
    assert call["duration"] == "42"
    assert call["start_time"] is not None
    assert call["end_time"] is not None


async def test_fetch_of_an_unknown_call_is_a_twilio_404(harness):
    response = await harness.api.get(f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/CA{'0' * 32}.json")

    assert response.status_code == 404
    assert response.json()["code"] == 20404


async def test_fetch_requires_auth(harness):
    sid = (await harness.create()).json()["sid"]
    harness.api.auth = None

    response = await harness.api.get(f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{sid}.json")

    assert response.status_code == 401


async def test_wrong_method_is_a_405(harness):
    response = await harness.api.delete(CALLS_PATH)

    assert response.status_code == 405
    assert response.json()["code"] == 20004


async def test_calls_are_listed_by_number_newest_first_with_twilio_python(harness):
    first = await harness.play(To="+85512000001")
    await harness.play(To="+85512000002")
    second = await harness.play(To="+85512000001")

    response = await harness.api.get(
        CALLS_PATH, params={"To": "+85512000001", "StartTime>": "2000-01-01T00:00:00Z"}
    )

    assert response.status_code == 200
    assert [call["sid"] for call in response.json()["calls"]] == [second["sid"], first["sid"]]
    assert response.json()["next_page_uri"] is None


async def test_ledger_lists_every_accepted_call_and_filters_by_number(harness):
    await harness.play(To="+85512000001")
    await harness.play(To="+85512000002")

    everything = (await harness.api.get("/simulator/calls")).json()["calls"]
    one = (await harness.api.get("/simulator/calls", params={"to": "+85512000002"})).json()["calls"]

    assert [call["to"] for call in everything] == ["+85512000001", "+85512000002"]
    assert [call["to"] for call in one] == ["+85512000002"]
    entry = everything[0]
    assert entry["status"] == "completed"
    assert entry["outcome"] == "answered"
    assert entry["digits"] == []
    assert [request["url"] for request in entry["twiml_requests"]] == [f"{SCFM}/twiml"]
    assert entry["callbacks"][0]["attempts"][0]["status_code"] == 200
    detail = await harness.api.get(f"/simulator/calls/{entry['sid']}")
    assert detail.json()["sid"] == entry["sid"]
    page = (await harness.api.get("/simulator/calls", params={"offset": 1, "limit": 5})).json()
    assert page["total"] == 2
    assert [call["to"] for call in page["calls"]] == ["+85512000002"]


async def test_config_put_merges_and_can_replace(harness):
    merged = (await harness.api.put("/simulator/config", json={"latency_ms": 5, "digits": ["1", "2"]})).json()
    assert merged["latency_ms"] == 5
    assert merged["digits"] == ["1", "2"]
    assert merged["seed"] == 7

    replaced = (await harness.api.put("/simulator/config?replace=true", json={"ring_seconds": 2})).json()

    assert replaced["ring_seconds"] == 2
    assert replaced["latency_ms"] == 0
    assert replaced["seed"] is None
    assert (await harness.api.get("/simulator/config")).json() == replaced


@pytest.mark.parametrize(
    "body",
    [
        {"error_rate_5xx": 2},
        {"no_such_knob": 1},
        {"mix": {"answered": 0}},
        {"mix": {"voicemail": 1}},
        {"rules": {"+1": {"outcome": "maybe"}}},
        {"mix": {"invalid-number": 1}},  # a rule's outcome only
        {"answered_duration_range": [9, 3]},
        {"latency_ms": True},
    ],
)
async def test_config_rejects_bad_knobs_and_keeps_the_old_ones(harness, body):
    response = await harness.api.put("/simulator/config", json=body)

    assert response.status_code == 400
    assert harness.simulator.knobs.error_rate_5xx == 0
    assert harness.simulator.knobs.mix == {"answered": 1}


async def test_reset_clears_the_ledger(harness):
    await harness.play()

    assert (await harness.api.post("/simulator/reset")).json() == {"reset": True}

    assert (await harness.api.get("/simulator/calls")).json()["calls"] == []


async def test_health_counts_calls(harness):
    await harness.play()

    health = (await harness.api.get("/simulator/health")).json()

    assert health == {
        "status": "ok",
        "account_sid": ACCOUNT_SID,
        "calls": 1,
        "active_calls": 0,
        "rejected": {"400": 0, "429": 0, "5xx": 0},
    }


async def test_unknown_path_is_a_404(harness):
    assert (await harness.api.get("/nothing")).status_code == 404
