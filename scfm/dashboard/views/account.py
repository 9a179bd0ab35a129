"""Account settings (admins only): telephony provider and credentials, calling pace, default call flow.

Auth tokens are never shown again once saved: the page shows their last four characters, a blank
field keeps the stored token and a "clear" box removes it. Settings without a field of their own
(RapidPro's, for instance) are edited as key/value rows and kept as stored unless changed there.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from scfm.accounts import services
from scfm.accounts.models import Account, PlatformProvider
from scfm.accounts.settings import MAX_PHONE_CALLS_PER_PARTICIPATION, setting
from scfm.calls.retries import MAX_RETRY_DELAY_SECONDS
from scfm.core.errors import ValidationFailed
from scfm.dashboard.access import admin_required
from scfm.dashboard.keyvalues import dict_to_rows, rows_from_post, rows_to_dict
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
}
FIELD_LABELS = {
    "platform_provider_name": gettext_lazy("Provider"),
    "twilio_account_sid": gettext_lazy("Twilio account SID"),
    "twilio_auth_token": gettext_lazy("Twilio auth token"),
    "somleng_account_sid": gettext_lazy("Somleng account SID"),
    "somleng_auth_token": gettext_lazy("Somleng auth token"),
    "somleng_api_host": gettext_lazy("Somleng API host"),
    "somleng_api_base_url": gettext_lazy("Somleng API base URL"),
    "call_flow_logic": gettext_lazy("Default call flow"),
    "settings": gettext_lazy("Other settings"),
    **{key: label for key, (label, _low, _high) in SETTING_FIELDS.items()},
}
PROVIDERS = (
    (PlatformProvider.TWILIO, "Twilio"),
    (PlatformProvider.SOMLENG, "Somleng"),
)


def masked(secret: str | None) -> str:
    return f"••••{secret[-4:]}" if secret else ""


# Other settings whose values are credentials (RapidPro's api_token, for instance): shown masked, and a
# row sent back still masked keeps the stored value.
SECRET_SETTING_WORDS = ("token", "secret", "password", "api_key")


def _is_secret_setting(key: str) -> bool:
    return any(word in key.rsplit(":", 1)[-1].lower() for word in SECRET_SETTING_WORDS)


def _stored_setting(settings: dict, key: str):
    node = settings
    for part in key.split(":"):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _masked_rows(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(key, masked(value) if value and _is_secret_setting(key) else value) for key, value in rows]


def _unmasked_rows(rows: list[tuple[str, str]], settings: dict) -> list[tuple[str, str]]:
    unmasked = []
    for key, value in rows:
        stored = _stored_setting(settings, key)
        if _is_secret_setting(key) and stored is not None and value == masked(str(stored)):
            value = str(stored)
        unmasked.append((key, value))
    return unmasked


def _row_text(value) -> str:
    return "" if value is None else str(value)


def restore_types(new: dict, old: dict) -> dict:
    """Rows turn every value into text; give a row that was not changed back its stored value (a number,
    a list…), so saving the page does not rewrite settings nobody touched."""
    result = {}
    for key, value in new.items():
        before = old.get(key) if isinstance(old, dict) else None
        if isinstance(value, dict):
            result[key] = restore_types(value, before if isinstance(before, dict) else {})
        elif key in old and not (isinstance(before, dict) and before) and _row_text(before) == value:
            result[key] = before
        else:
            result[key] = value
    return result


def _too_long() -> str:
    return _("is too long (at most %(max)d characters).") % {"max": MAX_LENGTH}


def _other_settings(settings: dict) -> dict:
    return {key: value for key, value in (settings or {}).items() if key not in SETTING_FIELDS}


def _read_form(post, account: Account) -> tuple[dict, dict, dict]:
    """Return (data for services.update_account, what to show again, errors keyed by field)."""
    errors: dict[str, list[str]] = {}
    data: dict = {}
    shown: dict = {}

    provider = post.get("platform_provider_name", "")
    if provider and provider not in PlatformProvider.values:
        errors.setdefault("platform_provider_name", []).append(_("Choose Twilio or Somleng."))
    data["platform_provider_name"] = provider or None
    shown["platform_provider_name"] = provider

    for field in TEXT_FIELDS:
        value = post.get(field, "").strip()
        if len(value) > MAX_LENGTH:
            errors.setdefault(field, []).append(_too_long())
        data[field] = value
        shown[field] = value

    for field in SECRET_FIELDS:
        value = post.get(field, "").strip()
        shown[field] = value
        shown[f"{field}_clear"] = bool(post.get(f"{field}_clear"))
        if len(value) > MAX_LENGTH:
            errors.setdefault(field, []).append(_too_long())
        if value:
            data[field] = value  # a new token wins over "clear"
        elif shown[f"{field}_clear"]:
            data[field] = None
        # else: blank keeps the stored token

    call_flow_logic = post.get("call_flow_logic", "")
    if call_flow_logic not in CALL_FLOW_LABELS:
        errors.setdefault("call_flow_logic", []).append(_("Choose one of the call flows."))
    data["call_flow_logic"] = call_flow_logic
    shown["call_flow_logic"] = call_flow_logic

    rows = rows_from_post(post, "settings")
    shown["rows"] = rows
    other, row_errors = rows_to_dict(_unmasked_rows(rows, _other_settings(account.settings)))
    for key in other:
        if key in SETTING_FIELDS:
            row_errors.append(_("Set “%(key)s” with its own field above.") % {"key": key})
    if row_errors:
        errors.setdefault("settings", []).extend(row_errors)
    kept = {key: value for key, value in other.items() if key not in SETTING_FIELDS}
    settings = restore_types(kept, _other_settings(account.settings))

    for key, (_label, low, high) in SETTING_FIELDS.items():
        value = post.get(key, "").strip()
        shown[key] = value
        if value == "":
            continue  # blank: the default applies
        if low is None:
            if len(value) > MAX_LENGTH:
                errors.setdefault(key, []).append(_too_long())
            settings[key] = value
            continue
        try:
            number = int(value)
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            errors.setdefault(key, []).append(
                _("must be a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
            )
        else:
            settings[key] = number
    data["settings"] = settings
    return data, shown, errors


def _shown_from_account(account: Account) -> dict:
    shown = {field: getattr(account, field) or "" for field in TEXT_FIELDS}
    shown.update({field: "" for field in SECRET_FIELDS})
    shown["platform_provider_name"] = account.platform_provider_name or ""
    shown["call_flow_logic"] = account.call_flow_logic
    for key in SETTING_FIELDS:
        stored = account.settings.get(key) if isinstance(account.settings, dict) else None
        shown[key] = "" if stored is None else str(stored)
    shown["rows"] = _masked_rows(dict_to_rows(_other_settings(account.settings)))
    return shown


def _labelled(errors: dict) -> dict:
    """Errors keyed by the fields' translated labels, as the error list shows them."""
    return {
        field if field == "base" else str(FIELD_LABELS.get(field, field)): messages_
        for field, messages_ in errors.items()
    }


