"""Follow the TwiML of an answered call: fetch each document and act out its verbs."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ElementTree
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin

import httpx

from scfm.simulator.ledger import Call, iso, now
from scfm.simulator.recordings import SimulatedRecording
from scfm.simulator.webhooks import WebhookSender, origin

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
# Where a `<Record>` without recordingStatusCallback reports its recording: SCFM's webhook route on
# the call's own host (Twilio would send nothing; SCFM needs the callback to keep the recording).
DEFAULT_RECORDING_STATUS_PATH = "/twilio_webhooks/recording_status_callbacks"
RECORD_SECONDS = 3  # how long the callee speaks into a <Record>

# Verbs that only take time; anything else not handled below is skipped with a note.
_TIMED_VERBS = {"Play", "Say", "Pause"}


@dataclass(frozen=True)
class NextDocument:
    """Where the call goes next: a Redirect, or a Gather posting its digits."""

    url: str
    method: str
    params: dict[str, str] = field(default_factory=dict)


class TwimlFollower:
    """Play one answered call's TwiML, recording each request and the digits pressed on the call."""

    def __init__(
        self,
        call: Call,
        *,
        sender: WebhookSender,
        sleep: Sleep,
        recordings: dict[str, SimulatedRecording] | None = None,
    ) -> None:
        self.call = call
        self.recordings = recordings if recordings is not None else {}
        self.sender = sender
        self.sleep = sleep
        self.knobs = call.knobs
        self.gathers = 0
        self.allowed_origin = origin(call.url)

    async def run(self) -> None:
        """Fetch the call's `Url` and follow Redirects and Gathers until a Hangup or the end of a document."""
        step: NextDocument | None = NextDocument(self.call.url, self.call.method)
        for _ in range(self.knobs.max_twiml_documents):
            if step is None:
                return
            if origin(step.url) != self.allowed_origin:
                # The simulator only ever calls the hosts SCFM gave it.
                self.call.note(f"refused to fetch {step.url}: not on the origin of the call's Url")
                return
            document = await self.fetch(step)
            if document is None:
                return
            step = await self.execute(document, document_url=step.url)
        if step is not None:
            self.call.note(f"stopped after {self.knobs.max_twiml_documents} TwiML documents")

    async def fetch(self, step: NextDocument) -> ElementTree.Element | None:
        """Request one TwiML document; return its <Response>, or None (noted) when there is none."""
        params = {**self.call.webhook_params("in-progress"), **step.params}
        entry: dict[str, object] = {"at": iso(now()), "url": step.url, "method": step.method}
        if "Digits" in step.params:
            entry["digits"] = step.params["Digits"]
        self.call.twiml_requests.append(entry)
        try:
            response = await self.sender.send(
                step.url, step.method, params, timeout=self.knobs.http_timeout_seconds
            )
        except httpx.HTTPError as error:
            entry["error"] = f"{type(error).__name__}: {error}"
            self.call.note(f"TwiML request to {step.url} failed: {entry['error']}")
            return None
        entry["status_code"] = response.status_code
        if not response.is_success:
            self.call.note(f"TwiML request to {step.url} answered {response.status_code}")
            return None
        try:
            root = ElementTree.fromstring(response.content)
        except ElementTree.ParseError as error:
            self.call.note(f"TwiML from {step.url} is not XML: {error}")
            return None
        if root.tag != "Response":
            self.call.note(f"TwiML from {step.url} has root <{root.tag}>, not <Response>")
            return None
        return root

    async def execute(self, document: ElementTree.Element, *, document_url: str) -> NextDocument | None:
        """Act out a document's verbs; return the next document to fetch, or None when the call ends."""
        for verb in document:
            if verb.tag in _TIMED_VERBS:
                await self.spend_time(verb)
            elif verb.tag == "Gather":
                step = await self.gather(verb, document_url=document_url)
                if step is not None:
                    return step
            elif verb.tag == "Record":
                return await self.record(verb, document_url=document_url)
            elif verb.tag == "Redirect":
                target = (verb.text or "").strip()
                return NextDocument(urljoin(document_url, target), _method(verb))
            elif verb.tag in {"Hangup", "Reject"}:
                return None
            else:
                self.call.note(f"skipped unsupported verb <{verb.tag}>")
        # Twilio hangs up when a document runs out of verbs.
        return None

    async def spend_time(self, verb: ElementTree.Element) -> None:
        """Wait as long as a Play, Say or Pause would take on a real call, and note what the callee
        heard on the TwiML request that served it (the ledger shows it: which audio, which text)."""
        if verb.tag in {"Play", "Say"} and self.call.twiml_requests:
            heard = {"verb": verb.tag, "text": (verb.text or "").strip()}
            if verb.get("language"):
                heard["language"] = verb.get("language", "")
            self.call.twiml_requests[-1].setdefault("heard", []).append(heard)
        if verb.tag == "Pause":
            await self.sleep(_float(verb.get("length"), default=1.0))
            return
        seconds = self.knobs.play_seconds if verb.tag == "Play" else self.knobs.say_seconds
        # loop="0" means "forever" on Twilio; once is enough here.
        await self.sleep(seconds * max(1, int(_float(verb.get("loop"), default=1.0))))

    async def gather(self, verb: ElementTree.Element, *, document_url: str) -> NextDocument | None:
        """Play a Gather's prompts, press the configured digits, and say where they are posted."""
        for child in verb:
            if child.tag in _TIMED_VERBS:
                await self.spend_time(child)
        await self.sleep(self.knobs.gather_seconds)
        digits = _apply_gather_limits(
            self.call.plan.digits_for_gather(self.gathers),
            finish_on_key=verb.get("finishOnKey", "#"),
            num_digits=verb.get("numDigits"),
        )
        self.gathers += 1
        self.call.digits_sent.append(digits)
        action = urljoin(document_url, verb.get("action") or document_url)
        if digits:
            return NextDocument(action, _method(verb), {"Digits": digits})
        if verb.get("actionOnEmptyResult", "false").lower() == "true":
            return NextDocument(action, _method(verb), {"Digits": ""})
        # No input and no actionOnEmptyResult: Twilio carries on with the next verb.
        return None

    async def record(self, verb: ElementTree.Element, *, document_url: str) -> NextDocument | None:
        """Record a few seconds, report the recording, and post to the Record's action.

        As Twilio: the recording status callback goes to `recordingStatusCallback`, and the call
        continues at `action` (the current document when absent) with RecordingUrl, RecordingSid,
        RecordingDuration and Digits (`hangup` when no key ended the recording).
        """
        if verb.get("playBeep", "true").lower() != "false":
            await self.sleep(0.5)
        seconds = RECORD_SECONDS
        max_length = verb.get("maxLength")
        if max_length and max_length.isdigit() and int(max_length) > 0:
            seconds = min(seconds, int(max_length))
        await self.sleep(seconds)
        recording = SimulatedRecording.make(
            call_sid=self.call.sid,
            account_sid=self.call.account_sid,
            api_base_url=self.call.api_base_url,
            duration=seconds,
        )
        self.call.recordings.append(recording)
        self.recordings[recording.sid] = recording
        callback_url = urljoin(
            document_url, verb.get("recordingStatusCallback") or DEFAULT_RECORDING_STATUS_PATH
        )
        await self.report_recording(
            recording, callback_url, verb.get("recordingStatusCallbackMethod", "POST")
        )
        action = urljoin(document_url, verb.get("action") or document_url)
        params = {
            "RecordingUrl": recording.url,
            "RecordingSid": recording.sid,
            "RecordingDuration": str(recording.duration),
            "Digits": "hangup",
        }
        return NextDocument(action, _method(verb), params)

    async def report_recording(self, recording: SimulatedRecording, url: str, method: str) -> None:
        """Send the signed recording status callback, noting (not raising) when it fails."""
        if origin(url) != self.allowed_origin:
            self.call.note(f"refused to send the recording callback to {url}: not on the call's origin")
            return
        method = "GET" if method.upper() == "GET" else "POST"
        try:
            response = await self.sender.send(
                url, method, recording.callback_params(), timeout=self.knobs.http_timeout_seconds
            )
        except httpx.HTTPError as error:
            self.call.note(f"recording callback to {url} failed: {type(error).__name__}: {error}")
            return
        if not response.is_success:
            self.call.note(f"recording callback to {url} answered {response.status_code}")


def _method(verb: ElementTree.Element) -> str:
    return "GET" if verb.get("method", "POST").upper() == "GET" else "POST"


def _float(raw: str | None, *, default: float) -> float:
    try:
        return max(0.0, float(raw)) if raw is not None else default
    except ValueError:
        return default


def _apply_gather_limits(digits: str, *, finish_on_key: str, num_digits: str | None) -> str:
    """Return the digits a Gather reports: up to `finishOnKey` (excluded), at most `numDigits`."""
    if finish_on_key and finish_on_key in digits:
        digits = digits[: digits.index(finish_on_key)]
    if num_digits and num_digits.isdigit() and int(num_digits) > 0:
        digits = digits[: int(num_digits)]
    return digits
