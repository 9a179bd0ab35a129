"""TwiML for each call flow logic (reference §10), built with twilio's `VoiceResponse`.

A phone call keeps the call flow logic it was created with (copy-down, §10.1), so the TwiML served
for a call depends on `phone_call.call_flow_logic` only, never on the callout's current setting.
"""

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from django.conf import settings
from twilio.twiml.voice_response import VoiceResponse

from scfm.call_flows import data_flow, ews_cambodia, ews_laos, ivr, languages, mama_info

if TYPE_CHECKING:
    from scfm.callouts.models import Callout
    from scfm.calls.models import PhoneCall

logger = logging.getLogger(__name__)

HELLO_WORLD = "CallFlowLogic::HelloWorld"
PLAY_MESSAGE = "CallFlowLogic::PlayMessage"
PLAY_MESSAGE_START_RAPIDPRO_FLOW = "CallFlowLogic::PlayMessageStartRapidproFlow"

HELLO_WORLD_SAY = "Thanks for trying our documentation. Enjoy!"
HELLO_WORLD_PLAY_URL = "https://demo.twilio.com/docs/classic.mp3"
NO_AUDIO_URL_SAY = "No audio URL to play. Bye Bye"

# (phone call, URL of the webhook being answered, the provider's request params or None) → TwiML.
TwimlBuilder = Callable[["PhoneCall", str, Mapping[str, str] | None], VoiceResponse]


class StepRunner(Protocol):
    """Run one IVR step and keep its answers (scfm.calls.dialogs.run_step): call flows write nothing."""

    def __call__(
        self, phone_call_id: int, flow: ivr.Flow, *, digits: Any, current_url: str
    ) -> VoiceResponse: ...


def build_hello_world(phone_call: "PhoneCall", current_url: str, params: object = None) -> VoiceResponse:
    """Build Twilio's documentation greeting (`CallFlowLogic::HelloWorld`)."""
    response = VoiceResponse()
    response.say(HELLO_WORLD_SAY)
    response.play(HELLO_WORLD_PLAY_URL)
    return response


def build_play_message(phone_call: "PhoneCall", current_url: str, params: object = None) -> VoiceResponse:
    """Build what the callout says to this contact: `<Play>` of the audio of the contact's language
    (else the default language's), or its text with `<Say language=…>` where that language has no
    audio (scfm.call_flows.languages). Only a callout with neither audio nor text, or an inbound
    call (no callout), gets the reference's spoken apology (§10.3).
    """
    response = VoiceResponse()
    utterance = callout_utterance(phone_call)
    if isinstance(utterance, languages.Play):
        response.play(utterance.url)
    elif isinstance(utterance, languages.Say):
        response.say(utterance.text, language=utterance.language, voice=utterance.voice)
    else:
        response.say(NO_AUDIO_URL_SAY)
    return response


TWIML_BUILDERS: dict[str, TwimlBuilder] = {
    HELLO_WORLD: build_hello_world,
    PLAY_MESSAGE: build_play_message,
    # Same TwiML as PlayMessage; the engine's RapidPro loop starts the flow once the call completes.
    PLAY_MESSAGE_START_RAPIDPRO_FLOW: build_play_message,
}
# IVR dialogs: one step per TwiML request, state in the call's metadata (scfm.call_flows.ivr).
# A data flow (call flows as data) runs the document the step runner pins on the call.
IVR_FLOWS: dict[str, ivr.Flow] = {
    ews_laos.NAME: ews_laos.step,
    mama_info.NAME: mama_info.step,
    data_flow.NAME: data_flow.run,
}
# IVR dialogs whose menu depends on the number called (the Cambodian feedback pilot's allow-list).
IVR_FLOWS_BY_NUMBER: dict[str, Callable[[str], ivr.Flow]] = {ews_cambodia.NAME: ews_cambodia.flow_for}


def ivr_flow(phone_call: "PhoneCall") -> ivr.Flow | None:
    """The IVR dialog of the call's call flow logic, or None for logics that are not dialogs."""
    flow_for_number = IVR_FLOWS_BY_NUMBER.get(phone_call.call_flow_logic)
    if flow_for_number is not None:
        return flow_for_number(phone_call.msisdn)
    return IVR_FLOWS.get(phone_call.call_flow_logic)


def call_callout(phone_call: "PhoneCall") -> "Callout | None":
    """The callout of the call: its own, else its participation's."""
    callout = phone_call.callout
    if callout is None and phone_call.callout_participation_id is not None:
        callout = phone_call.callout_participation.callout
    return callout


def callout_utterance(phone_call: "PhoneCall") -> languages.Play | languages.Say | None:
    """What the call's contact hears from the call's callout (None without a callout or content)."""
    callout = call_callout(phone_call)
    if callout is None:
        return None
    message = languages.callout_message(callout.settings, callout_audio_url(phone_call))
    contact = phone_call.contact if phone_call.contact_id is not None else None
    return message.utterance_for(languages.contact_language(contact.metadata if contact else None))


def callout_audio_url(phone_call: "PhoneCall") -> str | None:
    """Return the audio URL of the call's callout, or None for calls without one.

    The callout's `audio_url` wins; otherwise its uploaded `audio_file` is played from its public URL
    (the storage's URL when absolute, as S3 gives; else made absolute with SCFM_PUBLIC_URL).
    """
    callout = call_callout(phone_call)
    if callout is None:
        return None
    if callout.audio_url:
        return callout.audio_url
    if callout.audio_file:
        return absolute_media_url(callout.audio_file.storage.url(callout.audio_file.name))
    return None


def absolute_media_url(url: str) -> str:
    """Make a storage URL absolute: `/media/x.mp3` → `<SCFM_PUBLIC_URL>/media/x.mp3`; absolute stays."""
    parts = urlsplit(url)
    if parts.scheme:
        return url
    public = urlsplit(settings.SCFM_PUBLIC_URL)
    if parts.netloc:  # protocol-relative (`//cdn.example.org/x.mp3`)
        return f"{public.scheme or 'https'}:{url}"
    return f"{settings.SCFM_PUBLIC_URL.rstrip('/')}/{url.lstrip('/')}"


def render_twiml(
    phone_call: "PhoneCall",
    *,
    current_url: str,
    params: Mapping[str, str] | None = None,
    run_ivr_step: StepRunner | None = None,
) -> str:
    """Render the TwiML document of the call's call flow logic.

    `current_url` is the externally visible URL of the webhook being answered; IVR flows redirect
    to it. `params` are the provider's request params (`request.POST`): IVR flows read the digits
    pressed and tell TwiML requests from status callbacks with them, and `run_ivr_step` moves the
    dialog and keeps its answers; without either, or on a status callback, an IVR call gets an
    empty Response and does not move. A call whose logic is no longer known gets `<Hangup/>` rather
    than an error, because the provider is waiting on the line for an answer.
    """
    flow = ivr_flow(phone_call)
    if flow is not None:
        if run_ivr_step is None or params is None or not ivr.is_twiml_request(params):
            return ivr.empty_response().to_xml()
        step = run_ivr_step(phone_call.pk, flow, digits=params.get("Digits"), current_url=current_url)
        return step.to_xml()
    builder = TWIML_BUILDERS.get(phone_call.call_flow_logic)
    if builder is None:
        logger.error(
            "Phone call %s has unknown call flow logic %r; hanging up",
            phone_call.pk,
            phone_call.call_flow_logic,
        )
        response = VoiceResponse()
        response.hangup()
        return response.to_xml()
    return builder(phone_call, current_url, params).to_xml()
