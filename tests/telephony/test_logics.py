from scfm.call_flows.logics import TWIML_BUILDERS, render_twiml
from scfm.call_flows.registry import CALL_FLOW_LOGICS
from tests import factories

URL = "https://scfm.example.org/twilio_webhooks/phone_call_events"
DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def test_every_registered_logic_has_twiml():
    assert set(TWIML_BUILDERS) == set(CALL_FLOW_LOGICS)


def test_hello_world(db):
    phone_call = factories.PhoneCallFactory(call_flow_logic="CallFlowLogic::HelloWorld")

    assert render_twiml(phone_call, current_url=URL) == (
        f"{DECLARATION}<Response><Say>Thanks for trying our documentation. Enjoy!</Say>"
        "<Play>https://demo.twilio.com/docs/classic.mp3</Play></Response>"
    )


def test_play_message_plays_the_callout_audio_escaped(db):
    phone_call = factories.PhoneCallFactory(
        call_flow_logic="CallFlowLogic::PlayMessageStartRapidproFlow",
        callout_participation__callout__audio_url="https://example.com/a.mp3?x=1&y=2",
    )

    assert render_twiml(phone_call, current_url=URL) == (
        f"{DECLARATION}<Response><Play>https://example.com/a.mp3?x=1&amp;y=2</Play></Response>"
    )


def test_play_message_without_audio_says_so(db):
    phone_call = factories.PhoneCallFactory(
        call_flow_logic="CallFlowLogic::PlayMessage",
        callout_participation__callout__audio_url="",
    )

    assert render_twiml(phone_call, current_url=URL) == (
        f"{DECLARATION}<Response><Say>No audio URL to play. Bye Bye</Say></Response>"
    )


def test_unknown_logic_hangs_up(db):
    phone_call = factories.PhoneCallFactory(call_flow_logic="CallFlowLogic::Retired")

    assert render_twiml(phone_call, current_url=URL) == f"{DECLARATION}<Response><Hangup /></Response>"
