"""Recordings: the signed status callback, the engine's audio fetch, and the audio served back.

The provider is a real HTTP server on a free port (the fetch goes through `requests`), which
answers with the statuses each test asks for and records who asked with which credentials.
"""

import base64
import io
import threading
import wave
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from scfm.accounts import permissions
from scfm.calls import recordings as recording_services
from scfm.calls.models import Recording, RemotePhoneCallEvent
from scfm.engine import recordings as recordings_loop
from scfm.simulator.recordings import make_wav
from tests import factories
from tests.dashboard.conftest import signed_in
from tests.telephony.conftest import TWILIO_SID, TWILIO_TOKEN, Provider, status_callback_params

pytestmark = pytest.mark.django_db

CALLBACK_PATH = "/twilio_webhooks/recording_status_callbacks"
CALL_SID = "CA33333333333333333333333333333333"
WAV = make_wav(1)


class FakeProvider(BaseHTTPRequestHandler):
    answers: list[int] = []  # statuses to answer, one per request, then 200 with WAV
    requests: list[tuple[str, str | None]] = []  # (path, "user:password" or None)

    def do_GET(self) -> None:
        header = self.headers.get("Authorization", "")
        credentials = base64.b64decode(header[6:]).decode() if header.startswith("Basic ") else None
        type(self).requests.append((self.path, credentials))
        status = type(self).answers.pop(0) if type(self).answers else 200
        body = WAV if status == 200 else b"{}"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def provider_url(settings) -> Iterator[str]:
    FakeProvider.answers, FakeProvider.requests = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeProvider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    settings.SCFM_TWILIO_API_BASE_URL = url
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture
def call(account):
    return factories.PhoneCallFactory(
        callout_participation__callout__account=account, remote_call_id=CALL_SID, status="in_progress"
    )


def recording_params(recording_url: str, **overrides: str) -> dict[str, str]:
    params = {
        "AccountSid": TWILIO_SID,
        "CallSid": CALL_SID,
        "RecordingSid": "RE44444444444444444444444444444444",
        "RecordingUrl": recording_url,
        "RecordingStatus": "completed",
        "RecordingDuration": "4",
        "RecordingChannels": "1",
    }
    params.update(overrides)
    return params


def twilio_recording_url(base: str, sid: str = "RE44444444444444444444444444444444") -> str:
    return f"{base}/2010-04-01/Accounts/{TWILIO_SID}/Recordings/{sid}"


def post_callback(params, **kwargs):
    return Provider().post(params, path=CALLBACK_PATH, **kwargs)


# The callback.


def test_a_signed_callback_stores_the_recording_and_answers_200_with_no_body(account, call):
    response = post_callback(recording_params("https://api.twilio.com/R1"))

    assert response.status_code == 200
    assert response.content == b""
    recording = Recording.objects.get()
    assert (recording.account, recording.phone_call, recording.contact) == (account, call, call.contact)
    assert recording.external_recording_id == "RE44444444444444444444444444444444"
    assert recording.external_recording_url == "https://api.twilio.com/R1"
    assert recording.duration == 4
    assert not recording.audio_file  # fetched by the engine, never during the request
    assert recording.audio_fetch_due_at is not None


def test_a_repeated_callback_keeps_one_recording(account, call):
    for _ in range(2):
        assert post_callback(recording_params("https://api.twilio.com/R1")).status_code == 200
    assert Recording.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"signature": "bad"}, 403),
        ({"token": "another-token"}, 403),
    ],
)
def test_a_callback_with_a_wrong_signature_is_refused(account, call, change, status):
    response = post_callback(recording_params("https://api.twilio.com/R1"), **change)
    assert response.status_code == status
    assert response.content == b"Twilio Request Validation Failed."
    assert not Recording.objects.exists()


def test_a_callback_of_an_unknown_account_is_refused(account, call):
    response = post_callback(recording_params("https://api.twilio.com/R1", AccountSid="AC" + "9" * 32))
    assert response.status_code == 403


@pytest.mark.parametrize(
    "overrides",
    [{"RecordingSid": ""}, {"RecordingUrl": "ftp://x/y"}, {"RecordingDuration": "long"}, {"CallSid": ""}],
)
def test_a_callback_missing_or_malformed_params_is_a_400(account, call, overrides):
    response = post_callback(recording_params("https://api.twilio.com/R1", **overrides))
    assert response.status_code == 400
    assert not Recording.objects.exists()


