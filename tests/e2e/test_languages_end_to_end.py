"""A callout in three languages over real HTTP: each contact hears its language's audio, or its text
spoken with <Say language>, as the simulator's ledger records what each call heard."""

import pytest

from tests.e2e.test_callout_end_to_end import api_client, populate_and_start, wait_until_settled

pytestmark = pytest.mark.e2e

KHMER = "+855972345701"
ENGLISH = "+855972345702"
LAO = "+855972345703"
NO_LANGUAGE = "+855972345704"
KM_AUDIO = "https://cdn.example.org/flood-km.mp3"
EN_AUDIO = "https://cdn.example.org/flood-en.mp3"


def test_each_contact_hears_the_callout_in_their_language(stack, simulated_account):
    numbers = {KHMER: "km", ENGLISH: "en-GB", LAO: "lo", NO_LANGUAGE: None}
    stack.configure_simulator(
        seed=1, ring_seconds=0.1, rules={number: {"outcome": "answered", "duration": 5} for number in numbers}
    )
    api = api_client(stack, simulated_account)
    for number, language in numbers.items():
        metadata = {"drill": "languages", **({"language": language} if language else {})}
        assert api.post("/contacts", json={"msisdn": number, "metadata": metadata}).status_code == 201
    callout = api.post(
        "/callouts",
        json={
            "call_flow_logic": "CallFlowLogic::PlayMessage",
            "audio_url": KM_AUDIO,
            "settings": {
                "default_language": "km",
                "audio_urls": {"en": EN_AUDIO},
                "message_text": {"lo": "ເຕືອນໄພນ້ຳຖ້ວມ"},
            },
        },
    )
    assert callout.status_code == 201, callout.text
    callout_id = callout.json()["id"]
    populate_and_start(api, callout_id, {"drill": "languages"})

    wait_until_settled(callout_id, seconds=60)

    heard = {
        entry["to"]: [item for request in entry["twiml_requests"] for item in request.get("heard", [])]
        for entry in stack.simulator_calls()
        if entry["to"] in numbers
    }
    assert heard == {
        KHMER: [{"verb": "Play", "text": KM_AUDIO}],
        ENGLISH: [{"verb": "Play", "text": EN_AUDIO}],  # en-GB is served by the English audio
        LAO: [{"verb": "Say", "text": "ເຕືອນໄພນ້ຳຖ້ວມ", "language": "lo-LA"}],
        NO_LANGUAGE: [{"verb": "Play", "text": KM_AUDIO}],
    }
