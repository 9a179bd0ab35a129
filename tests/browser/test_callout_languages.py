"""An operator gives a callout audio and text per language in a real browser: a fake MP3 is refused
naming the formats the providers play, a real WAV uploaded for English becomes its audio URL."""

import re

import pytest
from playwright.sync_api import expect

from scfm.accounts.models import UserRole
from tests import factories
from tests.browser.conftest import assert_controls_are_labelled, screenshot, sign_in
from tests.callouts.audio_samples import wav_bytes
from tests.e2e.conftest import simulator_account

pytestmark = pytest.mark.e2e

PASSWORD = "browser-pass-1"


def test_an_operator_sets_languages_and_uploads_audio_per_language(stack, page_factory, tmp_path):
    account = simulator_account(stack)
    factories.UserFactory(
        account=account, email="operator@example.org", role=UserRole.ADMIN, password=PASSWORD
    )
    callout = factories.CalloutFactory(
        account=account,
        call_flow_logic="CallFlowLogic::PlayMessage",
        audio_url="https://cdn.example.org/km.mp3",
    )
    fake = tmp_path / "warning.mp3"
    fake.write_text("<!DOCTYPE html><html><body>Not found</body></html>")
    real = tmp_path / "warning-en.wav"
    real.write_bytes(wav_bytes())
    page = page_factory()
    sign_in(page, "operator@example.org", PASSWORD)

    page.goto(f"/dashboard/callouts/{callout.pk}/edit")
    assert_controls_are_labelled(page)
    page.get_by_role("textbox", name=re.compile("^Default language")).fill("km")
    text_rows = page.locator("[data-language-rows=message_text] tbody tr")
    text_rows.nth(0).get_by_label("Language").fill("lo")
    text_rows.nth(0).get_by_label("Text").fill("ເຕືອນໄພນ້ຳຖ້ວມ")
    page.get_by_role("textbox", name=re.compile("^Language of the uploaded file")).fill("en")
    page.get_by_label("Replace the audio file").or_(page.get_by_label("Audio file")).set_input_files(
        str(fake)
    )
    page.get_by_role("button", name="Save").click()

    # Refused by its bytes, named formats shown at the file field; the typed rows are kept.
    expect(page.get_by_text("The audio file must be one the phone providers play: MP3, WAV")).to_be_visible()
    expect(page.locator("input[name=audio_file][aria-invalid=true]")).to_have_count(1)
    expect(text_rows.nth(0).get_by_label("Text")).to_have_value("ເຕືອນໄພນ້ຳຖ້ວມ")

    page.locator("input[name=audio_file]").set_input_files(str(real))
    screenshot(page, "callout-languages")
    page.get_by_role("button", name="Save").click()

    page.get_by_text("Callout was successfully updated.").wait_for()
    callout.refresh_from_db()
    english = callout.settings["audio_urls"]["en"]
    assert english.endswith("-warning-en.wav")
    assert callout.settings["default_language"] == "km"
    assert callout.settings["message_text"] == {"lo": "ເຕືອນໄພນ້ຳຖ້ວມ"}
    assert callout.audio_url == "https://cdn.example.org/km.mp3"
    # The stored file is served where the provider will fetch it.
    audio = page.request.get(english)
    assert audio.ok and audio.body()[:4] == b"RIFF"