def test_a_callback_about_another_accounts_call_is_not_found(account, other_account):
    factories.PhoneCallFactory(callout_participation__callout__account=other_account, remote_call_id=CALL_SID)
    response = post_callback(recording_params("https://api.twilio.com/R1"))
    assert response.status_code == 404
    assert not Recording.objects.exists()


def test_an_absent_recording_stores_nothing(account, call):
    response = post_callback(
        recording_params("https://api.twilio.com/R1", RecordingStatus="absent", RecordingDuration="-1")
    )
    assert response.status_code == 200
    assert not Recording.objects.exists()


# Every parameter of a phone call event is kept (item 6); `details` keeps the reference's nine.


def test_every_parameter_of_a_phone_call_event_is_kept_alongside_the_reference_details(account, call):
    params = status_callback_params(
        CALL_SID, "completed", CallDuration="12", SipResponseCode="200", Timestamp="Tue, 01 Dec 2026"
    )
    response = Provider().post(params)

    assert response.status_code == 201
    event = RemotePhoneCallEvent.objects.get()
    assert event.provider_params == params
    assert "SipResponseCode" not in event.details
    assert set(event.details) == {
        "CallSid",
        "AccountSid",
        "Direction",
        "CallStatus",
        "From",
        "To",
        "CallDuration",
    }
    api = factories.AccessTokenFactory(
        resource_owner=account, permissions=permissions.ALL_TOKEN_PERMISSIONS_MASK
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api.token}")
    shown = client.get(f"/api/remote_phone_call_events/{event.pk}").json()
    assert "provider_params" not in shown  # the API keeps the reference's shape
    assert shown["details"] == event.details


# The engine's fetch.


def stored_recording(call, url: str) -> Recording:
    return factories.RecordingFactory(
        phone_call=call, external_recording_url=url, audio_fetch_due_at=timezone.now()
    )


def test_the_engine_fetches_the_mp3_with_the_accounts_credentials_and_stores_it(account, call, provider_url):
    recording = stored_recording(call, twilio_recording_url(provider_url))

    assert recordings_loop.tick() is True

    path, credentials = FakeProvider.requests[0]
    assert path == f"/2010-04-01/Accounts/{TWILIO_SID}/Recordings/RE44444444444444444444444444444444.mp3"
    assert credentials == f"{TWILIO_SID}:{TWILIO_TOKEN}"
    recording.refresh_from_db()
    assert recording.audio_fetch_due_at is None
    assert recording.audio_content_type == "audio/wav"  # the bytes decide, not the extension
    name = recording.audio_file.name
    assert name.startswith(f"{account.pk}/{recording.external_recording_id}") and name.endswith(".wav")
    with recording.audio_file.open("rb") as stored:
        assert stored.read() == WAV
    assert recordings_loop.tick() is False  # nothing left to fetch


def test_credentials_never_go_to_a_host_other_than_the_providers(account, call, provider_url):
    # Same server, reached by another name: it is not the provider's API host.
    elsewhere = provider_url.replace("127.0.0.1", "localhost")
    stored_recording(call, twilio_recording_url(elsewhere))

    recordings_loop.tick()

    assert FakeProvider.requests[0][1] is None


def test_a_failing_provider_is_retried_later_and_a_refusal_gives_up(account, call, provider_url):
    recording = stored_recording(call, twilio_recording_url(provider_url))
    FakeProvider.answers = [503, 403]

    now = timezone.now()
    recordings_loop.tick(now=now)
    recording.refresh_from_db()
    assert recording.audio_fetch_attempts == 1
    assert recording.audio_fetch_due_at > now  # later, not at once
    assert "503" in recording.audio_fetch_error
    assert recordings_loop.tick(now=now) is False  # not due yet

    recordings_loop.tick(now=recording.audio_fetch_due_at + timedelta(seconds=1))
    recording.refresh_from_db()
    assert recording.audio_fetch_attempts == 2
    assert recording.audio_fetch_due_at is None  # a 403 will not change: given up
    assert "403" in recording.audio_fetch_error
    assert not recording.audio_file


