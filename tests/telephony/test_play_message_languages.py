"""PlayMessage in the contact's language: audio of that language, else its text spoken, else the default."""

import pytest

from scfm.call_flows.languages import callout_message, contact_language, normalize_language, say_language
from scfm.call_flows.logics import NO_AUDIO_URL_SAY, render_twiml
from tests import factories

WEBHOOK_URL = "https://scfm.example.org/twilio_webhooks/phone_call_events"
KM_AUDIO = "https://cdn.example.org/flood-km.mp3"
EN_AUDIO = "https://cdn.example.org/flood-en.mp3"
LANGUAGES = {
    "default_language": "km",
    "audio_urls": {"en": EN_AUDIO},
    "message_text": {"km": "ទឹកជំនន់", "lo": "ນ້ຳຖ້ວມ", "fr": "Inondation"},
}


def twiml_for(
    *, contact_metadata=None, audio_url=KM_AUDIO, settings=None, logic="CallFlowLogic::PlayMessage"
):
    callout = factories.CalloutFactory(
        call_flow_logic=logic, audio_url=audio_url, settings=LANGUAGES if settings is None else settings
    )
    contact = factories.ContactFactory(account=callout.account, metadata=contact_metadata or {})
    participation = factories.CalloutParticipationFactory(callout=callout, contact=contact)
    phone_call = factories.PhoneCallFactory(callout_participation=participation, call_flow_logic=logic)
    return render_twiml(phone_call, current_url=WEBHOOK_URL)


def response(body: str) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>'


def test_a_contact_hears_the_audio_of_their_language(db):
    assert twiml_for(contact_metadata={"language": "en"}) == response(f"<Play>{EN_AUDIO}</Play>")


def test_the_default_language_audio_is_the_reference_audio_url(db):
    assert twiml_for(contact_metadata={"language": "km"}) == response(f"<Play>{KM_AUDIO}</Play>")


def test_a_language_without_audio_hears_its_text_spoken_in_its_locale(db):
    assert twiml_for(contact_metadata={"language": "lo"}) == response('<Say language="lo-LA">ນ້ຳຖ້ວມ</Say>')


def test_an_unknown_language_hears_the_default_language(db):
    assert twiml_for(contact_metadata={"language": "de"}) == response(f"<Play>{KM_AUDIO}</Play>")


def test_a_contact_without_language_hears_the_default_language(db):
    assert twiml_for() == response(f"<Play>{KM_AUDIO}</Play>")


def test_an_invalid_contact_language_is_ignored(db):
    assert twiml_for(contact_metadata={"language": "<script>"}) == response(f"<Play>{KM_AUDIO}</Play>")


def test_no_audio_at_all_speaks_the_default_text(db):
    assert twiml_for(audio_url=None, contact_metadata={"language": "de"}) == response(
        '<Say language="km-KH">ទឹកជំនន់</Say>'
    )


def test_a_plain_text_without_language_is_spoken_in_the_provider_default_voice(db):
    assert twiml_for(audio_url=None, settings={"message_text": "Flood warning"}) == response(
        "<Say>Flood warning</Say>"
    )


def test_a_language_text_is_spoken_with_its_voice(db):
    settings = {
        **LANGUAGES,
        "say_voices": {"lo": "Google.lo-LA-Standard-A", "km": "Azure.km-KH-SreymomNeural"},
    }
    assert twiml_for(contact_metadata={"language": "lo"}, settings=settings) == response(
        '<Say language="lo-LA" voice="Google.lo-LA-Standard-A">ນ້ຳຖ້ວມ</Say>'
    )
    assert twiml_for(audio_url=None, settings=settings) == response(
        '<Say language="km-KH" voice="Azure.km-KH-SreymomNeural">ទឹកជំនន់</Say>'
    )


def test_the_apology_is_left_for_a_callout_with_nothing_to_say(db):
    assert twiml_for(audio_url=None, settings={}) == response(f"<Say>{NO_AUDIO_URL_SAY}</Say>")


def test_the_cambodian_registration_language_code_picks_the_audio(db):
    # EWS registration writes ISO 639-3 codes ("khm"); "khm" is "km".
    settings = {"default_language": "en", "audio_urls": {"km": KM_AUDIO}}
    assert twiml_for(
        audio_url=EN_AUDIO, settings=settings, contact_metadata={"language_code": "khm"}
    ) == response(f"<Play>{KM_AUDIO}</Play>")


def test_play_message_start_rapidpro_flow_speaks_the_same_languages(db):
    twiml = twiml_for(
        contact_metadata={"language": "fr"}, logic="CallFlowLogic::PlayMessageStartRapidproFlow"
    )
    assert twiml == response('<Say language="fr-FR">Inondation</Say>')


def test_a_region_is_served_by_its_language_and_kept_for_say():
    message = callout_message(
        {"default_language": "en", "message_text": {"en-GB": "Flood", "km": "ទឹក"}}, None
    )
    assert message.utterance_for("en-GB").language == "en-GB"
    assert message.utterance_for("km-KH").text == "ទឹក"
    assert message.utterance_for("en").text == "Flood"  # the only English there is


def test_audio_url_wins_over_audio_urls_for_the_default_language():
    message = callout_message({"default_language": "km", "audio_urls": {"km": EN_AUDIO}}, KM_AUDIO)
    assert message.utterance_for("km").url == KM_AUDIO
    assert (
        callout_message({"default_language": "km", "audio_urls": {"km": EN_AUDIO}}, None)
        .utterance_for(None)
        .url
        == EN_AUDIO
    )


@pytest.mark.parametrize(
    ("raw", "tag"),
    [
        ("km", "km"),
        ("KM", "km"),
        ("en-us", "en-US"),
        ("en_US", "en-US"),
        ("khm", "km"),
        ("jra", "jra"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("es-419", "es-419"),
        ("english", None),
        ("", None),
        ("k", None),
        ("en-", None),
        (7, None),
    ],
)
def test_language_tags(raw, tag):
    assert normalize_language(raw) == tag


def test_say_language_is_a_locale():
    assert [say_language(tag) for tag in ("km", "en", "en-GB", "jra")] == ["km-KH", "en-US", "en-GB", "jra"]


def test_contact_language_prefers_language_over_language_code():
    assert contact_language({"language": "en", "language_code": "khm"}) == "en"
    assert contact_language({"language": "??", "language_code": "khm"}) == "km"
    assert contact_language(None) is None
