"""A call flow created through the API runs on a real callout over real HTTP: the simulator
answers, presses digits at each Gather (its rules) and the flow writes the contacts' metadata."""

import pytest

from scfm.calls.models import PhoneCall, Recording
from scfm.contacts.models import Contact
from tests.e2e.test_callout_end_to_end import api_client, populate_and_start, wait_until_settled

pytestmark = pytest.mark.e2e

KHMER = "+85512555101"  # 2 (Khmer), then 35 as age
ENGLISH = "+85512555102"  # 9 (no such choice), 1 (English), then 41
SILENT = "+85512555103"  # presses nothing: asked twice, then the flow says goodbye

DOCUMENT = {
    "start": "welcome",
    "steps": [
        {"id": "welcome", "type": "say", "text": "Welcome", "next": "language"},
        {
            "id": "language",
            "type": "gather",
            "prompts": [{"type": "say", "text": "Press 1 for English, 2 for Khmer"}],
            "num_digits": 1,
            "timeout": 1,
            "branches": {"1": "english", "2": "khmer"},
            "retries": 1,
            "after_retries": "goodbye",
        },
        {"id": "english", "type": "set_metadata", "values": {"language": "en"}, "next": "age"},
        {"id": "khmer", "type": "set_metadata", "values": {"language": "km"}, "next": "age"},
        {
            "id": "age",
            "type": "gather",
            "prompts": [{"type": "say", "text": "Your age, then hash"}],
            "finish_on_key": "#",
            "next": "registered",
            "save_digits_as": "age",
        },
        {"id": "registered", "type": "append_metadata", "key": "drills", "value": "flow", "next": "feedback"},
        {"id": "feedback", "type": "record", "max_length": 3, "next": "goodbye"},
        {"id": "goodbye", "type": "say", "text": "Goodbye", "next": "end"},
        {"id": "end", "type": "hangup"},
    ],
}


def test_a_call_flow_made_through_the_api_runs_on_a_callout(stack, simulated_account):
    stack.configure_simulator(
        seed=3,
        ring_seconds=0.1,
        rules={
            KHMER: {"outcome": "answered", "duration": 40, "digits": ["2", "35"]},
            ENGLISH: {"outcome": "answered", "duration": 40, "digits": ["9", "1", "41"]},
            SILENT: {"outcome": "answered", "duration": 40, "digits": []},
        },
    )
    api = api_client(stack, simulated_account)
    for number in (KHMER, ENGLISH, SILENT):
        assert (
            api.post("/contacts", json={"msisdn": number, "metadata": {"drill": "flow"}}).status_code == 201
        )
    call_flow = api.post("/call_flows", json={"name": "Language and age", "document": DOCUMENT})
    assert call_flow.status_code == 201, call_flow.text
    callout = api.post("/callouts", json={"call_flow_id": call_flow.json()["id"]})
    assert callout.status_code == 201, callout.text
    assert callout.json()["call_flow_logic"] == "CallFlowLogic::DataFlow"
    callout_id = callout.json()["id"]
    populate_and_start(api, callout_id, {"drill": "flow"})

    wait_until_settled(callout_id, seconds=90)

    contacts = dict(Contact.objects.filter(msisdn__startswith="+855125551").values_list("msisdn", "metadata"))
    assert contacts[KHMER] == {"drill": "flow", "language": "km", "age": "35", "drills": ["flow"]}
    assert contacts[ENGLISH] == {"drill": "flow", "language": "en", "age": "41", "drills": ["flow"]}
    assert contacts[SILENT] == {"drill": "flow"}
    calls = {call.msisdn: call for call in PhoneCall.objects.filter(callout_id=callout_id)}
    assert {call.status for call in calls.values()} == {"completed"}
    assert {call.metadata["status"] for call in calls.values()} == {"finished"}
    # The two who registered left feedback: the simulator's recordings reached the recording webhook.
    recorded = set(
        Recording.objects.filter(phone_call__callout_id=callout_id).values_list(
            "phone_call__msisdn", flat=True
        )
    )
    assert recorded == {KHMER, ENGLISH}
