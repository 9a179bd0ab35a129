"""Common building blocks of the IVR call flows (EWS Laos, Mama Info), reference §10.5.

An IVR flow is a function from the caller's latest request (`Call`: the dialog's state, the digits
pressed, what is already known) to a `Step`: the next state, the TwiML to answer and the answers to
keep. This package never touches the database: `scfm.calls.dialogs.run_step` applies a step to the
call and its contact.

The dialog's state lives in `phone_call.metadata["status"]` (initially `answered`), apart from the
call's own `status`. One webhook URL is both the call's `Url` and its `StatusCallback`; only TwiML
requests move the dialog (`is_twiml_request`), so a status callback cannot skip a menu as it does in
the reference (its defect: the final `completed` callback also advanced the state machine).
"""

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from twilio.twiml.voice_response import VoiceResponse

INITIAL_STATUS = "answered"
# Call statuses of a provider's TwiML requests: `ringing` for the first request of an inbound
# call on Twilio, `in-progress` for Redirects, Gather actions and outbound calls.
TWIML_REQUEST_CALL_STATUSES = frozenset({"ringing", "in-progress"})
_LEADING_DIGITS = re.compile(r"\s*([0-9]+)")
_MAX_CHOICE_DIGITS = 9


@dataclass(frozen=True)
class Call:
    """What a flow step sees of the call: its dialog state, the caller's input and what is known."""

    status: str
    digits: Any  # the request's raw `Digits`: a string, or None when the caller pressed nothing
    metadata: Mapping[str, Any]  # the phone call's
    contact_metadata: Mapping[str, Any]
    current_url: str
    now: datetime
    # The call flow document a data flow runs (scfm.call_flows.data_flow); None for built-in menus.
    flow_document: Mapping[str, Any] | None = None

    @property
    def pressed(self) -> int:
        """The number keyed in, read like Ruby's `to_i` as the reference does: 0 when there is none."""
        match = _LEADING_DIGITS.match(str(self.digits or ""))
        if not match or len(match.group(1)) > _MAX_CHOICE_DIGITS:
            return 0  # nothing pressed, or far more keys than any menu choice has
        return int(match.group(1))

    @property
    def starts_over(self) -> bool:
        return str(self.digits or "").startswith("*")


@dataclass(frozen=True)
class Step:
    """A flow's answer: TwiML, the state to move to (None: stay) and the data to keep."""

    response: VoiceResponse
    to: str | None = None
    call_data: Mapping[str, Any] = field(default_factory=dict)  # deep-merged into the call's metadata
    contact_data: Mapping[str, Any] = field(default_factory=dict)  # deep-merged into the contact's
    contact_removed: Sequence[str] = ()  # keys deleted from the contact's metadata


Flow = Callable[[Call], Step | None]


def table_flow(transitions: Mapping[str, Callable[[Call], Step]]) -> Flow:
    """Make a flow of a table: each dialog state's transition; None in any other state (`finished`)."""

    def step(call: Call) -> Step | None:
        transition = transitions.get(call.status)
        return transition(call) if transition else None

    return step


def audio_url(key: str) -> str:
    """Return the public URL of a prompt, e.g. `ews_laos_registration/introduction-lao.mp3`."""
    return f"{settings.SCFM_IVR_AUDIO_URL}/{key}"


def gather(*prompts: str, preceded_by: Sequence[str] = ()) -> VoiceResponse:
    """Play `preceded_by`, then the prompts inside a Gather.

    No `action`: the provider posts the digits back to the document's URL, which is the webhook.
    `actionOnEmptyResult` makes a timeout post back too (without Digits), so the flow re-prompts.
    """
    response = VoiceResponse()
    for url in preceded_by:
        response.play(url)
    menu = response.gather(action_on_empty_result=True)
    for url in prompts:
        menu.play(url)
    return response


def play_and_continue(current_url: str, *prompts: str) -> VoiceResponse:
    """Play the prompts, then fetch the webhook again for the dialog's next step."""
    response = VoiceResponse()
    for url in prompts:
        response.play(url)
    response.redirect(current_url)
    return response


def hangup() -> VoiceResponse:
    response = VoiceResponse()
    response.hangup()
    return response


def is_twiml_request(params: Mapping[str, str] | None) -> bool:
    """Tell a TwiML fetch (first request, Redirect, Gather action) from a status callback.

    Status callbacks carry `CallbackSource=call-progress-events` (Twilio, our simulator); a provider
    that omits it still reports a final status (`completed`, `busy`, …), never a live one.
    """
    if params is None or params.get("CallbackSource"):
        return False
    return params.get("CallStatus") in TWIML_REQUEST_CALL_STATUSES


def empty_response() -> VoiceResponse:
    """Return the answer to a request that moves no dialog: valid TwiML that ends the call."""
    return VoiceResponse()
