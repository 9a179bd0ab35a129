from scfm.call_flows import data_flow
from scfm.call_flows.logics import IVR_FLOWS, IVR_FLOWS_BY_NUMBER, TWIML_BUILDERS, render_twiml
from scfm.call_flows.registry import CALL_FLOW_LOGICS
from tests import factories

URL = "https://scfm.example.org/twilio_webhooks/phone_call_events"
DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def test_every_registered_logic_has_twiml():
    # A data flow is not chosen from the list: a callout names its call flow (`call_flow_id`).
    known = set(TWIML_BUILDERS) | set(IVR_FLOWS) | set(IVR_FLOWS_BY_NUMBER)
    assert known == set(CALL_FLOW_LOGICS) | {data_flow.NAME}


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


def _play_message_call(**callout_fields):
    callout = factories.CalloutFactory(**callout_fields)
    participation = factories.CalloutParticipationFactory(callout=callout)
    return factories.PhoneCallFactory(
        callout_participation=participation, call_flow_logic="CallFlowLogic::PlayMessage"
    )


def test_play_message_plays_the_uploaded_audio_file_from_its_public_url(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.SCFM_PUBLIC_URL = "https://scfm.example.org"
    phone_call = _play_message_call(audio_file="callouts/audio/abc-hello.mp3")

    assert render_twiml(phone_call, current_url=URL) == (
        f"{DECLARATION}<Response><Play>https://scfm.example.org/media/callouts/audio/abc-hello.mp3</Play></Response>"
    )


def test_the_audio_url_wins_over_the_uploaded_file(db):
    phone_call = _play_message_call(
        audio_url="https://example.com/a.mp3", audio_file="callouts/audio/abc-hello.mp3"
    )

    assert "<Play>https://example.com/a.mp3</Play>" in render_twiml(phone_call, current_url=URL)


def test_an_absolute_storage_url_is_played_as_it_is(db, settings):
    settings.MEDIA_URL = "https://bucket.s3.amazonaws.com/"  # what S3 storage gives
    phone_call = _play_message_call(audio_file="callouts/audio/abc-hello.mp3")

    assert "<Play>https://bucket.s3.amazonaws.com/callouts/audio/abc-hello.mp3</Play>" in render_twiml(
        phone_call, current_url=URL
    )


def test_absolute_media_url():
    from scfm.call_flows.logics import absolute_media_url

    assert absolute_media_url("https://cdn.example.org/a.mp3") == "https://cdn.example.org/a.mp3"
    assert absolute_media_url("//cdn.example.org/a.mp3").endswith("//cdn.example.org/a.mp3")
    assert absolute_media_url("/media/a.mp3").endswith("/media/a.mp3")
    assert absolute_media_url("/media/a.mp3").startswith("http")
