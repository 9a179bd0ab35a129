"""A callout's content settings: its default language, audio, text and voice per language.

They live in the free `settings` JSON beside the delivery settings (scfm.callouts.delivery), so the
reference's contract is unchanged: `audio_url` stays the default language's audio. How a call
chooses among them is in scfm.call_flows.languages; this module checks what is written (messages
for a 422 under `settings`).
"""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from scfm.call_flows.languages import normalize_language

DEFAULT_LANGUAGE = "default_language"
AUDIO_URLS = "audio_urls"
MESSAGE_TEXT = "message_text"
SAY_VOICES = "say_voices"
CONTENT_KEYS = (DEFAULT_LANGUAGE, AUDIO_URLS, MESSAGE_TEXT, SAY_VOICES)
# A provider's voice name: "man", "Polly.Joanna", "Google.en-US-Standard-C", "Azure.km-KH-SreymomNeural".
VOICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
# Twilio reads at most 4,096 characters in one <Say>.
MAX_TEXT_LENGTH = 4096
LANGUAGE_HINT = 'a language tag like "km", "en" or "en-US"'


def content_settings_errors(settings: Any) -> list[str]:
    """Return what is wrong with a callout's content settings (messages for `settings`)."""
    if not isinstance(settings, dict):
        return []  # reported as "is invalid" by the caller
    errors = []
    if settings.get(DEFAULT_LANGUAGE) is not None and normalize_language(settings[DEFAULT_LANGUAGE]) is None:
        errors.append(f"{DEFAULT_LANGUAGE} must be {LANGUAGE_HINT}")
    if AUDIO_URLS in settings:
        errors += _per_language_errors(AUDIO_URLS, settings[AUDIO_URLS], _audio_url_error, "audio URLs")
    if MESSAGE_TEXT in settings and not isinstance(settings[MESSAGE_TEXT], str):
        errors += _per_language_errors(MESSAGE_TEXT, settings[MESSAGE_TEXT], _text_error, "texts")
    elif isinstance(settings.get(MESSAGE_TEXT), str):
        errors += [f"{MESSAGE_TEXT} {problem}" for problem in _text_error(settings[MESSAGE_TEXT])]
    if SAY_VOICES in settings:
        errors += _per_language_errors(SAY_VOICES, settings[SAY_VOICES], voice_problems, "voice names")
    per_language = isinstance(settings.get(AUDIO_URLS), dict) and settings[AUDIO_URLS]
    per_language = per_language or (isinstance(settings.get(MESSAGE_TEXT), dict) and settings[MESSAGE_TEXT])
    if per_language and settings.get(DEFAULT_LANGUAGE) is None:
        # It is the language of `audio_url` and of the contacts whose language the callout lacks.
        errors.append(f"{DEFAULT_LANGUAGE} is required with {AUDIO_URLS} or {MESSAGE_TEXT} per language")
    return errors


def _per_language_errors(key: str, value: Any, item_error, what: str) -> list[str]:
    if not isinstance(value, dict):
        return [f'{key} must be an object of {what} by language, like {{"km": …, "en": …}}']
    errors = []
    seen: dict[str, str] = {}
    for language, item in value.items():
        tag = normalize_language(language)
        if tag is None:
            errors.append(f"{key} names {language!r}, which is not {LANGUAGE_HINT}")
            continue
        if tag in seen:
            errors.append(f"{key} names the same language twice ({seen[tag]!r} and {language!r})")
        seen[tag] = language
        errors += [f"{key} {language} {problem}" for problem in item_error(item)]
    return errors


def _audio_url_error(value: Any) -> list[str]:
    if not isinstance(value, str):
        return ["must be an http:// or https:// address"]
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        return ["must be an http:// or https:// address"]
    return []


def voice_problems(value: Any) -> list[str]:
    """Why `value` cannot be a `<Say voice>` name (an empty list when it can)."""
    if not isinstance(value, str) or not VOICE_NAME.match(value):
        return ['must be a voice name like "Polly.Joanna" (letters, digits, ".", "-", "_")']
    return []


def _text_error(value: Any) -> list[str]:
    if not isinstance(value, str) or not value.strip():
        return ["must be a text that is not blank"]
    if len(value) > MAX_TEXT_LENGTH:
        return [f"must be at most {MAX_TEXT_LENGTH} characters"]
    return []
