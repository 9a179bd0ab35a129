"""CallFlowLogic::MamaInfoRegistration walked through the webhook (reference §10.5, §10.8)."""

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from tests.telephony.ivr_dialog import (
    AUDIO,
    EMPTY_RESPONSE,
    HANGUP,
    Dialog,
    gather,
    ivr_call,
    play,
    redirect,
    twiml,
)

LOGIC = "CallFlowLogic::MamaInfoRegistration"
# The last half hour of January (UTC): the month arithmetic must not spill into February.
NOW = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)


def prompt(name: object) -> str:
    return f"{AUDIO}/mama_info_registration/{name}-loz.mp3"


def ask(name: str) -> str:
    return twiml(gather(prompt(name)))


def ask_again(*names: object) -> str:
    return twiml(play(prompt("invalid_response")), gather(*(prompt(name) for name in names)))


def confirmation(intro: str, month: str, year: int) -> str:
    return twiml(gather(prompt(intro), prompt(month), prompt(year), prompt("confirm_input")))


@pytest.fixture(autouse=True)
def frozen_time(settings, monkeypatch):
    settings.SCFM_IVR_AUDIO_URL = AUDIO
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def new_caller(provider, account, **contact_metadata) -> Dialog:
    return Dialog(provider, ivr_call(account, LOGIC, contact_metadata=contact_metadata))


@pytest.fixture
def dialog(provider, account) -> Dialog:
    return new_caller(provider, account, name="Mutinta", deregistered_at="2025-06-01T10:00:00+00:00")


def at_mothers_status(dialog: Dialog) -> None:
    dialog.press()
    dialog.press()


def test_a_pregnant_caller_registers_her_due_month(dialog):
    assert dialog.press() == twiml(play(prompt("introduction")), redirect())
    assert dialog.state == "playing_introduction"
    assert dialog.press() == ask("gather_mothers_status")
    assert dialog.state == "gathering_mothers_status"
    assert dialog.press("1") == ask("gather_pregnancy_status")
    assert dialog.state == "gathering_pregnancy_status"

    assert dialog.press("3") == confirmation("confirm_pregnancy_status", "july", 2026)
    assert dialog.metadata == {
        "status": "confirming_pregnancy_status",
        "unconfirmed_date_of_birth": "2026-07-01",
    }

    assert dialog.press("1") == twiml(play(prompt("registration_successful")), redirect())
    assert dialog.metadata == {
        "status": "playing_registration_successful",
        "unconfirmed_date_of_birth": "2026-07-01",
        "date_of_birth": "2026-07-01",
    }
    assert dialog.contact_metadata == {"name": "Mutinta", "date_of_birth": "2026-07-01"}

    assert dialog.press() == HANGUP
    assert dialog.state == "finished"
    assert dialog.press("1") == EMPTY_RESPONSE
    assert dialog.state == "finished"


def test_a_mother_registers_her_babys_birth_month_after_correcting_it(dialog):
    at_mothers_status(dialog)
    assert dialog.press("2") == ask("gather_age")
    assert dialog.state == "gathering_age"

    assert dialog.press("1") == confirmation("confirm_age", "december", 2025)
    assert dialog.state == "confirming_age"
    assert dialog.press("2") == ask("gather_age")  # incorrect: asked again
    assert dialog.state == "gathering_age"
    assert dialog.press("24") == confirmation("confirm_age", "january", 2024)
    assert dialog.press("1") == twiml(play(prompt("registration_successful")), redirect())

    assert dialog.metadata["date_of_birth"] == "2024-01-01"
    assert dialog.contact_metadata["date_of_birth"] == "2024-01-01"
    assert dialog.press() == HANGUP


def test_a_wrong_due_month_is_asked_again(dialog):
    at_mothers_status(dialog)
    dialog.press("1")
    dialog.press("3")

    assert dialog.press("2") == ask("gather_pregnancy_status")
    assert dialog.state == "gathering_pregnancy_status"
    assert dialog.press("1") == confirmation("confirm_pregnancy_status", "september", 2026)
    assert dialog.metadata["unconfirmed_date_of_birth"] == "2026-09-01"