def test_a_fetch_claimed_by_another_engine_is_left_to_it(account, call):
    recording = stored_recording(call, "https://api.twilio.com/R1")
    now = timezone.now()
    assert recording_services.claim_audio_fetch(recording.pk, now=now) is not None
    assert recording_services.claim_audio_fetch(recording.pk, now=now) is None


# The audio served back: API and dashboard.


@pytest.fixture
def fetched(account, call, provider_url):
    recording = stored_recording(call, twilio_recording_url(provider_url))
    recordings_loop.tick()
    recording.refresh_from_db()
    return recording


def token_client(account, *names):
    token = factories.AccessTokenFactory(
        resource_owner=account, permissions=permissions.names_to_mask(list(names))
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.token}")
    return client


def test_the_api_shows_a_recording_in_the_references_shape(account, fetched):
    client = token_client(account, "recordings_read")
    shown = client.get(f"/api/recordings/{fetched.pk}")
    assert shown.status_code == 200
    assert list(shown.json()) == [
        "id",
        "phone_call_id",
        "account_id",
        "contact_id",
        "external_recording_id",
        "external_recording_url",
        "duration",
        "created_at",
        "updated_at",
    ]
    listed = client.get("/api/recordings", {"q[phone_call_id]": fetched.phone_call_id})
    assert [item["id"] for item in listed.json()] == [fetched.pk]
    assert client.get("/api/recordings", {"q[phone_call_id]": 0}).json() == []


def test_the_api_mp3_redirects_to_a_short_lived_link_that_serves_the_audio(account, fetched):
    client = token_client(account, "recordings_read")
    response = client.get(f"/api/recordings/{fetched.pk}.mp3")

    assert response.status_code == 302
    location = response["Location"]
    assert location.endswith(f"/{fetched.external_recording_id}.mp3")
    audio = APIClient().get(location)  # no token: the link is the credential
    assert audio.status_code == 200
    assert audio["Content-Type"] == "audio/wav"
    assert b"".join(audio.streaming_content) == WAV
    forged = location.replace(f"/{fetched.pk}/", f"/{fetched.pk + 1}/")
    assert APIClient().get(forged).status_code == 404


def test_the_api_mp3_of_a_recording_not_fetched_yet_is_not_found(account, call):
    recording = stored_recording(call, "https://api.twilio.com/R1")
    assert (
        token_client(account, "recordings_read").get(f"/api/recordings/{recording.pk}.mp3").status_code == 404
    )


def test_the_dashboard_streams_the_audio_to_its_account_only(account, other_account, fetched):
    member = signed_in(factories.UserFactory(account=account, role="member"))
    stranger = signed_in(factories.UserFactory(account=other_account, role="admin"))

    detail = member.get(f"/dashboard/recordings/{fetched.pk}")
    assert detail.status_code == 200
    assert f'src="/dashboard/recordings/{fetched.pk}/audio"'.encode() in detail.content
    played = member.get(f"/dashboard/recordings/{fetched.pk}/audio")
    assert played.status_code == 200
    assert played["Content-Type"] == "audio/wav"
    assert b"".join(played.streaming_content) == WAV
    downloaded = member.get(f"/dashboard/recordings/{fetched.pk}/audio?download=1")
    assert downloaded["Content-Disposition"].startswith("attachment")
    call_page = member.get(f"/dashboard/phone_calls/{fetched.phone_call_id}")
    assert f'src="/dashboard/recordings/{fetched.pk}/audio"'.encode() in call_page.content
    assert f"/dashboard/recordings/{fetched.pk}".encode() in member.get("/dashboard/recordings").content

    assert stranger.get(f"/dashboard/recordings/{fetched.pk}").status_code == 404
    assert stranger.get(f"/dashboard/recordings/{fetched.pk}/audio").status_code == 404
    assert f"/dashboard/recordings/{fetched.pk}".encode() not in stranger.get("/dashboard/recordings").content


def test_the_stored_audio_is_not_under_the_public_media_root(settings, fetched):
    assert not fetched.audio_file.path.startswith(str(settings.MEDIA_ROOT))
    with wave.open(io.BytesIO(fetched.audio_file.open("rb").read())) as audio:
        assert audio.getnframes() == audio.getframerate()  # one second, as the provider sent it