@admin_required
def account_settings(request):
    account = Account.objects.get(pk=request.user.account_id)
    errors: dict = {}
    if request.method == "POST":
        data, shown, errors = _read_form(request.POST, account)
        if not errors:
            try:
                services.update_account(account=account, data=data)
            except ValidationFailed as error:
                errors = error.errors
                account.refresh_from_db()  # the service assigned the rejected values
            else:
                messages.success(request, _("Account settings were successfully updated."))
                return redirect("dashboard:account")
    else:
        shown = _shown_from_account(account)
    defaults = {key: setting({}, key) for key in SETTING_FIELDS}  # what a blank field means
    context = {
        "account": account,
        "shown": shown,
        "rows": shown["rows"] or [("", "")],
        "errors": _labelled(errors),
        "invalid": set(errors),
        "providers": PROVIDERS,
        "call_flows": CALL_FLOW_LABELS.items(),
        "secrets": {
            field: {
                "field": field,
                "label": FIELD_LABELS[field],
                "stored": masked(getattr(account, field)),
                "value": shown[field],
                "clear": shown.get(f"{field}_clear", False),
                "invalid": field in errors,
            }
            for field in SECRET_FIELDS
        },
        "defaults": defaults,
        "max_attempts": MAX_PHONE_CALLS_PER_PARTICIPATION,
    }
    return render(request, "dashboard/account/form.html", context, status=422 if errors else 200)


urlpatterns = [
    path("dashboard/account", account_settings, name="account"),
]
