"""Webhook authentication: find the account a provider request claims, and check its signature.

Twilio and Somleng both sign a webhook with `X-Twilio-Signature`: Base64(HMAC-SHA1(auth token,
URL + sorted POST params)), where the URL is the one the provider requested (reference §9.3).
"""

from django.http import HttpRequest
from twilio.request_validator import RequestValidator

from scfm.accounts.models import Account
from scfm.core.rows import fetch_one

SIGNATURE_HEADER = "HTTP_X_TWILIO_SIGNATURE"
TWILIO_ACCOUNT_SID_PREFIX = "AC"
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def _first_forwarded_value(request: HttpRequest, header: str) -> str:
    # Chained proxies append to the header; the first value is the one the client used.
    return str(request.META.get(header, "")).split(",")[0].strip()


def webhook_url(request: HttpRequest) -> str:
    """Return the URL the provider requested, as it saw it, for signing and for TwiML callbacks.

    Behind a TLS-terminating proxy the scheme and host come from `X-Forwarded-Proto` and
    `X-Forwarded-Host` (and a non-default `X-Forwarded-Port`). Trusting them here is safe: they
    only choose the string the signature is checked against, which an attacker cannot sign
    without the account's auth token.
    """
    scheme = _first_forwarded_value(request, "HTTP_X_FORWARDED_PROTO").lower() or request.scheme
    host = _first_forwarded_value(request, "HTTP_X_FORWARDED_HOST") or request.get_host()
    port = _first_forwarded_value(request, "HTTP_X_FORWARDED_PORT")
    if port and ":" not in host.rsplit("]", 1)[-1] and port != _DEFAULT_PORTS.get(scheme or ""):
        host = f"{host}:{port}"
    # `request.path` is the path as requested, even when a middleware rewrote `path_info`.
    return f"{scheme}://{host}{request.get_full_path()}"


def find_account_for_sid(account_sid: str) -> tuple[Account, str] | None:
    """Return the account owning a provider account SID and its auth token, or None.

    SIDs starting with `AC` are Twilio's; any other is a Somleng account (reference
    `Account.find_by_platform_account_sid`). The match is case-insensitive, like the unique
    indexes on both columns. An account without an auth token is treated as unknown: an empty
    HMAC key would let anyone sign requests for it.
    """
    if not account_sid:
        return None
    is_twilio = account_sid.startswith(TWILIO_ACCOUNT_SID_PREFIX)
    sid_field, token_field = (
        ("twilio_account_sid", "twilio_auth_token")
        if is_twilio
        else ("somleng_account_sid", "somleng_auth_token")
    )
    # `lower(...)` is the expression of the unique index on each column.
    account = fetch_one(Account, f"lower({sid_field}) = %s", [account_sid.lower()])
    if account is None:
        return None
    auth_token = getattr(account, token_field)
    if not auth_token:
        return None
    return account, auth_token


def is_valid_signature(request: HttpRequest, auth_token: str) -> bool:
    """Return whether the request carries a valid `X-Twilio-Signature` for `auth_token`."""
    signature = request.META.get(SIGNATURE_HEADER, "")
    if not signature or not auth_token:
        return False
    return bool(RequestValidator(auth_token).validate(webhook_url(request), request.POST, signature))
