"""CallFlowLogic::EWSLaosRegistration walked through the webhook (reference §10.5, §10.7)."""

import pytest

from scfm.call_flows import ews_laos
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

LOGIC = "CallFlowLogic::EWSLaosRegistration"


def prompt(name: str) -> str:
    return f"{AUDIO}/ews_laos_registration/{name}-lao.mp3"


ASK_PROVINCE = twiml(gather(prompt("select_province")))


@pytest.fixture(autouse=True)
def audio_url(settings):
    settings.SCFM_IVR_AUDIO_URL = AUDIO


@pytest.fixture
def dialog(provider, account) -> Dialog:
    return Dialog(provider, ivr_call(account, LOGIC, contact_metadata={"name": "Somchai"}))


def at_district_menu(dialog: Dialog, province_digit: str = "2") -> None:
    dialog.press()
    dialog.press()
    dialog.press(province_digit)


def test_registration_from_introduction_to_hangup(dialog):
    assert dialog.press() == twiml(play(prompt("introduction")), redirect())
    assert dialog.state == "playing_introduction"

    assert dialog.press() == ASK_PROVINCE
    assert dialog.state == "gathering_province"

    assert dialog.press("2") == twiml(gather(prompt("16")))
    assert dialog.metadata == {
        "status": "gathering_district",
        "province_code": "16",
        "province_name_en": "Champasak",
    }

    assert dialog.press("10") == twiml(play(prompt("registration_successful")), redirect())
    assert dialog.metadata == {
        "status": "playing_conclusion",
        "province_code": "16",
        "province_name_en": "Champasak",
        "district_code": "1610",
        "district_name_en": "Khong",
    }
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
    assert dialog.state == "finished"


@pytest.mark.parametrize(
    ("province_digit", "district_digit", "district"),
    [("1", "1", "1401"), ("1", "8", "1408"), ("3", "1", "1701"), ("3", "4", "1704")],
)
def test_each_province_menu_lists_its_districts_by_code(dialog, province_digit, district_digit, district):
    at_district_menu(dialog, province_digit)

    dialog.press(district_digit)

    assert dialog.metadata["district_code"] == district
    assert dialog.contact_metadata["latest_district_id"] == district


def test_a_new_registration_adds_to_the_registered_districts(provider, account):
    phone_call = ivr_call(
        account,
        LOGIC,
        contact_metadata={"registered_districts": ["1401", "1701"], "latest_district_id": "1701"},
    )
    dialog = Dialog(provider, phone_call)
    at_district_menu(dialog, "1")

    dialog.press("1")  # 1401 again: registered once

    assert dialog.contact_metadata["registered_districts"] == ["1401", "1701"]
    assert dialog.contact_metadata["latest_district_id"] == "1401"
    assert dialog.contact_metadata["latest_address_lo"] == "ເມືອງສາລະວັນ ແຂວງສາລະວັນ"


@pytest.mark.parametrize("digits", [None, "", "0", "4", "99", "#"])
def test_an_invalid_province_asks_again_without_moving(dialog, digits):
    dialog.press()
    dialog.press()

    assert dialog.press(digits) == ASK_PROVINCE
    assert dialog.metadata == {"status": "gathering_province"}


@pytest.mark.parametrize("digits", [None, "0", "5", "11"])
def test_an_invalid_district_asks_again_without_moving(dialog, digits):
    at_district_menu(dialog, "3")  # Attapeu has 4 districts

    assert dialog.press(digits) == twiml(gather(prompt("17")))
    assert dialog.state == "gathering_district"
    assert dialog.contact_metadata == {"name": "Somchai"}


def test_star_starts_over_from_the_district_menu(dialog):
    at_district_menu(dialog, "2")

    assert dialog.press("*") == ASK_PROVINCE
    assert dialog.state == "gathering_province"

    dialog.press("1")
    dialog.press("2")
    assert dialog.metadata["province_code"] == "14"
    assert dialog.metadata["district_code"] == "1402"


def test_star_in_the_province_menu_asks_for_the_province(dialog):
    dialog.press()
    dialog.press()

    assert dialog.press("*1") == ASK_PROVINCE
    assert dialog.state == "gathering_province"


@pytest.mark.parametrize("call_status", ["completed", "in-progress", "ringing"])
def test_status_callbacks_do_not_move_the_dialog(dialog, call_status):
    dialog.press()

    assert dialog.status_callback(call_status, Digits="1") == EMPTY_RESPONSE
    assert dialog.state == "playing_introduction"


def test_a_final_status_without_callback_source_does_not_move_the_dialog(dialog):
    at_district_menu(dialog, "2")

    assert dialog.press("1", CallStatus="completed", CallDuration="30") == EMPTY_RESPONSE
    assert dialog.state == "gathering_district"
    assert "latest_district_id" not in dialog.contact_metadata


def test_the_lao_addresses():
    pakse = ews_laos.districts_of("16")[0]

    assert pakse.address_en == "Pakse District, Champasak Province"
    assert pakse.address_lo == "ເມືອງປາກເຊ ແຂວງຈຳປາສັກ"
    assert [len(ews_laos.districts_of(p.code)) for p in ews_laos.PROVINCE_MENU] == [8, 10, 4]
