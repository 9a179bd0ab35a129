"""A callout's languages through the API: `default_language`, `audio_urls` and `message_text` in its
settings, kept as sent, or refused with a 422 under `settings` that writes nothing."""

import pytest

from scfm.callouts.models import Callout
from tests import factories

pytestmark = pytest.mark.django_db

GOOD_SETTINGS = {
    "default_language": "km",
    "audio_urls": {"en": "https://cdn.example.org/en.mp3", "lo-LA": "https://cdn.example.org/lo.mp3"},
    "message_text": {"km": "ទឹកជំនន់", "fr": "Inondation"},
    "say_voices": {"km": "Azure.km-KH-SreymomNeural", "fr": "Polly.Celine"},
}


def test_a_callout_keeps_its_languages_as_sent(api):
    response = api.post(
        "/api/callouts",
        {
            "call_flow_logic": "CallFlowLogic::PlayMessage",
            "audio_url": "https://cdn.example.org/km.mp3",
            "settings": GOOD_SETTINGS,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["settings"] == GOOD_SETTINGS
    assert response.json()["audio_url"] == "https://cdn.example.org/km.mp3"


def test_one_text_in_the_default_language_is_accepted(api):
    response = api.post("/api/callouts", {"settings": {"message_text": "Flood warning"}}, format="json")
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(
    ("sent", "message"),
    [
        ({"default_language": "Khmer"}, 'default_language must be a language tag like "km", "en" or "en-US"'),
        (
            {"default_language": "km", "audio_urls": {"english": "https://cdn.example.org/en.mp3"}},
            'audio_urls names \'english\', which is not a language tag like "km", "en" or "en-US"',
        ),
        (
            {"default_language": "km", "audio_urls": {"en": "ftp://cdn.example.org/en.mp3"}},
            "audio_urls en must be an http:// or https:// address",
        ),
        (
            {"default_language": "km", "audio_urls": ["https://cdn.example.org/en.mp3"]},
            'audio_urls must be an object of audio URLs by language, like {"km": …, "en": …}',
        ),
        (
            {"default_language": "km", "message_text": {"en": "Flood", "EN": "Flood"}},
            "message_text names the same language twice ('en' and 'EN')",
        ),
        (
            {"default_language": "km", "message_text": {"en": "  "}},
            "message_text en must be a text that is not blank",
        ),
        ({"message_text": "x" * 4097}, "message_text must be at most 4096 characters"),
        (
            {"say_voices": {"km": "Azure km <voice>"}},
            'say_voices km must be a voice name like "Polly.Joanna" (letters, digits, ".", "-", "_")',
        ),
        (
            {"audio_urls": {"en": "https://cdn.example.org/en.mp3"}},
            "default_language is required with audio_urls or message_text per language",
        ),
    ],
)
def test_bad_languages_are_a_422_and_write_nothing(api, sent, message):
    response = api.post("/api/callouts", {"settings": sent}, format="json")
    assert response.status_code == 422
    assert response.json() == {"errors": {"settings": [message]}}
    assert not Callout.objects.exists()

    callout = factories.CalloutFactory(account=api.account, settings={"kept": 1})
    response = api.patch(f"/api/callouts/{callout.pk}", {"settings": sent}, format="json")
    assert response.status_code == 422
    callout.refresh_from_db()
    assert callout.settings == {"kept": 1}
