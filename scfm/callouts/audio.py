"""A callout's audio: checks on an uploaded file or an audio URL, and storing or removing the file.

Files go through Django's storage API (local files or S3); an upload fills `audio_url` (or the
language's entry in `settings.audio_urls`) with the file's public URL, which
`CallFlowLogic::PlayMessage` plays (scfm.call_flows.logics).
"""

import os
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _

from scfm.call_flows.languages import normalize_language
from scfm.call_flows.logics import absolute_media_url
from scfm.callouts.content import AUDIO_URLS, DEFAULT_LANGUAGE
from scfm.callouts.models import Callout


# The formats both providers play. Twilio's <Play> takes MP3, WAV, AIFF, GSM and µ-law (audio/basic);
# Somleng plays through FreeSWITCH, whose file formats cover WAV, AIFF and Sun/NeXT .au (libsndfile),
# MP3 (mod_shout) and raw GSM. Ogg, M4A, FLAC… are refused: the provider would fail on the call.
# A file is recognised by its bytes (magic numbers, headers), never by its name or the browser's
# content type; it is stored under the extension of what it holds, which decides the type served.
@dataclass(frozen=True)
class AudioFormat:
    name: str
    extension: str
    content_type: str


MP3 = AudioFormat("MP3", ".mp3", "audio/mpeg")
WAV = AudioFormat("WAV", ".wav", "audio/wav")
AIFF = AudioFormat("AIFF", ".aiff", "audio/aiff")
AU = AudioFormat("µ-law (.au)", ".au", "audio/basic")
GSM = AudioFormat("GSM", ".gsm", "audio/x-gsm")
AUDIO_FORMATS = (MP3, WAV, AIFF, AU, GSM)
AUDIO_EXTENSIONS = tuple(audio_format.extension for audio_format in AUDIO_FORMATS)

