"""Tiny real audio files for upload tests: a WAV from the `wave` module, MP3 frames written by hand."""

import io
import wave

# An MPEG-1 Layer III frame header: 128 kbit/s, 44.1 kHz, no padding → 417-byte frames.
MP3_FRAME_HEADER = bytes([0xFF, 0xFB, 0x90, 0x64])
MP3_FRAME_BYTES = 417


def wav_bytes(*, seconds: float = 0.1, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(b"\x00\x01" * int(seconds * rate))
    return buffer.getvalue()


def mp3_frames(count: int = 3) -> bytes:
    return (MP3_FRAME_HEADER + b"\x00" * (MP3_FRAME_BYTES - 4)) * count


def id3_tag(body_size: int = 20) -> bytes:
    """An ID3v2.3 tag header (its size is a synchsafe integer) and `body_size` bytes of tag."""
    size = bytes([(body_size >> shift) & 0x7F for shift in (21, 14, 7, 0)])
    return b"ID3\x03\x00\x00" + size + b"\x00" * body_size


def mp3_bytes() -> bytes:
    return id3_tag() + mp3_frames()
