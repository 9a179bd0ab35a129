"""Signed HTTP requests to SCFM, exactly as Twilio and Somleng make them."""

from __future__ import annotations

import asyncio
from urllib.parse import urldefrag, urlencode, urlsplit

import httpx
from twilio.request_validator import RequestValidator

USER_AGENT = "TwilioProxy/1.1"


def origin(url: str) -> tuple[str, str]:
    """Return the scheme and host[:port] of a URL, to keep the simulator on the hosts it was given."""
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


class WebhookSender:
    """Send form-encoded requests signed with `X-Twilio-Signature` for one auth token."""

    def __init__(
        self, client: httpx.AsyncClient, auth_token: str, *, max_open_requests: int | None = None
    ) -> None:
        self.client = client
        self.validator = RequestValidator(auth_token)
        # At most this many requests at once (None: no limit but the client's own pool).
        self._slots = asyncio.Semaphore(max_open_requests) if max_open_requests else None

    def prepare(self, url: str, method: str, params: dict[str, str]) -> httpx.Request:
        """Build the signed request; GET puts the parameters in the query and signs the URL alone."""
        # A fragment (Twilio's connection overrides, `#rc=3`) is never sent, so it is not signed either.
        url = urldefrag(url).url
        if method.upper() == "GET":
            if params:
                url = f"{url}{'&' if urlsplit(url).query else '?'}{urlencode(params)}"
            signature = self.validator.compute_signature(url, {})
            return self.client.build_request(
                "GET", url, headers={"X-Twilio-Signature": signature, "User-Agent": USER_AGENT}
            )
        signature = self.validator.compute_signature(url, params)
        return self.client.build_request(
            "POST",
            url,
            data=params,
            headers={"X-Twilio-Signature": signature, "User-Agent": USER_AGENT},
        )

    async def send(self, url: str, method: str, params: dict[str, str], *, timeout: float) -> httpx.Response:
        """Send one signed request; raise httpx.HTTPError when no response arrives."""
        request = self.prepare(url, method, params)
        # No pool timeout: a callback waiting for a free connection is late, not lost.
        request.extensions["timeout"] = httpx.Timeout(timeout, pool=None).as_dict()
        if self._slots is None:
            # Redirects are not followed: the simulator only calls the URLs it was given.
            return await self.client.send(request, follow_redirects=False)
        async with self._slots:  # a request waiting for a slot is late, not lost
            return await self.client.send(request, follow_redirects=False)
