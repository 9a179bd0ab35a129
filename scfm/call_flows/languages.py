"""What a Play Message callout says to one contact: audio per language, else its text spoken.

A callout's content lives in its `settings` (additive to the reference's contract; the writes are
validated in scfm.callouts.content):

- `default_language`: the language of `audio_url` (the reference's field) and of a plain-text
  `message_text`; the language a contact without a known language hears;
- `audio_urls`: {"km": "https://…/km.mp3", "en": …}, audio per language (`audio_url` wins for the
  default language: it is the reference's field, and the dashboard's upload fills it);
- `message_text`: {"km": "…", "en": …} per language, or one text in the default language;
- `say_voices`: {"km": "Azure.km-KH-SreymomNeural", "en": "Polly.Joanna"}, the `<Say voice>` of a
  language's text (a provider's default voice may not speak it: Twilio's "man" speaks only a few
  European languages; Somleng names its voices "Basic.Kal", "Polly.…", "Azure.…").

The contact's metadata `language` (else `language_code`, which the Cambodian registration writes as
ISO 639-3: "khm", "jra"…) picks the language; the callout's default language otherwise. For that
language the audio is played, else its text is spoken with `<Say language=…>`; a language with
neither falls back to the default language's audio, then its text. Pure: no database access.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# BCP 47, the parts a voice call needs: a language (2 or 3 letters), an optional script (4 letters)
# and an optional region (2 letters or 3 digits): "km", "en-US", "zh-Hant-TW", "cmo".
LANGUAGE_TAG = re.compile(r"^([A-Za-z]{2,3})(?:-([A-Za-z]{4}))?(?:-([A-Za-z]{2}|[0-9]{3}))?$")
# ISO 639-3 codes that have a two-letter form, so a contact registered as "khm" hears "km" audio.
TWO_LETTER_CODES = {
    "khm": "km",
    "lao": "lo",
    "eng": "en",
    "tha": "th",
    "vie": "vi",
    "fra": "fr",
    "spa": "es",
    "por": "pt",
    "deu": "de",
    "zho": "zh",
    "mya": "my",
    "ind": "id",
    "swa": "sw",
    "hin": "hi",
    "ben": "bn",
}
# The locale a bare language is spoken in by Twilio's `<Say language>` (it takes locales such as
# "en-US"; a bare "km" is not one of them). Somleng reads the attribute the same way and picks a
# voice of that locale (its voices come from Amazon Polly and Azure; Azure has km-KH).
SAY_LOCALES = {
    "km": "km-KH",
    "lo": "lo-LA",
    "en": "en-US",
    "th": "th-TH",
    "vi": "vi-VN",
    "fr": "fr-FR",
    "es": "es-ES",
    "pt": "pt-BR",
    "de": "de-DE",
    "zh": "cmn-CN",
    "my": "my-MM",
    "id": "id-ID",
    "sw": "sw-KE",
    "hi": "hi-IN",
    "bn": "bn-IN",
}


def normalize_language(value: Any) -> str | None:
    """Return `value` as a canonical language tag ("KM" → "km", "en-us" → "en-US", "khm" → "km"),
    or None when it is not one."""
    if not isinstance(value, str):
        return None
    match = LANGUAGE_TAG.match(value.strip().replace("_", "-"))
    if match is None:
        return None
    language, script, region = match.groups()
    language = TWO_LETTER_CODES.get(language.lower(), language.lower())
    parts = [language, script.title() if script else None, region.upper() if region else None]
    return "-".join(part for part in parts if part)


def primary_language(tag: str) -> str:
    """The language subtag of a canonical tag: "en-US" → "en"."""
    return tag.split("-", 1)[0]


def say_language(tag: str) -> str:
    """The `<Say language>` value for a canonical tag: a locale, "km" → "km-KH"; kept when it has a
    region already, or when no locale is known for it (the provider then decides)."""
    if "-" in tag:
        return tag
    return SAY_LOCALES.get(tag, tag)


@dataclass(frozen=True)
class Play:
    url: str


@dataclass(frozen=True)
class Say:
    text: str
    language: str | None  # the `<Say language>` value; None leaves the provider's default
    voice: str | None = None  # the `<Say voice>` value; None leaves the provider's default


@dataclass(frozen=True)
class CalloutMessage:
    """A callout's content, read leniently: a value stored before validation existed is skipped."""

    default_language: str | None = None
    audio_urls: dict[str, str] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    voices: dict[str, str] = field(default_factory=dict)
    # The default language's audio (`audio_url`, or the uploaded file) and text when the callout
    # names no default language: they have no language of their own.
    default_audio_url: str | None = None
    default_text: str | None = None

    def utterance_for(self, contact_language: str | None) -> Play | Say | None:
        """What a contact speaking `contact_language` hears; None when the callout has nothing."""
        if contact_language is not None:
            key = _best_key(contact_language, self.audio_urls.keys() | self.texts.keys())
            if key is not None:
                if key in self.audio_urls:
                    return Play(self.audio_urls[key])
                return Say(self.texts[key], say_language(key), self.voices.get(key))
        if self.default_audio_url:
            return Play(self.default_audio_url)
        if self.default_text:
            language = self.default_language
            return Say(
                self.default_text,
                say_language(language) if language else None,
                self.voices.get(language) if language else None,
            )
        return None


def callout_message(settings: Any, audio_url: str | None) -> CalloutMessage:
    """Read a callout's content from its `settings` and its default audio (`audio_url` or file URL)."""
    settings = settings if isinstance(settings, dict) else {}
    default_language = normalize_language(settings.get("default_language"))
    audio_urls = _per_language(settings.get("audio_urls"))
    texts_setting = settings.get("message_text")
    texts = _per_language(texts_setting)
    plain_text = texts_setting.strip() if isinstance(texts_setting, str) and texts_setting.strip() else None
    default_audio = audio_url or (audio_urls.get(default_language) if default_language else None)
    default_text = plain_text or (texts.get(default_language) if default_language else None)
    if default_language is not None:
        if audio_url:
            audio_urls[default_language] = audio_url
        if plain_text:
            texts[default_language] = plain_text
    return CalloutMessage(
        default_language=default_language,
        audio_urls=audio_urls,
        texts=texts,
        voices=_per_language(settings.get("say_voices")),
        default_audio_url=default_audio,
        default_text=default_text,
    )


def contact_language(metadata: Any) -> str | None:
    """The language a contact's metadata names: `language`, else the Cambodian flow's `language_code`."""
    if not isinstance(metadata, Mapping):
        return None
    for key in ("language", "language_code"):
        language = normalize_language(metadata.get(key))
        if language is not None:
            return language
    return None


def _per_language(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    result = {}
    for key, item in value.items():
        language = normalize_language(key)
        if language is not None and isinstance(item, str) and item.strip():
            result[language] = item.strip()
    return result


def _best_key(language: str, keys: Any) -> str | None:
    """The callout language serving `language`: the same tag, else one of the same language
    ("km-KH" is served by "km", "en" by "en-GB"), preferring the bare language."""
    if language in keys:
        return language
    primary = primary_language(language)
    if primary in keys:
        return primary
    same_language = sorted(key for key in keys if primary_language(key) == primary)
    return same_language[0] if same_language else None
