"""The Laos registration menu written as data behaves as the built-in one: same TwiML, same contact
metadata, request after request, for any keys a caller presses."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scfm.call_flows import builtin_documents, data_flow, ews_laos
from scfm.call_flows.dry_run import DryRun

URL = "https://scfm.example/twilio_webhooks/phone_call_events"
AUDIO = "https://audio.example.org/prompts"
CONTACT = {"name": "Somchai", "registered_districts": ["1401"]}
KEYS = st.one_of(
    st.none(),
    st.sampled_from(["", "*", "*2", "#", "0", "01", "1#", "10", "11", "99", "1234567890", "3*"]),
    st.integers(min_value=1, max_value=12).map(str),
)


@pytest.fixture(autouse=True)
def audio_url(settings):
    settings.SCFM_IVR_AUDIO_URL = AUDIO


def walk_both(presses: list[str | None]) -> tuple[DryRun, DryRun]:
    builtin = DryRun(contact_metadata=CONTACT)
    as_data = DryRun(contact_metadata=CONTACT, flow_document=builtin_documents.ews_laos_document())
    for digits in presses:
        expected = builtin(None, ews_laos.step, digits=digits, current_url=URL).to_xml()
        actual = as_data(None, data_flow.run, digits=digits, current_url=URL).to_xml()
        assert actual == expected, (presses, digits)
        assert as_data.contact_metadata == builtin.contact_metadata
        assert as_data.finished == builtin.finished
    return builtin, as_data


def test_a_registration_in_each_province():
    for province_digit, district_digit, district in (
        ("1", "8", "1408"),
        ("2", "10", "1610"),
        ("3", "4", "1704"),
    ):
        _builtin, as_data = walk_both([None, None, province_digit, district_digit, None, None])
        assert as_data.contact_metadata["latest_district_id"] == district
        assert as_data.contact_metadata["registered_districts"] == ["1401", district]
        assert as_data.finished


def test_the_prompts_are_the_built_in_ones():
    _builtin, as_data = walk_both([None])
    first = as_data(None, data_flow.run, digits=None, current_url=URL).to_xml()
    assert f"{AUDIO}/ews_laos_registration/select_province-lao.mp3" in first


@settings(max_examples=150, deadline=None)
@given(st.lists(KEYS, max_size=9))
def test_any_keys_give_the_same_dialog(presses):
    walk_both([None, None, *presses])
