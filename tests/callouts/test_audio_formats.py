"""Uploads are recognised by their bytes: the formats Twilio and Somleng play, nothing else."""

import io
import struct

import pytest

from scfm.callouts.audio import AIFF, AU, GSM, MP3, WAV, sniff_audio_format
from tests.callouts.audio_samples import id3_tag, mp3_bytes, mp3_frames, wav_bytes


def sniff(content: bytes):
    return sniff_audio_format(io.BytesIO(content))


def wav_with_format_tag(tag: int) -> bytes:
    """A WAV file whose `fmt ` chunk names `tag`, after a `LIST` chunk (so the chunks are walked)."""
    fmt = struct.pack("<HHIIHH", tag, 1, 8000, 8000, 1, 8)
    chunks = b"LIST" + struct.pack("<I", 5) + b"INFO!\x00" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    chunks += b"data" + struct.pack("<I", 4) + b"\x00" * 4
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (wav_bytes(), WAV),
        (wav_with_format_tag(0x0007), WAV),  # µ-law
        (wav_with_format_tag(0x0006), WAV),  # A-law
        (mp3_bytes(), MP3),
        (mp3_frames(), MP3),
        (mp3_frames(1), MP3),  # one frame is the whole file
        # MPEG-2.5 Layer III, 16 kbit/s at 8 kHz (telephone quality): 144-byte frames.
        ((bytes([0xFF, 0xE3, 0x28, 0xC4]) + b"\x00" * 140) * 3, MP3),
        # MPEG-2 Layer III, 32 kbit/s at 16 kHz: 144-byte frames.
        ((bytes([0xFF, 0xF3, 0x48, 0xC4]) + b"\x00" * 140) * 3, MP3),
        (id3_tag(300) + b"\x00" * 7 + mp3_frames(2), MP3),  # padding after the tag
        (b"FORM\x00\x00\x00\x20AIFFCOMM" + b"\x00" * 24, AIFF),
        (b"FORM\x00\x00\x00\x20AIFCFVER" + b"\x00" * 24, AIFF),
        (b".snd" + struct.pack(">IIIII", 24, 8, 1, 8000, 1) + b"\x7f" * 8, AU),
        (bytes([0xD8] + [0x11] * 32) * 4, GSM),
    ],
    ids=[
        "wav-pcm",
        "wav-ulaw",
        "wav-alaw",
        "mp3-id3",
        "mp3",
        "mp3-one-frame",
        "mpeg-2.5-8khz",
        "mpeg-2-16khz",
        "mp3-padded",
        "aiff",
        "aifc",
        "au-ulaw",
        "gsm",
    ],
)
def test_playable_formats_are_recognised(content, expected):
    assert sniff(content) == expected


@pytest.mark.parametrize(
    "content",
    [
        b"<!DOCTYPE html><html><body>not audio</body></html>",
        b"ID3\x03\x00\x00\x00\x00\x00\x0a" + b"\x00" * 10 + b"<html></html>",  # a tag, then no frame
        b"ID3\x03\x00\x00\x80\x00\x00\x00",  # a size that is not synchsafe
        b"\xff\xfb\x90\x64" + b"<html>" * 100,  # one header followed by anything but a frame
        b"\xff\xfd\x90\x64" + b"\x00" * 500,  # Layer II, not III
        wav_with_format_tag(0x0055),  # MP3 inside WAV: not what the providers play as WAV
        b"RIFF\x04\x00\x00\x00WAVE",  # no fmt chunk
        b"OggS\x00\x02" + b"\x00" * 40,
        b"fLaC\x00\x00\x00\x22" + b"\x00" * 40,
        b"\x00\x00\x00\x20ftypM4A " + b"\x00" * 40,
        b"MZ\x90\x00",
        bytes([0xD8] + [0x11] * 32) * 3 + b"\x00",  # not whole GSM frames
        b"",
    ],
    ids=[
        "html",
        "id3-then-html",
        "bad-id3-size",
        "one-mp3-header",
        "layer-2",
        "wav-mp3",
        "wav-no-fmt",
        "ogg",
        "flac",
        "m4a",
        "exe",
        "gsm-truncated",
        "empty",
    ],
)
def test_other_bytes_are_refused(content):
    assert sniff(content) is None


def test_the_file_is_read_from_its_start_again_after_sniffing():
    upload = io.BytesIO(wav_bytes())
    upload.seek(10)
    sniff_audio_format(upload)
    assert upload.tell() == 0
