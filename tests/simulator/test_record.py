"""`<Record>`: a short generated WAV, its signed recording status callback, and its media URL."""

import io
import wave

import pytest

from scfm.simulator.recordings import make_wav
from tests.simulator.conftest import ACCOUNT_SID, SCFM

pytestmark = pytest.mark.anyio

RECORD = (
    "<Response><Record action='/after' maxLength='2' recordingStatusCallback='/recording_status'/></Response>"
)


async def test_record_reports_the_recording_then_posts_to_its_action(harness):
    harness.scfm.documents.update({"/twiml": RECORD, "/after": "<Response><Hangup/></Response>"})
    harness.scfm.documents["/recording_status"] = "<Response/>"

    entry = await harness.play()

    paths = [item.path for item in harness.scfm.twiml_requests]
    assert paths == ["/twiml", "/recording_status", "/after"]
    callback, after = harness.scfm.twiml_requests[1], harness.scfm.twiml_requests[2]
    assert callback.signature_valid
    assert callback.params["CallSid"] == entry["sid"]
    assert callback.params["AccountSid"] == ACCOUNT_SID
    assert callback.params["RecordingStatus"] == "completed"
    assert callback.params["RecordingDuration"] == "2"  # maxLength caps the three seconds spoken
    sid = callback.params["RecordingSid"]
    assert callback.params["RecordingUrl"] == (
        f"http://simulator.test/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{sid}"
    )
    assert after.params["RecordingSid"] == sid
    assert after.params["RecordingUrl"] == callback.params["RecordingUrl"]
    assert entry["recordings"][0]["sid"] == sid


async def test_the_recording_is_served_as_wav_bytes_at_mp3_and_wav_with_the_account_credentials(harness):
    harness.scfm.documents["/twiml"] = RECORD
    await harness.play()
    url = next(item for item in harness.scfm.twiml_requests if item.path == "/recording_status").params[
        "RecordingUrl"
    ]

    for extension in (".mp3", ".wav"):
        response = await harness.api.get(url + extension)
        assert response.status_code == 200
        assert response.headers["content-type"] == "audio/wav"
        with wave.open(io.BytesIO(response.content)) as audio:
            assert audio.getnframes() / audio.getframerate() == 2
    anonymous = await harness.api.get(url + ".mp3", auth=("someone", "else"))
    assert anonymous.status_code == 401
    missing = await harness.api.get(url.rsplit("/", 1)[0] + "/RE0.mp3")
    assert missing.status_code == 404


async def test_record_without_a_callback_reports_to_scfms_webhook_route(harness):
    harness.scfm.documents["/twiml"] = "<Response><Record action='/after'/></Response>"
    harness.scfm.documents["/after"] = "<Response/>"
    harness.scfm.documents["/twilio_webhooks/recording_status_callbacks"] = "<Response/>"

    await harness.play(Url=f"{SCFM}/twiml")

    reported = [item for item in harness.scfm.received if "recording_status" in item.path]
    assert [item.url for item in reported] == [f"{SCFM}/twilio_webhooks/recording_status_callbacks"]


async def test_a_recording_callback_to_another_host_is_refused(harness):
    harness.scfm.documents["/twiml"] = (
        "<Response><Record recordingStatusCallback='https://elsewhere.test/steal'/></Response>"
    )
    entry = await harness.play()
    assert any("refused to send the recording callback" in note for note in entry["notes"])


def test_make_wav_is_a_valid_mono_wav_of_the_asked_length():
    with wave.open(io.BytesIO(make_wav(3))) as audio:
        assert (audio.getnchannels(), audio.getframerate()) == (1, 8000)
        assert audio.getnframes() == 3 * 8000
