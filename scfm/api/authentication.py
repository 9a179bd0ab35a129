"""Access-token authentication, accepting every form the reference accepts."""

import base64
import binascii

from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from scfm.accounts.models import AccessToken
from scfm.api.errors import INVALID_TOKEN_CHALLENGE


class TokenPrincipal:
    """The caller behind a token: its account, and the token's permissions."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, access_token: AccessToken):
        self.access_token = access_token
        self.account = access_token.resource_owner


def token_from_request(request) -> str | None:
    """Return the token from Basic (as user name), Bearer, `access_token` or `bearer_token`."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "basic" and credentials:
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[0] or None
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    for name in ("access_token", "bearer_token"):
        value = request.query_params.get(name)
        if value:
            return value
    return None


class AccessTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        token = token_from_request(request)
        if token is None:
            # Body parameters are read only when no header or query token was given, so the body
            # is not parsed for every request.
            data = request.data if request.content_type else {}
            token = next(
                (
                    data.get(name)
                    for name in ("access_token", "bearer_token")
                    if isinstance(data, dict) and isinstance(data.get(name), str)
                ),
                None,
            )
        if token is None:
            return None
        access_token = AccessToken.objects.select_related("resource_owner").filter(token=token).first()
        if access_token is None:
            raise AuthenticationFailed()
        return TokenPrincipal(access_token), access_token

    def authenticate_header(self, request):
        return INVALID_TOKEN_CHALLENGE
