"""The account settings form: provider and credentials, calling pace and delivery (concurrency cap, time
zone, default calling window), default call flow, other settings.

Auth tokens are never shown again once saved: the page shows their last four characters, a blank
field keeps the stored token and a "clear" box removes it. Settings without a field of their own
(RapidPro's, for instance) are edited as key/value rows and kept as stored unless changed there.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from scfm.accounts.models import Account, PlatformProvider
from scfm.accounts.settings import MAX_PHONE_CALLS_PER_PARTICIPATION
from scfm.calls.retries import MAX_RETRY_DELAY_SECONDS
from scfm.dashboard.forms.base import DashboardForm, SettingsRowsField
from scfm.dashboard.forms.delivery import CallingWindowField, keep_unchanged, window_parts
from scfm.dashboard.keyvalues import dict_to_rows
from scfm.dashboard.labels import CALL_FLOW_LABELS

MAX_LENGTH = 255  # every text column of the account
SECRET_FIELDS = ("twilio_auth_token", "somleng_auth_token")
TEXT_FIELDS = ("twilio_account_sid", "somleng_account_sid", "somleng_api_host", "somleng_api_base_url")
# Settings with a field of their own: (key, label, smallest, largest); None is text.
SETTING_FIELDS = {
    "from_phone_number": (gettext_lazy("From phone number"), None, None),
    "phone_call_queue_limit": (gettext_lazy("Calls per minute"), 1, 100_000),
    "max_phone_calls_for_callout_participation": (
        gettext_lazy("Attempts per participant"),
        1,
        MAX_PHONE_CALLS_PER_PARTICIPATION,
    ),
    "phone_call_retry_delay_seconds": (gettext_lazy("Seconds between attempts"), 0, MAX_RETRY_DELAY_SECONDS),
    # No upper bound of its own: the provider's limits are the operator's to know.
    "max_concurrent_calls": (gettext_lazy("Calls under way at most"), 1, None),
    "time_zone": (gettext_lazy("Time zone"), None, None),
}
# Settings edited with fields of their own: SETTING_FIELDS and the default calling window.
OWN_FIELD_KEYS = (*SETTING_FIELDS, "calling_window")
# Other settings whose values are credentials (RapidPro's api_token, for instance): shown masked, and a
# row sent back still masked keeps the stored value.
SECRET_SETTING_WORDS = ("token", "secret", "password", "api_key")


def masked(secret: str | None) -> str:
    return f"••••{secret[-4:]}" if secret else ""


def _is_secret_setting(key: str) -> bool:
    return any(word in key.rsplit(":", 1)[-1].lower() for word in SECRET_SETTING_WORDS)


def _stored_setting(settings: dict, key: str):
    node = settings
    for part in key.split(":"):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _masked_rows(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(key, masked(value) if value and _is_secret_setting(key) else value) for key, value in rows]


def _too_long() -> str:
    return _("is too long (at most %(max)d characters).") % {"max": MAX_LENGTH}


def other_settings(settings: dict) -> dict:
    """Return the settings edited as rows: those without a field of their own."""
    return {key: value for key, value in (settings or {}).items() if key not in OWN_FIELD_KEYS}


class AccountTextField(forms.CharField):
    """Text stored in one of the account's columns (at most MAX_LENGTH characters)."""

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def validate(self, value):
        if len(value) > MAX_LENGTH:
            raise ValidationError(_too_long())


class SettingField(forms.CharField):
    """A setting with a field of its own: blank is None (the default applies), else text or a whole number
    from `low` to `high` (no upper bound when `high` is None)."""

    def __init__(self, low: int | None, high: int | None):
        super().__init__(required=False)
        self.low, self.high = low, high

    def clean(self, value) -> str | int | None:
        text = self.to_python(value)
        if text == "":
            return None
        if self.low is None:
            if len(text) > MAX_LENGTH:
                raise ValidationError(_too_long())
            return text
        try:
            number = int(text)
        except ValueError:
            number = None
        if self.high is None and (number is None or number < self.low):
            raise ValidationError(_("must be a whole number of at least %(low)d.") % {"low": self.low})
        if self.high is not None and (number is None or not self.low <= number <= self.high):
            raise ValidationError(
                _("must be a whole number from %(low)d to %(high)d.") % {"low": self.low, "high": self.high}
            )
        return number


