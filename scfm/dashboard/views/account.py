"""Account settings (admins only): telephony provider and credentials, calling pace and delivery (calls
under way at most, time zone, default calling window), default call flow.

AccountSettingsForm (scfm.dashboard.forms.account) reads the page; accounts.services decides.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from scfm.accounts import services
from scfm.accounts.models import Account, PlatformProvider
from scfm.accounts.settings import MAX_PHONE_CALLS_PER_PARTICIPATION, setting
from scfm.core.calling_windows import time_zone_names
from scfm.core.errors import ValidationFailed
from scfm.dashboard.access import admin_required
from scfm.dashboard.forms.account import SECRET_FIELDS, SETTING_FIELDS, AccountSettingsForm, masked
from scfm.dashboard.forms.delivery import window_widget
from scfm.dashboard.labels import CALL_FLOW_LABELS

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
    "calling_window": gettext_lazy("Default calling window"),
    **{key: label for key, (label, _low, _high) in SETTING_FIELDS.items()},
}
PROVIDERS = (
    (PlatformProvider.TWILIO, "Twilio"),
    (PlatformProvider.SOMLENG, "Somleng"),
)


def _labelled(errors: dict) -> dict:
    """Errors keyed by the fields' translated labels, as the error list shows them."""
    return {
        field if field == "base" else str(FIELD_LABELS.get(field, field)): messages_
        for field, messages_ in errors.items()
    }


@admin_required
def account_settings(request):
    account = Account.objects.get(pk=request.user.account_id)
    form = AccountSettingsForm(request.POST if request.method == "POST" else None, account=account)
    if form.is_valid():
        try:
            services.update_account(account=account, data=form.service_data())
        except ValidationFailed as error:
            form.add_service_errors(error)
            account.refresh_from_db()  # the service assigned the rejected values
        else:
            messages.success(request, _("Account settings were successfully updated."))
            return redirect("dashboard:account")
    errors = form.errors_by_field()
    shown = form.shown_values()
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
                "clear": shown[f"{field}_clear"],
                "invalid": field in errors,
            }
            for field in SECRET_FIELDS
        },
        "defaults": {key: setting({}, key) for key in SETTING_FIELDS},  # what a blank field means
        "max_attempts": MAX_PHONE_CALLS_PER_PARTICIPATION,
        **window_widget(shown["calling_window"]),
        "calling_window_invalid": "calling_window" in errors,
        "time_zones": time_zone_names(),
    }
    return render(request, "dashboard/account/form.html", context, status=422 if errors else 200)


urlpatterns = [
    path("dashboard/account", account_settings, name="account"),
]
