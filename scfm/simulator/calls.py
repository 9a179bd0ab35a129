"""Play an accepted call: ring, reach its planned outcome, follow its TwiML, report its status."""

from __future__ import annotations

import asyncio
import logging

import httpx

from scfm.simulator.ledger import Call, Callback, iso, now, rfc2822
from scfm.simulator.recordings import SimulatedRecording
from scfm.simulator.twiml import TwimlFollower
from scfm.simulator.webhooks import WebhookSender

logger = logging.getLogger(__name__)

# The SIP response a real network gives for each final status (Twilio reports it as SipResponseCode).
_SIP_RESPONSE_CODES = {"completed": "200", "busy": "486", "no-answer": "487", "failed": "503"}


class CallPlayer:
    """Act out calls over HTTP against the URLs SCFM gave, with the faults each call's plan chose."""

    def __init__(
        self, sender: WebhookSender, recordings: dict[str, SimulatedRecording] | None = None
    ) -> None:
        self.sender = sender
        self.recordings = recordings if recordings is not None else {}  # every call's, by RecordingSid

    async def play(self, call: Call) -> None:
        """Play a call to its final status; never raise, so one broken call cannot affect the others."""
        try:
            await self._play(call)
        except asyncio.CancelledError:
            call.note("stopped: the simulator was reset or shut down")
            raise
        except Exception as error:
            logger.exception("call %s crashed", call.sid)
            call.note(f"simulator error: {type(error).__name__}: {error}")
            if not call.is_final:
                call.set_status("failed")
                call.duration = 0

    async def _play(self, call: Call) -> None:
        held_back: list[Callback] = []
        await self.progress(call, "initiated", "initiated", held_back)
        if call.plan.outcome == "failed":
            # A call that cannot be placed fails without ringing.
            await self.finish(call, "failed", held_back)
            return
        call.set_status("ringing")
        await self.progress(call, "ringing", "ringing", held_back)
        await self.sleep(call, call.plan.ring_seconds)
        if call.plan.outcome != "answered":
            await self.finish(call, call.plan.outcome, held_back)
            return
        call.set_status("in-progress")
        await self.progress(call, "answered", "in-progress", held_back)
        follower = TwimlFollower(
            call,
            sender=self.sender,
            sleep=lambda seconds: self.sleep(call, seconds),
            recordings=self.recordings,
        )
        await follower.run()
        await self.finish(call, "completed", held_back)

    async def sleep(self, call: Call, seconds: float) -> None:
        """Wait simulated seconds, compressed by the call's `time_scale`."""
        delay = seconds * call.knobs.time_scale
        if delay > 0:
            await asyncio.sleep(delay)

    async def progress(self, call: Call, event: str, status: str, held_back: list[Callback]) -> None:
        """Send a progress callback if the call asked for `event`, or hold it back to arrive late."""
        if not call.status_callback or event not in call.status_callback_events:
            return
        callback = self._callback(call, event, call.webhook_params(status))
        if call.plan.reorder_callbacks:
            callback.held_back = True
            held_back.append(callback)
            return
        await self.deliver(call, callback)

    async def finish(self, call: Call, status: str, held_back: list[Callback]) -> None:
        """End the call, then send its final callback (always, as Twilio does) and any held-back ones."""
        call.duration = call.plan.duration if status == "completed" else 0
        call.set_status(status)
        logger.info("call %s to %s: %s (%ss)", call.sid, call.to, status, call.duration)
        if call.status_callback:
            params = {
                **call.webhook_params(status),
                "CallDuration": str(call.duration),
                "SipResponseCode": _SIP_RESPONSE_CODES.get(status, "500"),
            }
            final = self._callback(call, "completed", params)
            if call.plan.drop_final_callback:
                final.dropped = True
            else:
                await self.deliver(call, final)
                if call.plan.duplicate_final_callback:
                    duplicate = Callback(
                        final.event, final.url, final.method, dict(final.params), duplicate=True
                    )
                    call.callbacks.append(duplicate)
                    await self.deliver(call, duplicate)
        # Reordering: the earlier events arrive after the final one, with their original SequenceNumbers.
        for callback in held_back:
            await self.deliver(call, callback)

    def _callback(self, call: Call, event: str, params: dict[str, str]) -> Callback:
        assert call.status_callback is not None
        params = {
            **params,
            "SequenceNumber": str(call.next_sequence_number()),
            "Timestamp": rfc2822(now()) or "",
            "CallbackSource": "call-progress-events",
        }
        callback = Callback(event, call.status_callback, call.status_callback_method, params)
        call.callbacks.append(callback)
        return callback

    async def deliver(self, call: Call, callback: Callback) -> None:
        """POST (or GET) a callback, retrying a 5xx or a connection failure `callback_retries` times."""
        knobs = call.knobs
        for attempt in range(knobs.callback_retries + 1):
            if attempt:
                await asyncio.sleep(knobs.callback_retry_backoff_ms / 1000 * 2 ** (attempt - 1))
            record: dict[str, object] = {"at": iso(now())}
            callback.attempts.append(record)
            try:
                response = await self.sender.send(
                    callback.url, callback.method, callback.params, timeout=knobs.http_timeout_seconds
                )
            except httpx.HTTPError as error:
                record["error"] = f"{type(error).__name__}: {error}"
                continue
            record["status_code"] = response.status_code
            if response.status_code < 500:
                return
        call.note(f"{callback.event} callback not delivered after {len(callback.attempts)} attempt(s)")
