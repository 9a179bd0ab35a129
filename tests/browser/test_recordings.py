"""A recording in a real browser: the player on the recording's page and on its phone call's page
loads the audio from our own origin, with nothing blocked by the Content-Security-Policy."""

import pytest

from scfm.accounts.models import UserRole
from scfm.calls.recordings import store_audio
from scfm.simulator.recordings import make_wav
from tests import factories
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.e2e

PASSWORD = "browser-pass-1"
LOADED_AUDIO_JS = """
() => { const audio = document.querySelector("audio");
        return audio && audio.readyState >= 1 && audio.duration > 1.9 && audio.duration < 2.1; }
"""


def test_the_recording_pages_player_loads_the_audio(stack, page_factory):
    account = factories.AccountFactory()
    factories.UserFactory(
        account=account, email="member@example.org", role=UserRole.MEMBER, password=PASSWORD
    )
    call = factories.PhoneCallFactory(callout_participation__callout__account=account, status="completed")
    recording = store_audio(factories.RecordingFactory(phone_call=call, duration=2), make_wav(2))

    page = page_factory()
    sign_in(page, "member@example.org", PASSWORD)
    page.get_by_role("link", name="Recordings").click()
    page.get_by_role("link", name=str(recording.pk), exact=True).click()
    page.wait_for_url(f"**/dashboard/recordings/{recording.pk}")
    page.wait_for_function(LOADED_AUDIO_JS)  # metadata read: the browser fetched and decoded it

    page.goto(f"/dashboard/phone_calls/{call.pk}")
    page.wait_for_function(LOADED_AUDIO_JS)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download").first.click()
    assert download.value.suggested_filename.endswith(".wav")
