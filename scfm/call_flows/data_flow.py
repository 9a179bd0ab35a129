"""Run a call flow document (`scfm.call_flows.flow_schema`): one webhook request, one `ivr.Step`.

Pure, like the built-in menus: `step(document, call)` reads the dialog's state from the call's
metadata and the caller's digits, and returns the TwiML, the next state and the contact's metadata
writes; `scfm.calls.dialogs.run_step` keeps them. The state is

    status       "answered" before the first request, "waiting" between requests, "finished"
    flow_step    the step that ended the last response (a gather, record or redirect)
    flow_attempts  failed inputs in a row at that gather (its `retries`)

A request resumes at `flow_step`: a gather judges the digits, a record or redirect goes on at
`next`. Steps then run until one waits or ends the call. The document is assumed valid
(`flow_schema.validate`); a malformed one still never raises: the call hangs up.
"""

import logging
from collections.abc import Mapping
from typing import Any

from twilio.twiml.voice_response import VoiceResponse

from scfm.call_flows import ivr
from scfm.call_flows.ews_cambodia import recording_status_callback_url

logger = logging.getLogger(__name__)

NAME = "CallFlowLogic::DataFlow"
WAITING = "waiting"
FINISHED = "finished"
# A valid document cannot run this long in one request (loops without input are refused), but a
# document stored before a check existed could: better to hang up than to spin.
MAX_STEPS_PER_REQUEST = 200