@pytest.mark.parametrize(("months", "due"), [("9", "2026-01-01"), ("5", "2026-05-01"), ("01", "2026-09-01")])
def test_the_due_month_is_nine_months_of_pregnancy_on(dialog, months, due):
    at_mothers_status(dialog)
    dialog.press("1")

    dialog.press(months)

    assert dialog.metadata["unconfirmed_date_of_birth"] == due


def test_listen_again_repeats_the_menu_without_the_invalid_notice(dialog):
    at_mothers_status(dialog)

    assert dialog.press("3") == ask("gather_mothers_status")
    assert dialog.state == "gathering_mothers_status"


@pytest.mark.parametrize("digits", [None, "0", "4", "12", "*"])
def test_an_invalid_mothers_status_asks_again(dialog, digits):
    at_mothers_status(dialog)

    assert dialog.press(digits) == ask_again("gather_mothers_status")
    assert dialog.state == "gathering_mothers_status"


@pytest.mark.parametrize(
    ("status_digit", "state", "question", "invalid"),
    [
        ("1", "gathering_pregnancy_status", "gather_pregnancy_status", ["0", "10", None]),
        ("2", "gathering_age", "gather_age", ["0", "25", None]),
    ],
)
def test_an_invalid_number_of_months_asks_again(dialog, status_digit, state, question, invalid):
    at_mothers_status(dialog)
    dialog.press(status_digit)

    for digits in invalid:
        assert dialog.press(digits) == ask_again(question)
        assert dialog.metadata == {"status": state}


@pytest.mark.parametrize("digits", [None, "3", "*"])
def test_an_invalid_confirmation_repeats_the_confirmation(dialog, digits):
    at_mothers_status(dialog)
    dialog.press("2")
    dialog.press("6")

    assert dialog.press(digits) == ask_again("confirm_age", "july", 2025, "confirm_input")
    assert dialog.state == "confirming_age"
    assert "date_of_birth" not in dialog.contact_metadata


def test_a_registered_mother_deregisters(provider, account):
    dialog = new_caller(provider, account, name="Mutinta", date_of_birth="2026-04-01")

    assert dialog.press() == twiml(play(prompt("introduction")), redirect())
    assert dialog.press() == twiml(play(prompt("already_registered")), redirect())
    assert dialog.state == "playing_already_registered"
    assert dialog.press() == twiml(
        play(prompt("confirm_pregnancy_status")), play(prompt("april")), play(prompt(2026)), redirect()
    )
    assert dialog.state == "playing_registered_date_of_birth"
    assert dialog.press() == ask("gather_update_details_or_deregister")
    assert dialog.state == "gathering_update_details_or_deregister"
    assert dialog.press("3") == ask_again("gather_update_details_or_deregister")
    assert dialog.state == "gathering_update_details_or_deregister"

    assert dialog.press("2") == twiml(play(prompt("deregistration_successful")), redirect())
    assert dialog.state == "playing_deregistered"
    assert dialog.contact_metadata == {"name": "Mutinta", "deregistered_at": NOW.isoformat()}

    assert dialog.press() == HANGUP
    assert dialog.state == "finished"


def test_a_registered_mother_updates_her_details(provider, account):
    dialog = new_caller(provider, account, date_of_birth="2025-03-01")
    dialog.press()
    dialog.press()

    assert dialog.press() == twiml(
        play(prompt("confirm_age")), play(prompt("march")), play(prompt(2025)), redirect()
    )
    dialog.press()
    assert dialog.press("1") == ask("gather_mothers_status")
    dialog.press("2")
    dialog.press("2")
    dialog.press("1")

    assert dialog.contact_metadata == {"date_of_birth": "2025-11-01"}


def test_status_callbacks_do_not_move_the_dialog(dialog):
    at_mothers_status(dialog)

    assert dialog.status_callback("completed", Digits="1", CallDuration="12") == EMPTY_RESPONSE
    assert dialog.press("1", CallStatus="completed") == EMPTY_RESPONSE
    assert dialog.state == "gathering_mothers_status"