# WAVE format tags a telephone plays: PCM, A-law, µ-law, and the extensible header around PCM.
WAVE_FORMAT_TAGS = {0x0001, 0x0006, 0x0007, 0xFFFE}
# MPEG audio Layer III: bit rates (kbit/s) by index for MPEG-1, and for MPEG-2 and 2.5.
MP3_BIT_RATES = {
    3: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
MP3_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
GSM_FRAME_BYTES = 33  # GSM 06.10: 33-byte frames, each starting with the 0xD signature nibble
# How far past an ID3 tag the first MPEG frame may start (padding some encoders leave).
MP3_SYNC_SEARCH_BYTES = 4096


def sniff_audio_format(upload) -> AudioFormat | None:
    """Return the playable format `upload` (a file object) holds, by its bytes; None if none."""
    upload.seek(0)
    head = upload.read(16)
    try:
        if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
            return WAV if _wave_format_tag(upload) in WAVE_FORMAT_TAGS else None
        if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
            return AIFF
        if head[:4] == b".snd" and len(head) >= 16 and int.from_bytes(head[12:16], "big") in (1, 2, 3, 27):
            return AU  # encodings: µ-law, 8- and 16-bit PCM, A-law
        if head[:3] == b"ID3" or head[:1] == b"\xff":
            return MP3 if _is_mp3(upload, head) else None
        if _is_gsm(upload):
            return GSM
        return None
    finally:
        upload.seek(0)


def _wave_format_tag(upload) -> int | None:
    """The format tag of the WAVE file's `fmt ` chunk (the chunks after the 12-byte header)."""
    upload.seek(12)
    for _chunk in range(32):
        header = upload.read(8)
        if len(header) < 8:
            return None
        size = int.from_bytes(header[4:], "little")
        if header[:4] == b"fmt ":
            body = upload.read(2)
            return int.from_bytes(body, "little") if len(body) == 2 else None
        upload.seek(size + (size & 1), os.SEEK_CUR)  # chunks are padded to an even size
    return None


def _is_mp3(upload, head: bytes) -> bool:
    """An MPEG Layer III frame, after the ID3v2 tag if there is one, followed by a second frame (or
    the end of the file): one valid-looking header alone could be chance."""
    offset = 0
    if head[:3] == b"ID3":
        size_bytes = head[6:10]
        if len(size_bytes) < 4 or any(byte & 0x80 for byte in size_bytes) or head[3] not in (2, 3, 4):
            return False
        size = 0
        for byte in size_bytes:  # a "synchsafe" integer: 7 bits a byte
            size = (size << 7) | byte
        offset = 10 + size + (10 if head[5] & 0x10 else 0)  # the footer flag adds 10 bytes
        upload.seek(offset)
        window = upload.read(MP3_SYNC_SEARCH_BYTES)
        skip = next((index for index, byte in enumerate(window) if byte == 0xFF), None)
        if skip is None:
            return False
        offset += skip
    upload.seek(offset)
    length = _mp3_frame_length(upload.read(4))
    if length is None:
        return False
    upload.seek(offset + length)
    following = upload.read(4)
    return not following or following[:3] == b"TAG" or _mp3_frame_length(following) is not None


def _mp3_frame_length(header: bytes) -> int | None:
    """The length in bytes of the MPEG Layer III frame `header` starts, or None if it is not one."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version = (header[1] >> 3) & 0b11  # 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5, 1: reserved
    layer = (header[1] >> 1) & 0b11  # 1: Layer III
    bit_rate_index = header[2] >> 4
    sample_rate_index = (header[2] >> 2) & 0b11
    if version == 1 or layer != 1 or bit_rate_index in (0, 15) or sample_rate_index == 3:
        return None
    bit_rate = MP3_BIT_RATES[3 if version == 3 else 2][bit_rate_index] * 1000
    sample_rate = MP3_SAMPLE_RATES[version][sample_rate_index]
    padding = (header[2] >> 1) & 1
    return (144 if version == 3 else 72) * bit_rate // sample_rate + padding


def _is_gsm(upload) -> bool:
    """Raw GSM 06.10: whole 33-byte frames, each with the 0xD signature in its first nibble."""
    upload.seek(0, os.SEEK_END)
    size = upload.tell()
    if size == 0 or size % GSM_FRAME_BYTES:
        return False
    upload.seek(0)
    for _frame in range(min(size // GSM_FRAME_BYTES, 64)):
        if upload.read(GSM_FRAME_BYTES)[0] & 0xF0 != 0xD0:
            return False
    return True


def formats_text() -> str:
    return ", ".join(audio_format.name for audio_format in AUDIO_FORMATS)


def upload_problems(upload) -> list[str]:
    """Why an uploaded file cannot be a callout's audio (an empty list when it can)."""
    limit = settings.SCFM_MAX_AUDIO_UPLOAD_BYTES
    if upload.size > limit:
        return [
            _("The audio file is too large (%(size).1f MB); the limit is %(limit).1f MB.")
            % {"size": upload.size / 1024 / 1024, "limit": limit / 1024 / 1024}
        ]
    if upload.size == 0:
        return [_("The audio file is empty.")]
    if sniff_audio_format(upload) is None:
        return [
            _("The audio file must be one the phone providers play: %(formats)s. Convert it to MP3 or WAV.")
            % {"formats": formats_text()}
        ]
    return []


def url_problems(audio_url: str) -> list[str]:
    """The dashboard asks for a web address the provider can fetch (the API accepts any text)."""
    if not audio_url:
        return []
    try:
        URLValidator(schemes=["http", "https"])(audio_url)
    except ValidationError:
        return [_("The audio URL must be an http:// or https:// address.")]
    return []


def delete_file_after_commit(field: FieldFile) -> None:
    """Delete the stored file once the transaction that dropped it commits (never before)."""
    if field and field.name:
        storage, name = field.storage, field.name
        transaction.on_commit(lambda: storage.delete(name))


def stored_file_url(storage, name: str) -> str:
    """The absolute public URL the provider fetches a stored file from."""
    return absolute_media_url(storage.url(name))


def _stored_name(upload) -> str:
    """A name nobody can guess (the file is public), keeping the original name for people, with the
    extension of the format the file holds (it decides the content type the file is served with)."""
    stem = os.path.splitext(os.path.basename(upload.name or "audio"))[0] or "audio"
    audio_format = sniff_audio_format(upload)
    extension = audio_format.extension if audio_format else os.path.splitext(upload.name or "")[1]
    return f"{uuid.uuid4().hex}-{stem}{extension}"


@transaction.atomic
def replace_audio_file(*, callout: Callout, upload, language: str | None = None) -> None:
    """Store `upload` as the callout's audio in `language` (None removes it); the old file goes
    after the commit.

    The default language's audio (no `language`, or the callout's `default_language`) is the
    callout's `audio_file`, and its public URL fills `audio_url`, as the reference's processor did.
    Another language's file is stored beside it and its URL goes to `settings.audio_urls`.
    """
    tag = normalize_language(language) if language else None
    settings_ = callout.settings if isinstance(callout.settings, dict) else {}
    if tag is None or tag == normalize_language(settings_.get(DEFAULT_LANGUAGE)):
        _replace_default_audio(callout, upload)
    else:
        _replace_language_audio(callout, upload, tag)


def _replace_default_audio(callout: Callout, upload) -> None:
    old = callout.audio_file
    old_url = stored_file_url(old.storage, old.name) if old and old.name else None
    delete_file_after_commit(old)
    if upload is None:
        callout.audio_file = None
        if old_url is not None and callout.audio_url == old_url:
            callout.audio_url = None
    else:
        callout.audio_file.save(_stored_name(upload), upload, save=False)
        callout.audio_url = stored_file_url(callout.audio_file.storage, callout.audio_file.name)
    callout.save(update_fields=["audio_file", "audio_url", "updated_at"])


def _replace_language_audio(callout: Callout, upload, tag: str) -> None:
    storage = callout.audio_file.storage
    upload_to = Callout._meta.get_field("audio_file").upload_to
    settings_ = dict(callout.settings) if isinstance(callout.settings, dict) else {}
    audio_urls = dict(settings_.get(AUDIO_URLS) or {})
    key = next((key for key in audio_urls if normalize_language(key) == tag), tag)
    old_name = _own_file_name(storage, audio_urls.get(key), upload_to)
    if old_name is not None:
        transaction.on_commit(lambda: storage.delete(old_name))
    if upload is None:
        audio_urls.pop(key, None)
    else:
        name = storage.save(f"{upload_to}{_stored_name(upload)}", upload)
        audio_urls[key] = stored_file_url(storage, name)
    settings_[AUDIO_URLS] = audio_urls
    callout.settings = settings_
    callout.save(update_fields=["settings", "updated_at"])


def delete_dropped_language_files(*, callout: Callout, previous_settings) -> None:
    """Delete, after the commit, the files this module stored for languages whose audio URL the
    callout's new settings no longer name (a row removed in the dashboard, a key dropped by the API)."""
    storage = callout.audio_file.storage
    upload_to = Callout._meta.get_field("audio_file").upload_to
    kept = set(_audio_urls(callout.settings).values())
    for url in set(_audio_urls(previous_settings).values()) - kept:
        name = _own_file_name(storage, url, upload_to)
        if name is not None:
            transaction.on_commit(lambda name=name: storage.delete(name))


def _audio_urls(settings_) -> dict:
    audio_urls = settings_.get(AUDIO_URLS) if isinstance(settings_, dict) else None
    return audio_urls if isinstance(audio_urls, dict) else {}


def _own_file_name(storage, url, upload_to: str) -> str | None:
    """The storage name of a file this module stored at `url`, or None for anybody else's URL."""
    if not isinstance(url, str):
        return None
    prefix = stored_file_url(storage, upload_to)
    if not url.startswith(prefix):
        return None
    name = upload_to + url[len(prefix) :]
    return name if "/" not in name[len(upload_to) :] and storage.exists(name) else None
