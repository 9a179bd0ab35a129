"""Recordings made by a `<Record>` verb: a short generated WAV, served like Twilio's Recordings.

No audio library: the standard library's `wave` writes a tone, long enough for a player to show
it plays. Twilio serves a recording at `RecordingUrl` + `.mp3` or `.wav`; the simulator serves the
same WAV bytes at both (a player sniffs the bytes, not the extension).
"""

from __future__ import annotations

import io
import math
import struct
import uuid
import wave
from dataclasses import dataclass, field
from datetime import datetime

from scfm.simulator.ledger import API_VERSION, iso, now, rfc2822

SAMPLE_RATE = 8000  # telephone audio
TONE_HZ = 440.0
MAX_SECONDS = 5  # whatever the call's maxLength: a recording's length does not matter here


def make_wav(seconds: int) -> bytes:
    """Return a mono 16-bit WAV of a quiet tone lasting `seconds` (1 to MAX_SECONDS)."""
    frames = SAMPLE_RATE * max(1, min(seconds, MAX_SECONDS))
    samples = (int(6000 * math.sin(2 * math.pi * TONE_HZ * i / SAMPLE_RATE)) for i in range(frames))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(struct.pack(f"<{frames}h", *samples))
    return buffer.getvalue()


@dataclass
class SimulatedRecording:
    """One recording of a call, with the URL it is served at (the Calls API's host)."""

    sid: str
    call_sid: str
    account_sid: str
    duration: int
    audio: bytes
    url: str  # RecordingUrl: without an extension, as Twilio sends it
    date_created: datetime = field(default_factory=now)
    fetches: int = 0

    @classmethod
    def make(cls, *, call_sid: str, account_sid: str, api_base_url: str, duration: int) -> SimulatedRecording:
        sid = f"RE{uuid.uuid4().hex}"
        url = f"{api_base_url}/{API_VERSION}/Accounts/{account_sid}/Recordings/{sid}"
        return cls(sid, call_sid, account_sid, duration, make_wav(duration), url)

    def callback_params(self) -> dict[str, str]:
        """The parameters of the recording status callback (Twilio's names)."""
        return {
            "AccountSid": self.account_sid,
            "CallSid": self.call_sid,
            "RecordingSid": self.sid,
            "RecordingUrl": self.url,
            "RecordingStatus": "completed",
            "RecordingDuration": str(self.duration),
            "RecordingChannels": "1",
            "RecordingStartTime": rfc2822(self.date_created) or "",
            "RecordingSource": "RecordVerb",
        }

    def ledger_entry(self) -> dict[str, object]:
        return {
            "sid": self.sid,
            "url": self.url,
            "duration": self.duration,
            "bytes": len(self.audio),
            "format": "wav",
            "date_created": iso(self.date_created),
            "fetches": self.fetches,
        }