class _Run:
    """One request's walk through the document, collecting TwiML verbs and metadata writes."""

    def __init__(self, document: Mapping[str, Any], call: ivr.Call) -> None:
        self.document = document
        self.call = call
        self.steps = {step["id"]: step for step in document.get("steps") or [] if isinstance(step, Mapping)}
        self.response = VoiceResponse()
        self.contact_metadata = dict(call.contact_metadata)
        self.contact_data: dict[str, Any] = {}
        self.attempts = 0

    # The language of the audio: the contact's `language`, else the document's default, else the
    # first one listed.
    def audio_url(self, audio: Mapping[str, str]) -> str:
        for language in (self.contact_metadata.get("language"), self.document.get("default_language")):
            if isinstance(language, str) and language in audio:
                return audio[language]
        return next(iter(audio.values()))

    def say(self, verb: Any, item: Mapping[str, Any]) -> None:
        options = {key: item[key] for key in ("language", "voice") if key in item}
        verb.say(item["text"], **options)

    def prompt(self, verb: Any, item: Mapping[str, Any]) -> None:
        if item.get("type") == "say":
            self.say(verb, item)
        else:
            verb.play(self.audio_url(item["audio"]))

    def write(self, key: str, value: Any) -> None:
        self.contact_metadata[key] = value
        self.contact_data[key] = value

    def run_from(self, step_id: str | None) -> ivr.Step:
        """Run steps from `step_id` until one waits or the call ends."""
        for _ in range(MAX_STEPS_PER_REQUEST):
            if step_id is None:  # the flow ends here: the provider ends the call after the TwiML
                return self.finish(to=FINISHED)
            step = self.steps.get(step_id)
            if step is None:
                logger.error("Call flow has no step %r; hanging up", step_id)
                return self.hang_up()
            kind = step.get("type")
            if kind == "play":
                self.response.play(self.audio_url(step["audio"]))
            elif kind == "say":
                self.say(self.response, step)
            elif kind == "set_metadata":
                for key, value in step["values"].items():
                    self.write(key, value)
            elif kind == "append_metadata":
                self.append(step)
            elif kind == "branch":
                step_id = self.branch(step)
                continue
            elif kind == "gather":
                return self.gather(step)
            elif kind == "record":
                options = {
                    k: step[k] for k in ("max_length", "timeout", "finish_on_key", "play_beep") if k in step
                }
                # Reported to SCFM's recording webhook, which keeps the recording (reference §9.6).
                callback = recording_status_callback_url(self.call.current_url)
                self.response.record(recording_status_callback=callback, **options)
                return self.finish(to=WAITING, at=step["id"])
            elif kind == "redirect":
                self.response.redirect(self.call.current_url)
                return self.finish(to=WAITING, at=step["id"])
            elif kind == "hangup":
                return self.hang_up()
            else:
                logger.error("Call flow step %r has unknown type %r; hanging up", step_id, kind)
                return self.hang_up()
            step_id = step.get("next")
        logger.error(
            "Call flow ran %s steps without waiting for the caller; hanging up", MAX_STEPS_PER_REQUEST
        )
        return self.hang_up()

    def append(self, step: Mapping[str, Any]) -> None:
        current = self.contact_metadata.get(step["key"])
        values = list(current) if isinstance(current, list) else []
        if not (step.get("unique") and step["value"] in values):
            values.append(step["value"])
        self.write(step["key"], values)

    def branch(self, step: Mapping[str, Any]) -> str:
        value = self.contact_metadata.get(step["key"])
        cases = step.get("cases") or {}
        if isinstance(value, bool):
            value = "true" if value else "false"
        if isinstance(value, (str, int, float)) and str(value) in cases:
            return cases[str(value)]
        if value not in (None, "", [], {}) and "present" in step:
            return step["present"]
        return step["otherwise"]

    def gather(self, step: Mapping[str, Any]) -> ivr.Step:
        options = {k: step[k] for k in ("timeout", "num_digits", "finish_on_key") if k in step}
        menu = self.response.gather(action_on_empty_result=True, **options)
        for item in step.get("prompts") or []:
            self.prompt(menu, item)
        return self.finish(to=WAITING, at=step["id"])

    def hang_up(self) -> ivr.Step:
        self.response.hangup()
        return self.finish(to=FINISHED)

    def finish(self, *, to: str, at: str | None = None) -> ivr.Step:
        call_data: dict[str, Any] = {"flow_step": at}
        if at is not None and at == self.call.metadata.get("flow_step"):
            call_data["flow_attempts"] = self.attempts
        else:
            call_data["flow_attempts"] = 0
        return ivr.Step(self.response, to=to, call_data=call_data, contact_data=self.contact_data)

    def resume(self) -> ivr.Step:
        """Go on from where the last response left the dialog."""
        at = self.call.metadata.get("flow_step")
        step = self.steps.get(at) if isinstance(at, str) else None
        if step is None:
            logger.error("Call flow has no step %r to resume at; hanging up", at)
            return self.hang_up()
        if step.get("type") != "gather":
            return self.run_from(step.get("next"))
        return self.answer(step)

    def answer(self, gather: Mapping[str, Any]) -> ivr.Step:
        """Follow the caller's digits at a gather: a branch, `next`, or a failed attempt."""
        digits = str(self.call.digits or "")
        target = _branch_for(gather.get("branches") or {}, self.call)
        if target is None and digits and "next" in gather:
            target = gather["next"]
        if target is not None:
            if "save_digits_as" in gather:
                self.write(gather["save_digits_as"], digits.rstrip("#"))
            return self.run_from(target)
        previous = self.call.metadata.get("flow_attempts")
        self.attempts = (previous if isinstance(previous, int) else 0) + 1
        retries = gather.get("retries")
        if isinstance(retries, int) and self.attempts > retries:
            self.attempts = 0
            after = gather.get("after_retries")
            return self.run_from(after) if after else self.hang_up()
        fallback = gather.get("on_invalid" if digits else "on_no_input") or gather["id"]
        return self.run_from(fallback)


def _branch_for(branches: Mapping[str, str], call: ivr.Call) -> str | None:
    """The branch the digits select: an exact key, `*` for input starting with it, else the number read."""
    digits = str(call.digits or "")
    if not digits:
        return None
    trimmed = digits.rstrip("#")
    if trimmed in branches:
        return branches[trimmed]
    if call.starts_over:
        return branches.get("*")
    pressed = call.pressed
    if pressed == 0 and not trimmed.lstrip().startswith("0"):
        return None
    for key, target in branches.items():
        if key.isdigit() and int(key) == pressed:
            return target
    return None


def step(document: Mapping[str, Any], call: ivr.Call) -> ivr.Step | None:
    """Answer one TwiML request of a call on the document; None once the dialog has finished."""
    run = _Run(document, call)
    if call.status == FINISHED:
        return None
    if call.status == ivr.INITIAL_STATUS:
        start = document.get("start")
        return run.run_from(start if isinstance(start, str) else None)
    return run.resume()


def run(call: ivr.Call) -> ivr.Step | None:
    """The `ivr.Flow` of data flows: the call's own document (`Call.flow_document`), pinned by the
    step runner to the version the call started with. A call without one hangs up."""
    if call.flow_document is None:
        logger.error("Data flow call without a call flow document; hanging up")
        return None if call.status == FINISHED else _Run({}, call).hang_up()
    return step(call.flow_document, call)
