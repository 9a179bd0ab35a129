"""The callout form's languages: default language, audio and text per language, uploads per language."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from scfm.callouts.models import Callout
from tests import factories
from tests.callouts.audio_samples import mp3_bytes, wav_bytes


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SCFM_PUBLIC_URL = "https://scfm.example.org"
    return tmp_path / "media"


def form_data(**overrides):
    data = {
        "call_flow_logic": "CallFlowLogic::PlayMessage",
        "audio_url": "https://cdn.example.org/km.mp3",
        "default_language": "km",
        "audio_urls-language": ["en", ""],
        "audio_urls-value": ["https://cdn.example.org/en.mp3", ""],
        "message_text-language": ["km", "fr", ""],
        "message_text-value": ["ទឹកជំនន់", "Inondation", ""],
        "say_voices-language": ["fr"],
        "say_voices-value": ["Polly.Celine"],
    }
    data.update(overrides)
    return data


def test_languages_are_saved_in_the_settings_and_shown_again(admin_client):
    response = admin_client.post(reverse("dashboard:callout_new"), form_data())

    assert response.status_code == 302
    callout = Callout.objects.get()
    assert callout.settings == {
        "default_language": "km",
        "audio_urls": {"en": "https://cdn.example.org/en.mp3"},
        "message_text": {"km": "ទឹកជំនន់", "fr": "Inondation"},
        "say_voices": {"fr": "Polly.Celine"},
    }
    html = admin_client.get(reverse("dashboard:callout_edit", args=[callout.pk])).content.decode()
    assert 'name="default_language" value="km"' in html
    assert 'value="https://cdn.example.org/en.mp3"' in html
    assert ">Inondation</textarea>" in html
    assert 'name="say_voices-value" value="Polly.Celine"' in html


def test_one_text_without_a_language_is_stored_as_one_text(admin_client):
    data = form_data(default_language="", **{"message_text-language": [""], "message_text-value": ["Flood"]})
    data.update(
        {
            "audio_urls-language": [""],
            "audio_urls-value": [""],
            "say_voices-language": [""],
            "say_voices-value": [""],
        }
    )
    response = admin_client.post(reverse("dashboard:callout_new"), data)

    assert response.status_code == 302
    assert Callout.objects.get().settings == {"message_text": "Flood"}


@pytest.mark.parametrize(
    ("overrides", "field_message"),
    [
        ({"default_language": "Khmer"}, "“Khmer” is not a language code"),
        ({"audio_urls-language": ["english", ""]}, "“english” is not a language code"),
        (
            {"audio_urls-value": ["javascript:alert(1)", ""]},
            "The audio URL must be an http:// or https:// address.",
        ),
        ({"message_text-language": ["km", "KM", ""]}, "“KM” is given twice."),
        ({"say_voices-value": ["Polly Celine!"]}, "must be a voice name like"),
        ({"audio_urls-language": ["", ""]}, "Give the row of “https://cdn.example.org/en.mp3” its language."),
        # The service's rule, shown under the field it names.
        (
            {"default_language": ""},
            "default_language is required with audio_urls or message_text per language",
        ),
    ],
)
def test_bad_languages_are_shown_on_the_form(admin_client, overrides, field_message):
    response = admin_client.post(reverse("dashboard:callout_new"), form_data(**overrides))

    assert response.status_code == 422
    assert field_message.split(" is required")[0].replace("default_language", "") in response.content.decode()
    assert not Callout.objects.exists()


def test_an_upload_in_another_language_becomes_its_audio_url(admin_client, account, media_root):
    callout = factories.CalloutFactory(account=account, settings={"default_language": "km"})
    upload = SimpleUploadedFile("flood-en.mp3", mp3_bytes(), content_type="audio/mpeg")

    response = admin_client.post(
        reverse("dashboard:callout_edit", args=[callout.pk]),
        {**form_data(), "audio_file": upload, "audio_language": "en"},
    )

    assert response.status_code == 302
    callout.refresh_from_db()
    url = callout.settings["audio_urls"]["en"]
    assert url.startswith("https://scfm.example.org/media/callouts/audio/") and url.endswith("-flood-en.mp3")
    assert (media_root / url.removeprefix("https://scfm.example.org/media/")).read_bytes() == mp3_bytes()
    assert callout.audio_url == "https://cdn.example.org/km.mp3"  # the default language's is untouched
    assert not callout.audio_file


def test_replacing_a_language_upload_deletes_the_old_file(
    admin_client, account, media_root, django_capture_on_commit_callbacks
):
    callout = factories.CalloutFactory(account=account, settings={"default_language": "km"})
    names = []
    for content in (mp3_bytes(), wav_bytes()):
        shown = callout.settings.get("audio_urls", {}).get("en")  # the row the page shows
        rows = {"audio_urls-language": ["en" if shown else ""], "audio_urls-value": [shown or ""]}
        with django_capture_on_commit_callbacks(execute=True):
            admin_client.post(
                reverse("dashboard:callout_edit", args=[callout.pk]),
                {
                    **form_data(**rows),
                    "audio_file": SimpleUploadedFile("en.bin", content),
                    "audio_language": "en",
                },
            )
        callout.refresh_from_db()
        names.append(callout.settings["audio_urls"]["en"].removeprefix("https://scfm.example.org/media/"))

    assert names[1].endswith("-en.wav")  # named by what it holds, not by what it was called
    assert not default_storage.exists(names[0])
    assert default_storage.exists(names[1])

    # Removing the row removes the file; a URL somebody else serves is never touched.
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("dashboard:callout_edit", args=[callout.pk]), form_data())
    callout.refresh_from_db()
    assert callout.settings["audio_urls"] == {"en": "https://cdn.example.org/en.mp3"}
    assert not default_storage.exists(names[1])


def test_an_upload_in_the_default_language_fills_audio_url(admin_client, media_root):
    upload = SimpleUploadedFile("flood.wav", wav_bytes(), content_type="audio/wav")
    response = admin_client.post(
        reverse("dashboard:callout_new"),
        {**form_data(audio_url=""), "audio_file": upload, "audio_language": "km"},
    )

    assert response.status_code == 302
    callout = Callout.objects.get()
    assert callout.audio_url == f"https://scfm.example.org/media/{callout.audio_file.name}"


def test_a_fake_mp3_is_refused_naming_the_formats(admin_client, media_root):
    fake = SimpleUploadedFile("flood.mp3", b"<html><body>404</body></html>", content_type="audio/mpeg")
    response = admin_client.post(
        reverse("dashboard:callout_new"), {**form_data(audio_url=""), "audio_file": fake}
    )

    assert response.status_code == 422
    assert "MP3, WAV, AIFF, µ-law (.au), GSM" in response.content.decode()
    assert not Callout.objects.exists()
    assert not (media_root / "callouts").exists()


def test_a_refused_form_shows_the_typed_rows_and_two_blank_ones(admin_client):
    response = admin_client.post(reverse("dashboard:callout_new"), form_data(default_language="Khmer"))

    assert response.status_code == 422
    assert response.context["message_text_rows"] == [
        ("km", "ទឹកជំនន់"),
        ("fr", "Inondation"),
        ("", ""),
        ("", ""),
    ]
    assert response.context["audio_url_rows"] == [
        ("en", "https://cdn.example.org/en.mp3"),
        ("", ""),
        ("", ""),
    ]


def test_an_upload_for_a_language_needs_a_default_language(admin_client, media_root):
    upload = SimpleUploadedFile("flood-en.mp3", mp3_bytes(), content_type="audio/mpeg")
    data = form_data(
        default_language="",
        **{"audio_urls-language": [""], "message_text-language": [""], "say_voices-language": [""]},
    )
    data.update({"audio_urls-value": [""], "message_text-value": [""], "say_voices-value": [""]})
    response = admin_client.post(
        reverse("dashboard:callout_new"), {**data, "audio_file": upload, "audio_language": "en"}
    )

    assert response.status_code == 422
    assert response.context["errors"]["audio_language"] == [
        "Set the default language first, or leave this blank."
    ]
    assert not Callout.objects.exists()
