"""A call flow of the account (call flows as data) walked through the real, signed webhook."""

import pytest

from scfm.call_flows import builtin_documents, data_flow
from scfm.callouts import call_flows
from tests.telephony.ivr_dialog import (
    AUDIO,
    EMPTY_RESPONSE,
    HANGUP,
    Dialog,
    gather,
    ivr_call,
    play,
    redirect,
    twiml,
)


def prompt(name: str) -> str:
    return f"{AUDIO}/ews_laos_registration/{name}-lao.mp3"


def say(text: str) -> str:
    return f"<Say>{text}</Say>"


@pytest.fixture(autouse=True)
def audio_url(settings):
    settings.SCFM_IVR_AUDIO_URL = AUDIO


def dialog_on(provider, account, document, contact_metadata=None) -> tuple[Dialog, object]:
    call_flow = call_flows.create_call_flow(account=account, data={"name": "Flow", "document": document})
    phone_call = ivr_call(account, data_flow.NAME, contact_metadata=contact_metadata)
    phone_call.callout.call_flow = call_flow
    phone_call.callout.save(update_fields=["call_flow"])
    return Dialog(provider, phone_call), call_flow


def test_the_laos_menu_as_data_registers_through_the_webhook(provider, account):
    dialog, _ = dialog_on(provider, account, builtin_documents.ews_laos_document(), {"name": "Somchai"})
    assert dialog.press() == twiml(play(prompt("introduction")), redirect())
    assert dialog.press() == twiml(gather(prompt("select_province")))
    assert dialog.status_callback("in-progress") == EMPTY_RESPONSE  # a status callback moves nothing
    assert dialog.press("2") == twiml(gather(prompt("16")))
    assert dialog.press("10") == twiml(play(prompt("registration_successful")), redirect())
    assert dialog.contact_metadata == {
        "name": "Somchai",
        "registered_districts": ["1610"],
        "latest_district_id": "1610",
        "latest_address_en": "Khong District, Champasak Province",
        "latest_address_lo": "ເມືອງໂຂງ ແຂວງຈຳປາສັກ",
    }
    assert dialog.press() == HANGUP
    assert dialog.state == "finished"
    assert dialog.press() == EMPTY_RESPONSE


ONE = {
    "start": "ask",
    "steps": [
        {
            "id": "ask",
            "type": "gather",
            "prompts": [{"type": "say", "text": "Version one"}],
            "branches": {"1": "bye"},
        },
        {"id": "bye", "type": "say", "text": "Bye from one"},
    ],
}
TWO = {"start": "bye", "steps": [{"id": "bye", "type": "say", "text": "Version two"}]}


def test_a_call_keeps_the_version_it_started_with(provider, account):
    dialog, call_flow = dialog_on(provider, account, ONE)
    assert dialog.press() == twiml('<Gather actionOnEmptyResult="true"><Say>Version one</Say></Gather>')
    call_flows.update_call_flow(call_flow=call_flow, data={"document": TWO})
    assert dialog.press("1") == twiml(say("Bye from one"))
    assert dialog.metadata["call_flow_version_id"] == call_flow.versions.get(number=1).pk

    dialog.phone_call.remote_call_id = "CA44444444444444444444444444444444"  # frees the test's call SID
    dialog.phone_call.save(update_fields=["remote_call_id"])
    later = ivr_call(account, data_flow.NAME)
    later.callout.call_flow = call_flow
    later.callout.save(update_fields=["call_flow"])
    assert Dialog(provider, later).press() == twiml(say("Version two"))


def test_a_data_flow_call_without_a_flow_hangs_up(provider, account):
    dialog = Dialog(provider, ivr_call(account, data_flow.NAME))
    assert dialog.press() == HANGUP
    assert dialog.press() == EMPTY_RESPONSE
