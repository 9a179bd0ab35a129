"""Build an account's provider configuration and the URLs the provider calls back."""

from django.conf import settings
from django.urls import reverse

from scfm.accounts.models import Account, PlatformProvider
from scfm.telephony.provider import ProviderConfig


def provider_config(account: Account) -> ProviderConfig:
    """Return how to reach the account's provider.

    Somleng's base URL is `somleng_api_base_url`, or `https://{somleng_api_host}` when only the
    host is set (DESIGN.md #26); Twilio uses api.twilio.com.
    """
    if account.platform_provider_name == PlatformProvider.SOMLENG:
        base_url = account.somleng_api_base_url or (
            f"https://{account.somleng_api_host}" if account.somleng_api_host else None
        )
        return ProviderConfig(
            name="somleng",
            account_sid=account.somleng_account_sid or "",
            auth_token=account.somleng_auth_token or "",
            base_url=base_url,
        )
    if account.platform_provider_name == PlatformProvider.TWILIO:
        return ProviderConfig(
            name="twilio",
            account_sid=account.twilio_account_sid or "",
            auth_token=account.twilio_auth_token or "",
            base_url=settings.SCFM_TWILIO_API_BASE_URL or None,
        )
    return ProviderConfig(name="none", account_sid="", auth_token="", base_url=None)


def phone_call_webhook_url(phone_call_id: int) -> str:
    """Return the TwiML and status callback URL of one call; its id lets early callbacks find it."""
    path = reverse("telephony:phone_call_events", kwargs={"phone_call_id": phone_call_id})
    return f"{settings.SCFM_PUBLIC_URL}{path}"
