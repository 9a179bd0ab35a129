"""CallFlowLogic::EWSRegistration (Cambodia) walked through the webhook (reference §10.5, §10.6).

The golden cases are the reference's own: language 2 is Central Mnong (`cmo`); province 1 is
Pursat (15); in Banteay Meanchey (01) district 1 is Mongkol Borei (0102, there is no 0101); in Ou
Chrov (0105) commune 4 is Samraong (010505, there is no 010504), whose addresses are
"ឃុំសំរោង ស្រុកអូរជ្រៅ ខេត្តបន្ទាយមានជ័យ" and "Samraong Commune, Ou Chrov District, Banteay Meanchey
Province"; Krung speakers cannot pick Pursat; district 0 of Pursat and commune 99 of 1501 ask again.
"""

import importlib.util
from pathlib import Path

import pytest

from scfm.call_flows import ews_cambodia
from scfm.call_flows.pumi_gazetteer import EXTRACT, gazetteer
from scfm.calls.states import PhoneCallStatus
from tests import factories
from tests.telephony.ivr_dialog import (
    AUDIO,
    CALL_SID,
    EMPTY_RESPONSE,
    HANGUP,
    Dialog,
    gather,
    ivr_call,
    play,
    redirect,
    twiml,
)

LOGIC = "CallFlowLogic::EWSRegistration"
# The gazetteer the extract is built from, beside the repository where the machine has it.
PUMI_SOURCE = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "pumi-0.20.2"