class OtherSettingsField(SettingsRowsField):
    """The other settings' rows: masked values sent back unchanged keep the stored secret, rows not
    changed keep their stored type, and a setting with a field of its own is refused here."""

    def __init__(self, stored: dict):
        super().__init__(stored=stored, own_keys=OWN_FIELD_KEYS)

    def to_python(self, rows):
        unmasked = []
        for key, value in super().to_python(rows):
            stored = _stored_setting(self.stored, key)
            if _is_secret_setting(key) and stored is not None and value == masked(str(stored)):
                value = str(stored)
            unmasked.append((key, value))
        return unmasked


class AccountSettingsForm(DashboardForm):
    # Declared in the order the page lists their problems; settings' own fields are added last.
    platform_provider_name = forms.CharField(required=False, strip=False)
    twilio_account_sid = AccountTextField()
    somleng_account_sid = AccountTextField()
    somleng_api_host = AccountTextField()
    somleng_api_base_url = AccountTextField()
    twilio_auth_token = AccountTextField()
    twilio_auth_token_clear = forms.CharField(required=False, strip=False)
    somleng_auth_token = AccountTextField()
    somleng_auth_token_clear = forms.CharField(required=False, strip=False)
    call_flow_logic = forms.CharField(required=False, strip=False)
    calling_window = CallingWindowField()
    settings_keys = OWN_FIELD_KEYS

    def __init__(self, data=None, *, account: Account):
        super().__init__(data, initial=self._initial(account))
        self.stored_settings = account.settings if isinstance(account.settings, dict) else {}
        self.fields["settings"] = OtherSettingsField(stored=other_settings(account.settings))
        for key, (_label, low, high) in SETTING_FIELDS.items():
            self.fields[key] = SettingField(low, high)

    @staticmethod
    def _initial(account: Account) -> dict:
        initial = {field: getattr(account, field) or "" for field in TEXT_FIELDS}
        initial["platform_provider_name"] = account.platform_provider_name or ""
        initial["call_flow_logic"] = account.call_flow_logic
        for key in SETTING_FIELDS:
            stored = account.settings.get(key) if isinstance(account.settings, dict) else None
            initial[key] = "" if stored is None else str(stored)
        initial["calling_window"] = window_parts(
            account.settings.get("calling_window") if isinstance(account.settings, dict) else None
        )
        initial["settings"] = _masked_rows(dict_to_rows(other_settings(account.settings)))
        return initial

    def clean_platform_provider_name(self) -> str | None:
        provider = self.cleaned_data["platform_provider_name"]
        if provider and provider not in PlatformProvider.values:
            raise ValidationError(_("Choose Twilio or Somleng."))
        return provider or None

    def clean_call_flow_logic(self) -> str:
        call_flow_logic = self.cleaned_data["call_flow_logic"]
        if call_flow_logic not in CALL_FLOW_LABELS:
            raise ValidationError(_("Choose one of the call flows."))
        return call_flow_logic

    def shown_values(self) -> dict:
        """Return what the page shows in its inputs: the posted values, or the account's before a post."""
        shown = {name: self.shown(name) for name in self.fields if name != "settings"}
        for field in SECRET_FIELDS:
            shown[f"{field}_clear"] = bool(shown[f"{field}_clear"])
        shown["rows"] = self["settings"].value()  # as posted: still masked
        return shown

    def service_data(self) -> dict:
        """Return what accounts.services.update_account takes; a blank token keeps the stored one."""
        cleaned = self.cleaned_data
        data = {"platform_provider_name": cleaned["platform_provider_name"]}
        data.update((field, cleaned[field]) for field in TEXT_FIELDS)
        for field in SECRET_FIELDS:
            if cleaned[field]:
                data[field] = cleaned[field]  # a new token wins over "clear"
            elif cleaned[f"{field}_clear"]:
                data[field] = None
        data["call_flow_logic"] = cleaned["call_flow_logic"]
        settings = dict(cleaned["settings"])
        settings.update((key, cleaned[key]) for key in SETTING_FIELDS if cleaned[key] is not None)
        settings.update(keep_unchanged(self.stored_settings, {"calling_window": cleaned["calling_window"]}))
        data["settings"] = settings
        return data
