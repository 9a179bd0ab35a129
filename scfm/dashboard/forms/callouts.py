"""The callout form: call flow, audio (an upload or a URL), delivery settings, settings and metadata rows.

The delivery settings (priority, calling window, retry ladders, start and stop times) have widgets of
their own (scfm.dashboard.forms.delivery); the other settings and the metadata are rows that replace the
stored ones, as in the reference, though a settings row nobody changed keeps its stored type. The
services check the call flow and every delivery rule.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from scfm.accounts.models import Account
from scfm.callouts import audio
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


def account_time_zone(account: Account) -> str:
    """The zone start and stop times are typed in by default: the account's `time_zone`, else UTC."""
    name = account.settings.get("time_zone") if isinstance(account.settings, dict) else None
    return name if is_time_zone(name) else "UTC"


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
    settings_keys = DELIVERY_KEYS

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
        }
        if callout is None:
            initial.update(call_flow_logic=account.call_flow_logic, audio_url="")
            initial.update(settings=EMPTY_ROWS, metadata=EMPTY_ROWS)
        else:
            initial.update(
                call_flow_logic=callout.call_flow_logic,
                audio_url=callout.audio_url or "",
                settings=dict_to_rows(self._other_settings(stored)),
                metadata=dict_to_rows(callout.metadata),
            )
        super().__init__(data, files, initial=initial)
        self.fields["settings"] = SettingsRowsField(
            stored=self._other_settings(stored), own_keys=DELIVERY_KEYS
        )
        self.order_fields(["settings", "metadata"])  # listed first, as before the delivery fields

    @staticmethod
    def _other_settings(settings: dict) -> dict:
        return {key: value for key, value in settings.items() if key not in DELIVERY_KEYS}

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

    def clean_remove_audio_file(self) -> bool:
        return self.callout is not None and self.cleaned_data["remove_audio_file"] == "1"

    def clean(self):
        if self.shown("audio_file") and self.shown("audio_url"):
            self.add_error("audio_url", _("Upload an audio file or give an audio URL, not both."))
        self._clean_schedule()
        return self.cleaned_data

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

    def service_data(self) -> dict:
        """Return what callouts.services.create_callout and update_callout take."""
        cleaned = self.cleaned_data
        settings = dict(cleaned["settings"])
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
            "call_flow_logic": cleaned["call_flow_logic"],
            "audio_url": cleaned["audio_url"],
            "settings": settings,
            "metadata": cleaned["metadata"],
            "metadata_merge_mode": "replace",
        }
