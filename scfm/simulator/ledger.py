"""The record of one accepted call: what was asked, what was decided, and everything that happened."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from scfm.simulator.config import Digits, Knobs

API_VERSION = "2010-04-01"
FINAL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})


def now() -> datetime:
    return datetime.now(UTC)


def rfc2822(moment: datetime | None) -> str | None:
    """Format a time the way the Twilio API does (`Tue, 31 Aug 2010 20:36:28 +0000`)."""
    return None if moment is None else format_datetime(moment)


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class CallPlan:
    """What the simulator decided for a call when it accepted it (drawn from the seeded RNG)."""

    outcome: str
    duration: int
    digits: Digits
    ring_seconds: float
    duplicate_final_callback: bool = False
    reorder_callbacks: bool = False
    drop_final_callback: bool = False
    rule: str | None = None

    def digits_for_gather(self, index: int) -> str:
        """Return the digits pressed at the `index`-th Gather (a list: one entry per Gather, then none)."""
        if isinstance(self.digits, str):
            return self.digits
        return self.digits[index] if index < len(self.digits) else ""


@dataclass
class Callback:
    """One status callback: its parameters, and each HTTP attempt to deliver it."""

    event: str
    url: str
    method: str
    params: dict[str, str]
    duplicate: bool = False
    held_back: bool = False
    dropped: bool = False
    attempts: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "status": self.params["CallStatus"],
            "sequence_number": int(self.params["SequenceNumber"]),
            "url": self.url,
            "method": self.method,
            "params": self.params,
            "duplicate": self.duplicate,
            "held_back": self.held_back,
            "dropped": self.dropped,
            "attempts": self.attempts,
        }


@dataclass
class Call:
    """An accepted call, shown as a Twilio Call resource by the API and in full by the ledger."""

    sid: str
    account_sid: str
    to: str
    from_: str
    url: str
    method: str
    status_callback: str | None
    status_callback_method: str
    status_callback_events: tuple[str, ...]
    plan: CallPlan
    knobs: Knobs
    status: str = "queued"
    date_created: datetime = field(default_factory=now)
    date_updated: datetime = field(default_factory=now)
    start_time: datetime | None = None
    answered_at: datetime | None = None
    end_time: datetime | None = None
    duration: int | None = None
    response_error: int | None = None
    sequence_number: int = 0
    callbacks: list[Callback] = field(default_factory=list)
    twiml_requests: list[dict[str, Any]] = field(default_factory=list)
    digits_sent: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Where the Calls API was reached (scheme://host), for the RecordingUrls of this call.
    api_base_url: str = ""
    recordings: list[Any] = field(default_factory=list)  # SimulatedRecording, see recordings.py

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def uri(self) -> str:
        return f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{self.sid}.json"

    def set_status(self, status: str) -> None:
        """Move the call to `status`, stamping the times Twilio reports for it."""
        moment = now()
        self.status = status
        self.date_updated = moment
        if status == "ringing" and self.start_time is None:
            self.start_time = moment
        elif status == "in-progress":
            self.answered_at = moment
        elif status in FINAL_STATUSES:
            self.start_time = self.start_time or moment
            self.end_time = moment

    def note(self, message: str) -> None:
        self.notes.append(f"{iso(now())} {message}")

    def next_sequence_number(self) -> int:
        number = self.sequence_number
        self.sequence_number += 1
        return number

    def webhook_params(self, status: str) -> dict[str, str]:
        """Return the parameters every request to SCFM about this call carries."""
        return {
            "CallSid": self.sid,
            "AccountSid": self.account_sid,
            "From": self.from_,
            "To": self.to,
            "Direction": "outbound-api",
            "CallStatus": status,
            "ApiVersion": API_VERSION,
        }

    def resource(self) -> dict[str, Any]:
        """Return the call as the Twilio API shows it (fields twilio-python's CallInstance reads)."""
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "parent_call_sid": None,
            "to": self.to,
            "to_formatted": self.to,
            "from": self.from_,
            "from_formatted": self.from_,
            "phone_number_sid": None,
            "status": self.status,
            "direction": "outbound-api",
            "api_version": API_VERSION,
            "date_created": rfc2822(self.date_created),
            "date_updated": rfc2822(self.date_updated),
            "start_time": rfc2822(self.start_time),
            "end_time": rfc2822(self.end_time),
            "duration": None if self.duration is None else str(self.duration),
            "price": None,
            "price_unit": "USD",
            "answered_by": None,
            "annotation": None,
            "forwarded_from": None,
            "group_sid": None,
            "caller_name": None,
            "queue_time": "0",
            "trunk_sid": None,
            "uri": self.uri,
            "subresource_uris": {
                "notifications": self.uri.replace(".json", "/Notifications.json"),
                "recordings": self.uri.replace(".json", "/Recordings.json"),
            },
        }

    def ledger_entry(self) -> dict[str, Any]:
        """Return everything known about the call, for `GET /simulator/calls`."""
        return {
            "sid": self.sid,
            "to": self.to,
            "from": self.from_,
            "url": self.url,
            "method": self.method,
            "status_callback": self.status_callback,
            "status_callback_method": self.status_callback_method,
            "status_callback_events": list(self.status_callback_events),
            "status": self.status,
            "outcome": self.plan.outcome,
            "rule": self.plan.rule,
            "duration": self.duration,
            "planned_duration": self.plan.duration,
            "faults": {
                "duplicate_final_callback": self.plan.duplicate_final_callback,
                "reorder_callbacks": self.plan.reorder_callbacks,
                "drop_final_callback": self.plan.drop_final_callback,
                "response_error": self.response_error,
            },
            "digits": self.digits_sent,
            "date_created": iso(self.date_created),
            "start_time": iso(self.start_time),
            "answered_at": iso(self.answered_at),
            "end_time": iso(self.end_time),
            "twiml_requests": self.twiml_requests,
            "callbacks": [callback.to_dict() for callback in self.callbacks],
            "notes": self.notes,
            "recordings": [recording.ledger_entry() for recording in self.recordings],
        }