def load_build_script():
    """scfm/call_flows/data is not a package: the build script is loaded from its file."""
    spec = importlib.util.spec_from_file_location(
        "build_pumi_extract", EXTRACT.parent / "build_pumi_extract.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build_pumi_extract = load_build_script()
FEEDBACK_NUMBER = "+855715100860"  # on the reference's allow-list of the feedback pilot


def prompt(name: str, language: str | None = None, extension: str = "wav") -> str:
    suffix = f"-{language}" if language else ""
    return f"{AUDIO}/ews_registration/{name}{suffix}.{extension}"


ASK_LANGUAGE = twiml(gather(prompt("select_language")))
ASK_MAIN_MENU = twiml(gather(prompt("main_menu", "khm", "mp3")))


@pytest.fixture(autouse=True)
def audio_url(settings):
    settings.SCFM_IVR_AUDIO_URL = AUDIO


@pytest.fixture
def dialog(provider, account) -> Dialog:
    return Dialog(provider, ivr_call(account, LOGIC, contact_metadata={"name": "Sokha"}))


@pytest.fixture
def feedback_dialog(provider, account) -> Dialog:
    phone_call = factories.PhoneCallFactory(
        callout_participation__callout__account=account,
        callout_participation__contact__msisdn=FEEDBACK_NUMBER,
        callout_participation__msisdn=FEEDBACK_NUMBER,
        call_flow_logic=LOGIC,
        status=PhoneCallStatus.REMOTELY_QUEUED,
        remote_call_id=CALL_SID,
        remote_direction="outbound-api",
    )
    assert phone_call.msisdn == FEEDBACK_NUMBER
    return Dialog(provider, phone_call)


def walk(dialog: Dialog, *digits: str) -> str:
    """Past the introduction, then each menu in turn with the given keys; the last TwiML."""
    dialog.press()
    answer = dialog.press()
    for keys in digits:
        answer = dialog.press(keys)
    return answer


def test_registration_from_introduction_to_hangup(dialog):
    assert dialog.press() == twiml(play(prompt("introduction", "khm")), redirect())
    assert dialog.state == "playing_introduction"

    assert dialog.press() == ASK_LANGUAGE
    assert dialog.state == "gathering_language"

    assert dialog.press("1") == twiml(gather(prompt("select_province", "khm")))
    assert dialog.metadata == {"status": "gathering_province", "language_code": "khm"}

    assert dialog.press("2") == twiml(gather(prompt("01", "khm")))
    assert dialog.state == "gathering_district"

    assert dialog.press("4") == twiml(gather(prompt("0105", "khm")))  # 0102, 0103, 0104, 0105
    assert dialog.state == "gathering_commune"

    assert dialog.press("4") == twiml(play(prompt("registration_successful", "khm")), redirect())
    assert dialog.metadata == {
        "status": "playing_conclusion",
        "language_code": "khm",
        "province_code": "01",
        "province_name_en": "Banteay Meanchey",
        "district_code": "0105",
        "district_name_en": "Ou Chrov",
        "commune_code": "010505",
        "commune_name_en": "Samraong",
    }
    assert dialog.contact_metadata == {
        "name": "Sokha",
        "commune_ids": ["010505"],
        "language_code": "khm",
        "latest_commune_id": "010505",
        "latest_address_km": "ឃុំសំរោង ស្រុកអូរជ្រៅ ខេត្តបន្ទាយមានជ័យ",
        "latest_address_en": "Samraong Commune, Ou Chrov District, Banteay Meanchey Province",
    }

    assert dialog.press() == HANGUP
    assert dialog.state == "finished"

    assert dialog.press() == EMPTY_RESPONSE
    assert dialog.state == "finished"


def test_the_reference_registration_adds_to_the_contact_and_keeps_its_other_keys(provider, account):
    # The reference's spec: a Krung speaker of commune 120101 registers for Samraong (01/0105, 4).
    phone_call = ivr_call(
        account,
        LOGIC,
        contact_metadata={"name": "John Doe", "language_code": "khm", "commune_ids": ["120101"]},
    )
    phone_call.metadata = {
        "status": "gathering_commune",
        "language_code": "krr",
        "province_code": "01",
        "district_code": "0105",
    }
    phone_call.save(update_fields=["metadata"])
    dialog = Dialog(provider, phone_call)

    assert dialog.press("4") == twiml(play(prompt("registration_successful", "krr")), redirect())

    assert dialog.metadata["commune_code"] == "010505"
    assert dialog.contact_metadata == {
        "commune_ids": ["120101", "010505"],
        "name": "John Doe",
        "language_code": "krr",
        "latest_commune_id": "010505",
        "latest_address_km": "ឃុំសំរោង ស្រុកអូរជ្រៅ ខេត្តបន្ទាយមានជ័យ",
        "latest_address_en": "Samraong Commune, Ou Chrov District, Banteay Meanchey Province",
    }


# Hand-picked from the gazetteer where "the n-th in code order" differs from "code n": the codes
# have gaps (Siem Reap has no 1705 or 1708, Chamkar Mon's communes jump from 120101 to 120109).
@pytest.mark.parametrize(
    ("digits", "commune", "address_en", "address_km"),
    [
        # The first of everything: Khmer, Pursat (1), Bakan (1501), Boeng Bat Kandaol (150101).
        (
            ("1", "1", "1", "1"),
            "150101",
            "Boeng Bat Kandaol Commune, Bakan District, Pursat Province",
            "ឃុំបឹងបត់កណ្ដាល ស្រុកបាកាន ខេត្តពោធិ៍សាត់",
        ),
        # Siem Reap (6): its 12th district is Varin (1714), not 1712.
        (
            ("1", "6", "12", "1"),
            "171401",
            "Prasat Commune, Varin District, Siemreap Province",
            "ឃុំប្រាសាទ ស្រុកវ៉ារិន ខេត្តសៀមរាប",
        ),
        # The capital (25): a Section and Quarters; its 2nd quarter is 120109.
        (
            ("1", "25", "1", "2"),
            "120109",
            "Tuol Tumpung Ti Pir Quarter, Chamkar Mon Section, Phnom Penh Capital",
            "សង្កាត់ទួលទំពូងទី ២ ខណ្ឌចំការមន រាជធានីភ្នំពេញ",
        ),
        # Ratanakkiri (19) in Jarai (3), a province recorded in its own languages; 2nd commune 160103.
        (
            ("3", "19", "1", "2"),
            "160103",
            "Nhang Commune, Andoung Meas District, Ratanak Kiri Province",
            "ឃុំញ៉ាង ស្រុកអណ្ដូងមាស ខេត្តរតនគិរី",
        ),
        # Mondulkiri (20) in Central Mnong (2).
        (
            ("2", "20", "2", "1"),
            "110201",
            "Nang Khi Lik Commune, Kaoh Nheaek District, Mondul Kiri Province",
            "ឃុំណងឃីលិក ស្រុកកោះញែក ខេត្តមណ្ឌលគិរី",
        ),
    ],
)
def test_menus_pick_the_nth_place_in_code_order(dialog, digits, commune, address_en, address_km):
    walk(dialog, *digits)

    assert dialog.state == "playing_conclusion"
    assert dialog.metadata["province_code"] == commune[:2]
    assert dialog.metadata["district_code"] == commune[:4]
    assert dialog.metadata["commune_code"] == commune
    assert dialog.contact_metadata["latest_commune_id"] == commune
    assert dialog.contact_metadata["latest_address_en"] == address_en
    assert dialog.contact_metadata["latest_address_km"] == address_km


@pytest.mark.parametrize("digits", [None, "", "0", "6", "99", "#", "*"])
def test_an_invalid_language_asks_again_without_moving(dialog, digits):
    assert walk(dialog) == ASK_LANGUAGE

    assert dialog.press(digits) == ASK_LANGUAGE
    assert dialog.metadata == {"status": "gathering_language"}


@pytest.mark.parametrize("digits", [None, "", "0", "26", "99", "#"])
def test_an_invalid_province_asks_again_in_the_chosen_language(dialog, digits):
    walk(dialog, "4")  # Tampuan

    assert dialog.press(digits) == twiml(gather(prompt("select_province", "tpu")))
    assert dialog.metadata == {"status": "gathering_province", "language_code": "tpu"}


@pytest.mark.parametrize(
    ("language_digit", "language", "refused", "offered"),
    [
        ("5", "krr", "1", "19"),  # Krung: not Pursat, but Ratanakkiri
        ("2", "cmo", "19", "20"),  # Central Mnong: not Ratanakkiri, but Mondulkiri
        ("1", "khm", None, "20"),  # Khmer: everywhere
    ],
)
def test_a_province_is_offered_only_in_the_languages_it_was_recorded_in(
    dialog, language_digit, language, refused, offered
):
    walk(dialog, language_digit)

    if refused is not None:
        assert dialog.press(refused) == twiml(gather(prompt("select_province", language)))
        assert dialog.metadata == {"status": "gathering_province", "language_code": language}

    province = ews_cambodia.PROVINCE_MENU[int(offered) - 1]
    assert dialog.press(offered) == twiml(gather(prompt(province, language)))
    assert dialog.metadata["province_code"] == province


@pytest.mark.parametrize("digits", [None, "0", "8", "99"])
def test_an_invalid_district_asks_again_without_moving(dialog, digits):
    walk(dialog, "1", "1")  # Pursat has 7 districts

    assert dialog.press(digits) == twiml(gather(prompt("15", "khm")))
    assert dialog.state == "gathering_district"
    assert "district_code" not in dialog.metadata


@pytest.mark.parametrize("digits", [None, "0", "99"])
def test_an_invalid_commune_asks_again_without_moving(dialog, digits):
    walk(dialog, "1", "1", "1")  # Bakan (1501)

    assert dialog.press(digits) == twiml(gather(prompt("1501", "khm")))
    assert dialog.state == "gathering_commune"
    assert "commune_code" not in dialog.metadata
    assert dialog.contact_metadata == {"name": "Sokha"}


@pytest.mark.parametrize(
    "menus", [("1",), ("1", "1"), ("1", "1", "1")], ids=["province", "district", "commune"]
)
def test_star_starts_over_from_the_language_menu(dialog, menus):
    walk(dialog, *menus)

    assert dialog.press("*") == ASK_LANGUAGE
    assert dialog.state == "gathering_language"

    walk_on = ("2", "20", "1", "1")  # Central Mnong this time, Mondulkiri
    for keys in walk_on:
        dialog.press(keys)
    assert dialog.metadata["language_code"] == "cmo"
    assert dialog.metadata["commune_code"] == "110101"
    assert dialog.contact_metadata["language_code"] == "cmo"


def test_a_second_registration_adds_a_commune_once(provider, account):
    phone_call = ivr_call(account, LOGIC, contact_metadata={"commune_ids": ["150101", "010505"]})
    dialog = Dialog(provider, phone_call)

    walk(dialog, "1", "1", "1", "1")  # 150101 again

    assert dialog.contact_metadata["commune_ids"] == ["150101", "010505"]
    assert dialog.contact_metadata["latest_commune_id"] == "150101"


def test_a_number_off_the_pilot_list_never_hears_the_main_menu(dialog):
    dialog.press()

    assert dialog.press() == ASK_LANGUAGE
    assert dialog.press("2") == twiml(gather(prompt("select_province", "cmo")))


def test_the_feedback_branch_records_a_message_then_hangs_up(feedback_dialog):
    assert feedback_dialog.press() == twiml(play(prompt("introduction", "khm")), redirect())

    assert feedback_dialog.press() == ASK_MAIN_MENU
    assert feedback_dialog.state == "main_menu"

    callback = "http://testserver/twilio_webhooks/recording_status_callbacks"
    assert feedback_dialog.press("2") == twiml(
        play(prompt("record_feedback_instructions", "khm", "mp3")),
        f'<Record recordingStatusCallback="{callback}" />',
    )
    assert feedback_dialog.state == "recording_feedback"

    # The provider posts to the document's URL when the recording ends, with what it recorded.
    recorded = feedback_dialog.press(
        RecordingUrl="https://api.twilio.com/recordings/RE1", RecordingDuration="7"
    )
    assert recorded == twiml(play(prompt("feedback_successful", "khm", "mp3")), redirect())
    assert feedback_dialog.state == "playing_feedback_successful"

    assert feedback_dialog.press() == HANGUP
    assert feedback_dialog.metadata == {"status": "finished"}
    assert feedback_dialog.contact_metadata == {}


@pytest.mark.parametrize("digits", ["1", None, ""])
def test_the_main_menu_registers_on_1_or_no_input(feedback_dialog, digits):
    walk(feedback_dialog)

    assert feedback_dialog.press(digits) == ASK_LANGUAGE
    assert feedback_dialog.state == "gathering_language"


@pytest.mark.parametrize("digits", ["0", "3", "9", "*", "#"])
def test_other_keys_in_the_main_menu_ask_again(feedback_dialog, digits):
    walk(feedback_dialog)

    assert feedback_dialog.press(digits) == ASK_MAIN_MENU
    assert feedback_dialog.state == "main_menu"


def test_status_callbacks_do_not_move_the_dialog(feedback_dialog):
    walk(feedback_dialog, "2")

    assert feedback_dialog.status_callback("completed") == EMPTY_RESPONSE
    assert feedback_dialog.state == "recording_feedback"


def test_the_recording_callback_is_on_the_host_the_provider_reached():
    url = ews_cambodia.recording_status_callback_url(
        "https://scfm.example.org/twilio_webhooks/phone_call_events/42"
    )

    assert url == "https://scfm.example.org/twilio_webhooks/recording_status_callbacks"


def test_the_extract_is_pumi_0_20_2():
    places = gazetteer()

    assert len(places.places) == 25 + 208 + 1652
    assert sorted(ews_cambodia.PROVINCE_MENU) == sorted(code for code in places.places if len(code) == 2)
    assert [district.code for district in places.districts_of("01")][:2] == ["0102", "0103"]
    assert places.districts_of("1") == places.communes_of("01") == ()
    assert places.district("01") is None
    assert places.province(None) is None


@pytest.mark.skipif(not PUMI_SOURCE.is_dir(), reason="the pumi 0.20.2 data is not on this machine")
def test_the_extract_is_what_its_script_builds_from_pumi():
    assert build_pumi_extract.dump(build_pumi_extract.build(PUMI_SOURCE)) == EXTRACT.read_text(
        encoding="utf-8"
    )
    assert (EXTRACT.parent / "pumi-LICENSE.txt").read_bytes() == (PUMI_SOURCE / "LICENSE.txt").read_bytes()
