"""An IVR callout over real HTTP: the simulator answers, follows Redirects and presses digits at
each Gather; the dialog registers the callers on their contacts (EWS Laos, reference §10.7)."""

import pytest

from scfm.calls.models import PhoneCall
from scfm.contacts.models import Contact
from tests.e2e.test_callout_end_to_end import api_client, populate_and_start, wait_until_settled

pytestmark = pytest.mark.e2e

STRAIGHT = "+8562055512301"  # Champasak (2), then Pakse (1)
ASTRAY = "+8562055512302"  # an unknown province (7), Attapeu (3), then `*`: again from the top…
HUNG_UP = "+8562055512303"  # presses nothing at all, then the call ends


def test_callers_register_through_the_ews_laos_dialog(stack, simulated_account):
    stack.configure_simulator(
        seed=1,
        ring_seconds=0.1,
        rules={
            STRAIGHT: {"outcome": "answered", "duration": 40, "digits": ["2", "1"]},
            ASTRAY: {"outcome": "answered", "duration": 60, "digits": ["7", "3", "*", "3", "4"]},
            HUNG_UP: {"outcome": "answered", "duration": 30, "digits": []},
        },
    )
    api = api_client(stack, simulated_account)
    for number in (STRAIGHT, ASTRAY, HUNG_UP):
        contact = {"msisdn": number, "metadata": {"drill": "ews", "registered_districts": ["1401"]}}
        assert api.post("/contacts", json=contact).status_code == 201
    callout = api.post("/callouts", json={"call_flow_logic": "CallFlowLogic::EWSLaosRegistration"})
    assert callout.status_code == 201, callout.text
    callout_id = callout.json()["id"]
    populate_and_start(api, callout_id, {"drill": "ews"})

    wait_until_settled(callout_id, seconds=90)

    contacts = dict(Contact.objects.filter(msisdn__startswith="+856").values_list("msisdn", "metadata"))
    assert contacts[STRAIGHT] == {
        "drill": "ews",
        "registered_districts": ["1401", "1601"],
        "latest_district_id": "1601",
        "latest_address_en": "Pakse District, Champasak Province",
        "latest_address_lo": "ເມືອງປາກເຊ ແຂວງຈຳປາສັກ",
    }
    assert contacts[ASTRAY]["registered_districts"] == ["1401", "1704"]
    assert contacts[ASTRAY]["latest_address_en"] == "Phouvong District, Attapeu Province"
    assert contacts[HUNG_UP] == {"drill": "ews", "registered_districts": ["1401"]}

    calls = {call.msisdn: call for call in PhoneCall.objects.filter(callout_id=callout_id)}
    assert {number: call.status for number, call in calls.items()} == dict.fromkeys(calls, "completed")
    assert calls[STRAIGHT].metadata["status"] == calls[ASTRAY].metadata["status"] == "finished"
    assert calls[STRAIGHT].metadata["district_code"] == "1601"
    # The one who pressed nothing heard the province menu until the simulator stopped fetching.
    assert calls[HUNG_UP].metadata["status"] == "gathering_province"

    ledger = {entry["to"]: entry for entry in stack.simulator_calls()}
    assert ledger[STRAIGHT]["digits"] == ["2", "1"]
    assert ledger[ASTRAY]["digits"] == ["7", "3", "*", "3", "4"]
