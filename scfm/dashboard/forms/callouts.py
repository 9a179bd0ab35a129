"""The callout form: call flow, audio (an upload or a URL), languages, delivery settings, settings and
metadata rows.

The content settings (default language, audio per language, text per language: scfm.callouts.content)
and the delivery settings (priority, calling window, retry ladders, start and stop times) have widgets of
their own (scfm.dashboard.forms.delivery); the other settings and the metadata are rows that replace the
stored ones, as in the reference, though a settings row nobody changed keeps its stored type. The
services check the call flow and every delivery rule.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from scfm.accounts.models import Account
from scfm.call_flows import data_flow
from scfm.call_flows.languages import normalize_language
from scfm.callouts import audio
from scfm.callouts.content import (
    AUDIO_URLS,
    CONTENT_KEYS,
    DEFAULT_LANGUAGE,
    MESSAGE_TEXT,
    SAY_VOICES,
    voice_problems,
)
from scfm.callouts.delivery import DEFAULT_PRIORITY
from scfm.callouts.models import Callout
from scfm.core.calling_windows import is_time_zone
from scfm.dashboard.forms.base import DashboardForm, KeyValueField, SettingsRowsField
from scfm.dashboard.forms.delivery import (
    CallingWindowField,
    RetryPolicyField,
    iso_datetime,
    keep_unchanged,
    ladder_parts,
    local_datetime_text,
    schedule_zone_error,
    window_parts,
)
from scfm.dashboard.keyvalues import dict_to_rows

EMPTY_ROWS = [("", "")]
# The callout settings with widgets of their own, in the order of the page.
DELIVERY_KEYS = ("priority", "calling_window", "retry_policy", "start_at", "stop_at")
OWN_KEYS = (*CONTENT_KEYS, *DELIVERY_KEYS)
# Blank rows drawn after the stored ones, to add languages without a script.
BLANK_LANGUAGE_ROWS = 2


class LanguageRowsWidget(forms.Widget):
    """Read (language, value) rows: the `<name>-language` and `<name>-value` lists the template draws."""

    def value_from_datadict(self, data, files, name):
        return list(zip(data.getlist(f"{name}-language"), data.getlist(f"{name}-value"), strict=False))

    def value_omitted_from_data(self, data, files, name):
        return False


class LanguageRowsField(forms.Field):
    """Audio URLs or texts by language, edited as rows; cleaned into {"km": value, …} (blank rows
    dropped). Where `blank_language` allows it, a row without a language is kept under "" (a text in
    the default language); elsewhere it is refused."""

    widget = LanguageRowsWidget

    def __init__(self, *, check_value=None, blank_language=False, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.check_value = check_value
        self.blank_language = blank_language

    def to_python(self, rows):
        return [(str(language).strip(), str(value).strip()) for language, value in (rows or [])]

    def clean(self, rows) -> dict[str, str]:
        values: dict[str, str] = {}
        problems = []
        for language, value in self.to_python(rows):
            if not language and not value:
                continue
            tag = normalize_language(language) if language else ""
            if not language and not self.blank_language:
                problems.append(_("Give the row of “%(value)s” its language.") % {"value": value})
            elif tag is None:
                problems.append(
                    _("“%(language)s” is not a language code (km, en, en-US…).") % {"language": language}
                )
            elif tag in values:
                problems.append(_("“%(language)s” is given twice.") % {"language": language or tag})
            elif not value:
                problems.append(_("Give the %(language)s row a value.") % {"language": language})
            else:
                problems += self.check_value(value) if self.check_value else []
                values[tag] = value
        if problems:
            raise ValidationError(problems)
        return values


def language_rows(value) -> list[tuple[str, str]]:
    """Rows for a stored {language: value} setting (a plain text is one row without a language)."""
    if isinstance(value, str):
        return [("", value)]
    if isinstance(value, dict):
        return [(str(language), str(item)) for language, item in value.items()]
    return []


def account_time_zone(account: Account) -> str:
    """The zone start and stop times are typed in by default: the account's `time_zone`, else UTC."""
    name = account.settings.get("time_zone") if isinstance(account.settings, dict) else None
    return name if is_time_zone(name) else "UTC"


# The value of a call flow of the account among the form's call flow choices.
DATA_FLOW_CHOICE = "call_flow:{}"


