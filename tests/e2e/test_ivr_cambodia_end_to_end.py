"""The Cambodian registration menu over real HTTP (reference §10.6): the simulator answers, follows
the Redirects and presses keys at each Gather; the dialog registers each caller's commune on the
contact with pumi's addresses."""

import pytest

from scfm.calls.models import PhoneCall, Recording
from scfm.contacts.models import Contact
from tests.e2e.test_callout_end_to_end import api_client, populate_and_start, wait_until_settled

pytestmark = pytest.mark.e2e

# Khmer (1), Banteay Meanchey (2), Ou Chrov (4th district: 0102, 0103, 0104, 0105), Samraong (4th
# commune: there is no 010504): the reference's golden address.
STRAIGHT = "+85512555001"
# Krung (5) cannot pick Pursat (1): asked again, takes Ratanakkiri (19); then `*` in the district
# menu, and from the top in Khmer: Siem Reap (6), its 12th district Varin (1714), Prasat (171401).
ASTRAY = "+85512555002"
SILENT = "+85512555003"  # presses nothing: hears the language menu until the simulator stops
# On the reference's feedback pilot list: hears the main menu first and registers (1) in Pursat (1),
# Bakan (1), Boeng Bat Kandaol (1). The feedback branch itself: tests/e2e/test_recording_end_to_end.py.
PILOT = "+85570753999"


def test_callers_register_through_the_cambodian_dialog(stack, simulated_account):
    stack.configure_simulator(
        seed=1,
        ring_seconds=0.1,
        rules={
            STRAIGHT: {"outcome": "answered", "duration": 40, "digits": ["1", "2", "4", "4"]},
            ASTRAY: {
                "outcome": "answered",
                "duration": 60,
                "digits": ["5", "1", "19", "*", "1", "6", "12", "1"],
            },
            SILENT: {"outcome": "answered", "duration": 30, "digits": []},
            PILOT: {"outcome": "answered", "duration": 40, "digits": ["1", "1", "1", "1", "1"]},
        },
    )
    api = api_client(stack, simulated_account)
    for number in (STRAIGHT, ASTRAY, SILENT, PILOT):
        contact = {"msisdn": number, "metadata": {"drill": "ews-kh", "commune_ids": ["120101"]}}
        assert api.post("/contacts", json=contact).status_code == 201, number
    callout = api.post("/callouts", json={"call_flow_logic": "CallFlowLogic::EWSRegistration"})
    assert callout.status_code == 201, callout.text
    callout_id = callout.json()["id"]
    populate_and_start(api, callout_id, {"drill": "ews-kh"})

    wait_until_settled(callout_id, seconds=90)

    contacts = dict(Contact.objects.filter(metadata__drill="ews-kh").values_list("msisdn", "metadata"))
    assert contacts[STRAIGHT] == {
        "drill": "ews-kh",
        "commune_ids": ["120101", "010505"],
        "language_code": "khm",
        "latest_commune_id": "010505",
        "latest_address_km": "ឃុំសំរោង ស្រុកអូរជ្រៅ ខេត្តបន្ទាយមានជ័យ",
        "latest_address_en": "Samraong Commune, Ou Chrov District, Banteay Meanchey Province",
    }
    assert contacts[ASTRAY]["commune_ids"] == ["120101", "171401"]
    assert contacts[ASTRAY]["latest_address_en"] == "Prasat Commune, Varin District, Siemreap Province"
    assert contacts[SILENT] == {"drill": "ews-kh", "commune_ids": ["120101"]}
    assert contacts[PILOT]["commune_ids"] == ["120101", "150101"]

    calls = {call.msisdn: call for call in PhoneCall.objects.filter(callout_id=callout_id)}
    assert {number: call.status for number, call in calls.items()} == dict.fromkeys(calls, "completed")
    assert calls[STRAIGHT].metadata == {
        "status": "finished",
        "language_code": "khm",
        "province_code": "01",
        "province_name_en": "Banteay Meanchey",
        "district_code": "0105",
        "district_name_en": "Ou Chrov",
        "commune_code": "010505",
        "commune_name_en": "Samraong",
    }
    assert calls[ASTRAY].metadata["status"] == "finished"
    assert calls[ASTRAY].metadata["language_code"] == "khm"  # the second pass's language
    assert calls[SILENT].metadata["status"] == "gathering_language"
    assert calls[PILOT].metadata["commune_code"] == "150101"
    assert not Recording.objects.filter(phone_call__callout_id=callout_id).exists()

    ledger = {entry["to"]: entry for entry in stack.simulator_calls()}
    assert ledger[STRAIGHT]["digits"] == ["1", "2", "4", "4"]
    assert ledger[ASTRAY]["digits"] == ["5", "1", "19", "*", "1", "6", "12", "1"]
    assert ledger[PILOT]["digits"] == ["1", "1", "1", "1", "1"]
