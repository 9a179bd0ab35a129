"""The callout form: call flow, audio (an upload or a URL), and settings and metadata rows.

Rows replace the stored settings and metadata, as in the reference; the services check the call flow.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from scfm.callouts import audio
from scfm.callouts.models import Callout
from scfm.dashboard.forms.base import DashboardForm, KeyValueField
from scfm.dashboard.keyvalues import dict_to_rows

EMPTY_ROWS = [("", "")]


class CalloutForm(DashboardForm):
    # Declared in the order the page lists their problems.
    settings = KeyValueField()
    metadata = KeyValueField()
    audio_file = forms.Field(required=False, widget=forms.FileInput)
    audio_url = forms.CharField(required=False)
    call_flow_logic = forms.CharField(required=False, strip=False)
    remove_audio_file = forms.CharField(required=False)

    def __init__(self, data=None, files=None, *, callout: Callout | None, default_call_flow_logic: str):
        self.callout = callout
        if callout is None:
            initial = {"call_flow_logic": default_call_flow_logic, "audio_url": ""}
            initial.update(settings=EMPTY_ROWS, metadata=EMPTY_ROWS)
        else:
            initial = {
                "call_flow_logic": callout.call_flow_logic,
                "audio_url": callout.audio_url or "",
                "settings": dict_to_rows(callout.settings),
                "metadata": dict_to_rows(callout.metadata),
            }
        super().__init__(data, files, initial=initial)

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
        return self.cleaned_data

    @property
    def replaces_audio_file(self) -> bool:
        """Whether saving uploads a new audio file or removes the stored one."""
        return bool(self.cleaned_data["audio_file"] or self.cleaned_data["remove_audio_file"])

    def service_data(self) -> dict:
        """Return what callouts.services.create_callout and update_callout take."""
        return {
            "call_flow_logic": self.cleaned_data["call_flow_logic"],
            "audio_url": self.cleaned_data["audio_url"],
            "settings": self.cleaned_data["settings"],
            "metadata": self.cleaned_data["metadata"],
            "metadata_merge_mode": "replace",
        }
