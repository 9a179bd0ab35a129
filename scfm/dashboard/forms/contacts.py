"""Contact forms: a phone number with metadata rows (they replace the stored metadata), a CSV to import."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from scfm.contacts import imports
from scfm.contacts.models import Contact
from scfm.dashboard.forms.base import DashboardForm, KeyValueField
from scfm.dashboard.keyvalues import dict_to_rows


class ContactForm(DashboardForm):
    msisdn = forms.CharField(required=False)  # the service checks and normalises the number
    metadata = KeyValueField()

    def __init__(self, data=None, *, contact: Contact | None = None):
        initial = {"msisdn": contact.msisdn, "metadata": dict_to_rows(contact.metadata)} if contact else {}
        super().__init__(data, initial=initial)

    def service_data(self) -> dict:
        """Return what contacts.services.create_contact and update_contact take."""
        return {
            "msisdn": self.cleaned_data["msisdn"],
            "metadata": self.cleaned_data["metadata"],
            "metadata_merge_mode": "replace",
        }


class ContactImportForm(DashboardForm):
    """A CSV upload, read as contacts; `cleaned_data` holds its `content` and what it `parsed` to."""

    file = forms.Field(widget=forms.FileInput, error_messages={"required": _("Choose a CSV file.")})

    def clean_file(self):
        upload = self.cleaned_data["file"]
        content = upload.read()
        try:
            self.cleaned_data["parsed"] = imports.parse_csv(content)
        except imports.ImportFileInvalid as error:
            raise ValidationError(str(error)) from error
        self.cleaned_data["content"] = content
        return upload