def call_flow_data(choice: str | None) -> dict:
    """The services' fields for the chosen call flow: a built-in logic, or an account's flow."""
    prefix = DATA_FLOW_CHOICE.format("")
    if choice and choice.startswith(prefix):
        flow_id = choice.removeprefix(prefix)
        return {
            "call_flow_logic": data_flow.NAME,
            "call_flow_id": int(flow_id) if flow_id.isdigit() else None,
        }
    return {"call_flow_logic": choice}


class CalloutForm(DashboardForm):
    # Declared in the order the page lists their problems.
    settings = KeyValueField()
    metadata = KeyValueField()
    audio_file = forms.Field(required=False, widget=forms.FileInput)
    audio_url = forms.CharField(required=False)
    call_flow_logic = forms.CharField(required=False, strip=False)
    remove_audio_file = forms.CharField(required=False)
    priority = forms.CharField(required=False)
    calling_window = CallingWindowField()
    retry_policy = RetryPolicyField()
    start_at = forms.CharField(required=False)
    stop_at = forms.CharField(required=False)
    schedule_time_zone = forms.CharField(required=False)
    default_language = forms.CharField(required=False)
    audio_urls = LanguageRowsField(check_value=audio.url_problems)
    message_text = LanguageRowsField(blank_language=True)
    say_voices = LanguageRowsField(check_value=voice_problems)
    audio_language = forms.CharField(required=False)
    settings_keys = OWN_KEYS

    def __init__(self, data=None, files=None, *, callout: Callout | None, account: Account):
        self.callout = callout
        stored = callout.settings if callout is not None and isinstance(callout.settings, dict) else {}
        self.stored_settings = stored
        time_zone = account_time_zone(account)
        initial = {
            "priority": str(stored.get("priority") or DEFAULT_PRIORITY),
            "calling_window": window_parts(stored.get("calling_window")),
            "retry_policy": ladder_parts(stored.get("retry_policy")),
            "start_at": local_datetime_text(stored.get("start_at"), time_zone),
            "stop_at": local_datetime_text(stored.get("stop_at"), time_zone),
            "schedule_time_zone": time_zone,
            "default_language": str(stored.get(DEFAULT_LANGUAGE) or ""),
            "audio_urls": language_rows(stored.get(AUDIO_URLS)),
            "message_text": language_rows(stored.get(MESSAGE_TEXT)),
            "say_voices": language_rows(stored.get(SAY_VOICES)),
        }
        if callout is None:
            initial.update(call_flow_logic=account.call_flow_logic, audio_url="")
            initial.update(settings=EMPTY_ROWS, metadata=EMPTY_ROWS)
        else:
            initial.update(
                call_flow_logic=DATA_FLOW_CHOICE.format(callout.call_flow_id)
                if callout.call_flow_id is not None
                else callout.call_flow_logic,
                audio_url=callout.audio_url or "",
                settings=dict_to_rows(self._other_settings(stored)),
                metadata=dict_to_rows(callout.metadata),
            )
        super().__init__(data, files, initial=initial)
        self.fields["settings"] = SettingsRowsField(stored=self._other_settings(stored), own_keys=OWN_KEYS)
        self.order_fields(["settings", "metadata"])  # listed first, as before the delivery fields

    @staticmethod
    def _other_settings(settings: dict) -> dict:
        return {key: value for key, value in settings.items() if key not in OWN_KEYS}

    def clean_audio_file(self):
        upload = self.cleaned_data["audio_file"]
        if upload and (problems := audio.upload_problems(upload)):
            raise ValidationError(problems)
        return upload

    def clean_audio_url(self):
        audio_url = self.cleaned_data["audio_url"]
        if problems := audio.url_problems(audio_url):
            raise ValidationError(problems)
        return audio_url

    def clean_default_language(self) -> str:
        text = self.cleaned_data["default_language"].strip()
        if text and normalize_language(text) is None:
            raise ValidationError(
                _("“%(language)s” is not a language code (km, en, en-US…).") % {"language": text}
            )
        return text

    def clean_audio_language(self) -> str | None:
        """The language of the uploaded file: blank is the default language's (`audio_url`)."""
        text = self.cleaned_data["audio_language"].strip()
        if text and normalize_language(text) is None:
            raise ValidationError(
                _("“%(language)s” is not a language code (km, en, en-US…).") % {"language": text}
            )
        return normalize_language(text) if text else None

    def clean_remove_audio_file(self) -> bool:
        return self.callout is not None and self.cleaned_data["remove_audio_file"] == "1"

    def clean(self):
        typed_url = self.shown("audio_url")
        if self._uploads_default_audio() and typed_url and typed_url != self.initial["audio_url"]:
            # The upload fills the audio URL: a new URL typed beside it would be lost.
            self.add_error("audio_url", _("Upload an audio file or give an audio URL, not both."))
        if self.cleaned_data.get("audio_language") and not self.shown("default_language").strip():
            # Audio per language needs a default for the contacts of other languages (services' rule).
            self.add_error("audio_language", _("Set the default language first, or leave this blank."))
        self._clean_message_text()
        self._clean_schedule()
        return self.cleaned_data

    def _uploads_default_audio(self) -> bool:
        if not self.shown("audio_file"):
            return False
        language = self.cleaned_data.get("audio_language")
        return language is None or language == normalize_language(self.cleaned_data.get("default_language"))

    def _clean_message_text(self) -> None:
        """A text without a language is the default language's: alone it is stored as one text."""
        texts = self.cleaned_data.get("message_text")
        if texts and "" in texts and len(texts) > 1:
            default = normalize_language(self.cleaned_data.get("default_language"))
            if default is None or default in texts:
                self.add_error("message_text", _("Give each text its language."))
            else:
                texts[default] = texts.pop("")

    def _clean_schedule(self) -> None:
        """Read the start and stop times in the chosen zone into ISO 8601 times with their offsets."""
        time_zone = self.cleaned_data.get("schedule_time_zone", "").strip()
        typed = [name for name in ("start_at", "stop_at") if self.cleaned_data.get(name, "").strip()]
        if typed and (problem := schedule_zone_error(time_zone)):
            self.add_error("schedule_time_zone", problem)
            return
        for name in ("start_at", "stop_at"):
            try:
                self.cleaned_data[name] = iso_datetime(self.cleaned_data.get(name, ""), time_zone)
            except ValidationError as error:
                self.add_error(name, error)

    @property
    def replaces_audio_file(self) -> bool:
        """Whether saving uploads a new audio file or removes the stored one."""
        return bool(self.cleaned_data["audio_file"] or self.cleaned_data["remove_audio_file"])

    def content_settings(self) -> dict:
        """The content settings to write; one nobody changed keeps its stored JSON."""
        cleaned = self.cleaned_data
        texts = cleaned["message_text"]
        edited = {
            DEFAULT_LANGUAGE: cleaned["default_language"] or None,
            AUDIO_URLS: cleaned["audio_urls"] or None,
            MESSAGE_TEXT: texts.get("", None) if list(texts) == [""] else (texts or None),
            SAY_VOICES: cleaned["say_voices"] or None,
        }
        settings = {}
        for key, value in edited.items():
            stored = self.stored_settings.get(key)
            if key in self.stored_settings and language_rows(stored) == language_rows(value):
                settings[key] = stored
            elif value is not None:
                settings[key] = value
        return settings

    def service_data(self) -> dict:
        """Return what callouts.services.create_callout and update_callout take."""
        cleaned = self.cleaned_data
        settings = dict(cleaned["settings"])
        settings.update(self.content_settings())
        settings.update(
            keep_unchanged(
                self.stored_settings,
                {
                    "priority": cleaned["priority"] or None,
                    "calling_window": cleaned["calling_window"],
                    "retry_policy": cleaned["retry_policy"],
                    "start_at": cleaned["start_at"],
                    "stop_at": cleaned["stop_at"],
                },
            )
        )
        return {
            **call_flow_data(cleaned["call_flow_logic"]),
            "audio_url": cleaned["audio_url"],
            "settings": settings,
            "metadata": cleaned["metadata"],
            "metadata_merge_mode": "replace",
        }


def content_widgets(form: CalloutForm) -> dict:
    """What the callout form's language widgets show: the posted rows, or the stored ones, and blank
    rows to add languages."""
    blank = [("", "")] * BLANK_LANGUAGE_ROWS

    def rows(name: str) -> list[tuple[str, str]]:
        return [row for row in form.shown(name) if any(row)] + blank

    return {
        "default_language": form.shown("default_language"),
        "audio_url_rows": rows("audio_urls"),
        "message_text_rows": rows("message_text"),
        "say_voice_rows": rows("say_voices"),
        "audio_language": form.shown("audio_language"),
    }
