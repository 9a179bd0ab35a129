"""Recordings: created from the provider's recording status callback, their audio fetched later.

The callback (reference §9.6) only records that a recording exists; the audio is downloaded by the
engine's recordings loop (scfm.engine.recordings), so a slow provider never holds a web worker.
Each fetch is claimed with a lease (several engines may run), retried with a growing delay while
the provider fails, and given up after `MAX_FETCH_ATTEMPTS`.
"""

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from scfm.accounts.models import Account
from scfm.calls.event_lookup import PhoneCallNotFound, phone_call_with_call_sid
from scfm.calls.models import Recording

logger = logging.getLogger(__name__)

COMPLETED = "completed"  # the only RecordingStatus with audio to fetch ("absent", "failed" have none)
FETCH_LEASE = timedelta(minutes=2)  # an engine that died mid-fetch leaves it to another after this
FIRST_RETRY_DELAY = timedelta(seconds=15)
MAX_RETRY_DELAY = timedelta(hours=1)
MAX_FETCH_ATTEMPTS = 12  # about six hours of trying

# What the audio is, from its first bytes: providers answer `.mp3`, the simulator gives WAV.
_SIGNATURES = (
    (b"RIFF", "audio/wav", "wav"),
    (b"ID3", "audio/mpeg", "mp3"),
    (b"\xff\xfb", "audio/mpeg", "mp3"),
    (b"\xff\xf3", "audio/mpeg", "mp3"),
    (b"\xff\xf2", "audio/mpeg", "mp3"),
    (b"OggS", "audio/ogg", "ogg"),
)


def record_recording_status(
    *, account: Account, params: Mapping[str, Any], now: datetime | None = None
) -> Recording | None:
    """Create the recording a status callback announces; return it, or None when it has no audio.

    `params` are the output of `scfm.telephony.payloads.clean_recording_status_params`. The call is
    found by CallSid; PhoneCallNotFound when it is unknown or another account's. A repeated callback
    returns the recording already stored.
    """
    phone_call = phone_call_with_call_sid(params["CallSid"])
    if phone_call is None or phone_call.account_id != account.pk:
        raise PhoneCallNotFound(params["CallSid"])
    if params["RecordingStatus"] != COMPLETED:
        logger.info(
            "Recording %s of call %s is %s: nothing to fetch",
            params["RecordingSid"],
            phone_call.pk,
            params["RecordingStatus"],
        )
        return None
    existing: Recording | None = Recording.objects.filter(
        external_recording_id=params["RecordingSid"]
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            created: Recording = Recording.objects.create(
                account_id=phone_call.account_id,
                phone_call=phone_call,
                contact_id=phone_call.contact_id,
                external_recording_id=params["RecordingSid"],
                external_recording_url=params["RecordingUrl"],
                duration=params["RecordingDuration"],
                audio_fetch_due_at=now or timezone.now(),
            )
    except IntegrityError:
        # The same callback, delivered twice at once: the other request stored it.
        stored: Recording = Recording.objects.get(external_recording_id=params["RecordingSid"])
        return stored
    return created


def due_recording_ids(*, now: datetime, limit: int) -> list[int]:
    """Return recordings whose audio fetch is due, oldest due first."""
    return list(
        Recording.objects.filter(audio_fetch_due_at__lte=now)
        .order_by("audio_fetch_due_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def claim_audio_fetch(recording_id: int, *, now: datetime) -> Recording | None:
    """Take the fetch of one recording's audio for `FETCH_LEASE`; None when another engine has it."""
    claimed = Recording.objects.filter(pk=recording_id, audio_fetch_due_at__lte=now).update(
        audio_fetch_due_at=now + FETCH_LEASE, audio_fetch_attempts=F("audio_fetch_attempts") + 1
    )
    if not claimed:
        return None
    recording: Recording = Recording.objects.select_related("account").get(pk=recording_id)
    return recording


def sniff_audio(content: bytes) -> tuple[str, str]:
    """Return (content type, file extension) of audio bytes; unknown bytes are kept as mp3, the
    format the reference asks the provider for."""
    for prefix, content_type, extension in _SIGNATURES:
        if content.startswith(prefix):
            return content_type, extension
    return "audio/mpeg", "mp3"


def store_audio(recording: Recording, content: bytes) -> Recording:
    """Keep the fetched audio as `<RecordingSid>.<ext>` in the recordings' storage; the fetch is done."""
    content_type, extension = sniff_audio(content)
    stored_name = recording.audio_file.storage.save(
        f"{recording.account_id}/{recording.external_recording_id}.{extension}", ContentFile(content)
    )
    Recording.objects.filter(pk=recording.pk).update(
        audio_file=stored_name,
        audio_content_type=content_type,
        audio_fetch_due_at=None,
        audio_fetch_error="",
        updated_at=timezone.now(),
    )
    recording.refresh_from_db()
    return recording


def record_fetch_failure(recording: Recording, *, error: str, now: datetime, retry: bool = True) -> None:
    """Note why the audio could not be fetched; try again later unless attempts or `retry` ran out."""
    attempts = recording.audio_fetch_attempts
    give_up = not retry or attempts >= MAX_FETCH_ATTEMPTS
    delay = min(FIRST_RETRY_DELAY * 2 ** max(attempts - 1, 0), MAX_RETRY_DELAY)
    if give_up:
        logger.warning(
            "Giving up the audio of recording %s after %d attempts: %s", recording.pk, attempts, error
        )
    Recording.objects.filter(pk=recording.pk).update(
        audio_fetch_due_at=None if give_up else now + delay,
        audio_fetch_error=error[:2000],
        updated_at=timezone.now(),
    )


def open_audio(recording: Recording) -> Any:
    """Open the stored audio for reading (the caller streams it and closes it)."""
    return recording.audio_file.open("rb")
