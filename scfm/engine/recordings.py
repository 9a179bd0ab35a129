"""The recordings loop: download the audio of recordings the provider announced (reference §9.6).

The recording status callback only stores the recording, so a slow provider never holds a web
worker; this loop fetches `RecordingUrl.mp3` with the account's credentials and keeps it through
the recordings' storage. Failures are retried with a growing delay (scfm.calls.recordings).
"""

import logging
from datetime import datetime

from django.utils import timezone

from scfm.calls.recordings import claim_audio_fetch, due_recording_ids, record_fetch_failure, store_audio
from scfm.engine.providers import provider_config
from scfm.telephony.provider import ProviderBusy, ProviderError, fetch_recording_audio

logger = logging.getLogger(__name__)

BATCH = 10


def tick(now: datetime | None = None) -> bool:
    """Fetch the audio of up to BATCH due recordings; return whether any was due."""
    now = now or timezone.now()
    due = due_recording_ids(now=now, limit=BATCH)
    for recording_id in due:
        fetch_audio(recording_id, now=now)
    return bool(due)


def fetch_audio(recording_id: int, *, now: datetime) -> None:
    """Fetch and store one recording's audio, unless another engine has claimed it."""
    recording = claim_audio_fetch(recording_id, now=now)
    if recording is None:
        return
    try:
        content = fetch_recording_audio(provider_config(recording.account), recording.external_recording_url)
    except ProviderError as error:
        logger.warning("Fetching the audio of recording %s failed: %s", recording.pk, error.message)
        record_fetch_failure(
            recording, error=error.message, now=timezone.now(), retry=isinstance(error, ProviderBusy)
        )
        return
    store_audio(recording, content)
    logger.info("Stored the audio of recording %s (%d bytes)", recording.pk, len(content))
