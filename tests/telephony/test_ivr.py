"""What every IVR flow shares (reference §10.5): which requests move a dialog, locking, settings."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from scfm.call_flows import ews_laos, ivr
from scfm.call_flows.logics import render_twiml
from scfm.calls import dialogs
from scfm.calls.models import PhoneCall
from tests import factories
from tests.telephony.conftest import inbound_params
from tests.telephony.ivr_dialog import (
    AUDIO,
    CURRENT_URL,
    EMPTY_RESPONSE,
    HANGUP,
    Dialog,
    gather,
    ivr_call,
    play,
    redirect,
    twiml,
)

ROOT = Path(__file__).resolve().parents[2]
EWS_LAOS = "CallFlowLogic::EWSLaosRegistration"
INTRODUCTION = twiml(play(f"{AUDIO}/ews_laos_registration/introduction-lao.mp3"), redirect())


@pytest.fixture(autouse=True)
def audio_url(settings):
    settings.SCFM_IVR_AUDIO_URL = AUDIO


def test_an_inbound_call_starts_the_dialog_on_its_first_request(provider, account):
    # Twilio's first request of an inbound call says `ringing`; it is a TwiML fetch all the same.
    account.call_flow_logic = EWS_LAOS
    account.save(update_fields=["call_flow_logic"])

    response = provider.post(inbound_params(CallStatus="ringing"))

    assert response.content.decode() == INTRODUCTION
    assert PhoneCall.objects.get().metadata == {"status": "playing_introduction"}


@pytest.mark.parametrize("call_status", ["queued", "busy", "no-answer", "failed", "canceled", "completed"])
def test_requests_with_a_final_or_early_status_do_not_move_the_dialog(provider, account, call_status):
    dialog = Dialog(provider, ivr_call(account, EWS_LAOS))

    assert dialog.press(CallStatus=call_status) == EMPTY_RESPONSE
    assert dialog.metadata == {}


def test_an_unknown_logic_hangs_up_and_keeps_the_metadata(provider, account):
    # A logic no longer known (e.g. after a downgrade) gets <Hangup/> rather than an error.
    phone_call = ivr_call(account, "CallFlowLogic::Retired")
    dialog = Dialog(provider, phone_call)

    assert dialog.press("1") == HANGUP
    assert dialog.metadata == {}


def test_a_non_ivr_logic_ignores_digits_and_keeps_the_metadata(provider, account):
    dialog = Dialog(provider, ivr_call(account, "CallFlowLogic::HelloWorld"))

    assert "<Say>Thanks for trying our documentation. Enjoy!</Say>" in dialog.press("1")
    assert dialog.metadata == {}


def test_the_dialog_keeps_other_metadata(provider, account):
    phone_call = ivr_call(account, EWS_LAOS)
    PhoneCall.objects.filter(pk=phone_call.pk).update(metadata={"source": {"campaign": "rainy season"}})
    dialog = Dialog(provider, phone_call)

    dialog.press()

    assert dialog.metadata == {"source": {"campaign": "rainy season"}, "status": "playing_introduction"}


def test_rendering_without_the_request_does_not_move_the_dialog(account):
    phone_call = ivr_call(account, EWS_LAOS)

    assert render_twiml(phone_call, current_url=CURRENT_URL) == EMPTY_RESPONSE
    phone_call.refresh_from_db()
    assert phone_call.metadata == {}


@pytest.mark.parametrize(
    ("digits", "pressed", "starts_over"),
    [
        (None, 0, False),
        ("", 0, False),
        ("7", 7, False),
        ("0123", 123, False),
        ("12#", 12, False),
        ("*", 0, True),
        ("*3", 0, True),
        ("9" * 5000, 0, False),  # no menu has such a choice (and Python would refuse the int)
    ],
)
def test_digits_are_read_as_the_reference_reads_them(digits, pressed, starts_over):
    call = ivr.Call(
        status="answered", digits=digits, metadata={}, contact_metadata={}, current_url="", now=None
    )

    assert call.pressed == pressed
    assert call.starts_over is starts_over


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_for_one_call_do_not_both_move_it():
    """The second request waits for the first one's lock and answers from the state it left."""
    phone_call = factories.PhoneCallFactory(call_flow_logic=EWS_LAOS)
    first_inside = threading.Event()
    answers: dict[str, str] = {}

    def slow_step(call: ivr.Call) -> ivr.Step | None:
        if not first_inside.is_set():
            first_inside.set()
            time.sleep(0.5)  # hold the lock while the second request arrives
        return ews_laos.step(call)

    def request(name: str) -> None:
        try:
            answers[name] = dialogs.run_step(
                phone_call.pk, slow_step, digits=None, current_url=CURRENT_URL
            ).to_xml()
        finally:
            connection.close()

    first = threading.Thread(target=request, args=("first",))
    first.start()
    assert first_inside.wait(5)
    second = threading.Thread(target=request, args=("second",))
    second.start()
    first.join(10)
    second.join(10)

    assert answers["first"] == INTRODUCTION
    assert answers["second"] == twiml(gather(f"{AUDIO}/ews_laos_registration/select_province-lao.mp3"))
    phone_call.refresh_from_db()
    assert phone_call.metadata == {"status": "gathering_province"}


def test_the_audio_url_defaults_to_the_reference_bucket_of_the_configured_region():
    code = "from django.conf import settings; print(settings.SCFM_IVR_AUDIO_URL)"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SCFM_IVR_AUDIO_URL", "AWS_DEFAULT_REGION", "AUDIO_BUCKET")
    }
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"

    def audio_url(**extra: str) -> str:
        command = [sys.executable, "-c", f"import django; django.setup(); {code}"]
        run = subprocess.run(
            command, env={**env, **extra}, cwd=ROOT, capture_output=True, text=True, check=True
        )
        return run.stdout.strip()

    assert audio_url() == "https://s3.ap-southeast-1.amazonaws.com/audio.somleng.org"
    assert audio_url(AWS_DEFAULT_REGION="eu-west-1", AUDIO_BUCKET="prompts.example.org") == (
        "https://s3.eu-west-1.amazonaws.com/prompts.example.org"
    )
    assert audio_url(SCFM_IVR_AUDIO_URL="https://cdn.example.org/audio/") == "https://cdn.example.org/audio"
