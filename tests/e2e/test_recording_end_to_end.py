"""A recording over real HTTP: the Cambodian menu's feedback branch records the caller (reference
§10), the simulator reports the recording with a signed callback, the engine fetches its audio from
the simulator with the account's credentials, and the API and the dashboard play it back."""

import time

import httpx
import pytest

from scfm.calls.models import PhoneCall, Recording
from tests import factories
from tests.dashboard.conftest import signed_in
from tests.e2e.test_callout_end_to_end import api_client, populate_and_start, wait_until_settled

pytestmark = pytest.mark.e2e

FEEDBACK_CALLER = "+855715100860"  # on the reference's feedback allow-list


def wait_for_audio(seconds: float) -> Recording:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        recording = Recording.objects.filter(audio_fetch_due_at__isnull=True).exclude(audio_file="").first()
        if recording is not None:
            return recording
        time.sleep(0.3)
    raise TimeoutError(f"no recording with its audio: {list(Recording.objects.values())}")


def test_a_caller_leaves_feedback_and_the_recording_plays_back(stack, simulated_account):
    # time_scale 0.1: the three seconds spoken into <Record> take 0.3 s.
    stack.configure_simulator(
        seed=1,
        time_scale=0.1,
        ring_seconds=0.5,
        rules={FEEDBACK_CALLER: {"outcome": "answered", "duration": 25, "digits": ["2"]}},
    )
    api = api_client(stack, simulated_account)
    assert api.post("/contacts", json={"msisdn": FEEDBACK_CALLER}).status_code == 201
    callout_id = api.post("/callouts", json={"call_flow_logic": "CallFlowLogic::EWSRegistration"}).json()[
        "id"
    ]
    populate_and_start(api, callout_id)

    wait_until_settled(callout_id, seconds=60)
    recording = wait_for_audio(seconds=30)

    call = PhoneCall.objects.get(callout_id=callout_id)
    assert call.status == "completed"
    assert call.metadata["status"] == "finished"
    assert (recording.phone_call_id, recording.contact_id) == (call.pk, call.contact_id)
    assert recording.duration == 3
    ledger = stack.simulator_calls()[0]
    assert [item["sid"] for item in ledger["recordings"]] == [recording.external_recording_id]
    assert ledger["recordings"][0]["fetches"] == 1  # fetched once, with the account's credentials
    simulator_audio = httpx.get(
        f"{recording.external_recording_url}.wav", auth=("simulator-account", "simulator-token")
    ).content

    # The API: JSON, then the .mp3 redirect to a link the web process serves.
    shown = api.get(f"/recordings/{recording.pk}").json()
    assert shown["external_recording_id"] == recording.external_recording_id
    redirect = api.get(f"/recordings/{recording.pk}.mp3")
    assert redirect.status_code == 302
    played = httpx.get(f"{stack.web_url}{redirect.headers['Location']}")
    assert played.status_code == 200
    assert played.content == simulator_audio
    assert played.headers["content-type"] == "audio/wav"

    # The dashboard: the recording's page has a player whose source streams the same bytes.
    member = signed_in(factories.UserFactory(account=simulated_account, role="member"))
    page = member.get(f"/dashboard/phone_calls/{call.pk}")
    assert f'src="/dashboard/recordings/{recording.pk}/audio"'.encode() in page.content
    audio = member.get(f"/dashboard/recordings/{recording.pk}/audio")
    assert b"".join(audio.streaming_content) == simulator_audio
