"""Sign-in lock-out, through django-axes: lock an account, throttle a client on one account.

Failures are counted per account (any client) and per (client address, account); never per address
alone, so wrong passwords for other e-mails never lock anyone out, and people who share an address
(an office, everyone behind a reverse proxy) cannot lock each other out. Each count has its own limit
(settings.py says which); axes keeps the counts and refuses locked sign-ins, and the callables here
tell it who the client and the account are.
"""

import ipaddress
from datetime import datetime, timedelta

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def account_key(request, credentials: dict | None) -> str | None:
    """Return the e-mail an attempt names, as accounts store it: trimmed and lower-case.

    The dashboard authenticates with `email`, the admin's login form with `username`; both must
    count for the same account, and changing the case must not start a fresh count.
    """
    source = credentials or getattr(request, "POST", None) or {}
    raw = source.get("email") or source.get("username")
    if not raw:
        return None
    return str(raw).strip().lower()[:255]  # axes keeps it in a 255-character column


def _parse(value: str) -> IPAddress | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "192.0.2.1:443"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _is_trusted_proxy(address: IPAddress) -> bool:
    return any(address in network for network in settings.SCFM_TRUSTED_PROXIES)


def _client_key(address: IPAddress) -> str:
    # One IPv6 subscriber usually holds a whole /64 and can rotate through it at will: count the
    # network, or the per-client throttle would be 2**64 throttles.
    if address.version == 6:
        return str(ipaddress.IPv6Network((address, 64), strict=False).network_address)
    return str(address)


def client_address(request) -> str | None:
    """Return the address failures are counted against for this request's client.

    The peer (REMOTE_ADDR) unless it is a trusted proxy (SCFM_TRUSTED_PROXIES); then X-Forwarded-For
    is read from the right, each hop having been appended by the proxy before it, and the first hop
    that is not itself a trusted proxy is the client. Anything left of that hop was written by the
    client and is ignored, so a forged header can neither dodge the throttle nor frame another address.
    """
    peer = _parse(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return None
    client = peer
    if _is_trusted_proxy(peer):
        hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        for hop in reversed(hops):
            address = _parse(hop)
            if address is None:
                break  # not an address a proxy would write: keep the last trusted hop
            client = address
            if not _is_trusted_proxy(address):
                break
    return _client_key(client)


def account_limit(request, credentials: dict | None) -> int:
    """Return how many failures lock an account, from any clients (AXES_FAILURE_LIMIT)."""
    return settings.SCFM_SIGN_IN_MAX_FAILURES_PER_ACCOUNT


def cool_off(request) -> timedelta:
    """Return how long failures keep counting, and so how long a lock lasts (AXES_COOLOFF_TIME)."""
    return timedelta(seconds=settings.SCFM_SIGN_IN_LOCKOUT_SECONDS)


def _names_the_client(parameters: str | list[str]) -> bool:
    return "ip_address" in ([parameters] if isinstance(parameters, str) else parameters)


def _own_limit(parameters: str | list[str], request, credentials: dict | None) -> int:
    if _names_the_client(parameters):
        return settings.SCFM_SIGN_IN_MAX_FAILURES
    return get_failure_limit(request, credentials)


class SignInLockHandler(AxesDatabaseHandler):
    """Keep axes' database counts, but give each lock-out parameter set its own limit.

    Axes compares the largest count of all its parameter sets with one limit (AXES_FAILURE_LIMIT), so
    with ["username", ["ip_address", "username"]] the pair's count, never above the account's, could
    never lock first. Here a set naming the client address locks at SCFM_SIGN_IN_MAX_FAILURES and the
    account at AXES_FAILURE_LIMIT; get_failures reports the lock on axes' scale, so the backend, the
    failure handler and the middleware all keep working unchanged.
    """

    def _counts(self, request, credentials: dict | None):
        parameter_sets = get_lockout_parameters(request, credentials)
        attempt_sets = self.get_user_attempts(request, credentials)
        for parameters, attempts in zip(parameter_sets, attempt_sets, strict=True):
            yield _own_limit(parameters, request, credentials), attempts

    def get_failures(self, request, credentials: dict | None = None) -> int:
        """Return the most failures of any set, or AXES_FAILURE_LIMIT once any set reached its own."""
        limit = get_failure_limit(request, credentials)
        counts = [(own, self._sum(attempts)) for own, attempts in self._counts(request, credentials)]
        most = max((failures for _, failures in counts), default=0)
        if any(failures >= own for own, failures in counts):
            return max(most, limit)
        return min(most, limit - 1)

    @staticmethod
    def _sum(attempts) -> int:
        return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """Forget this client's failures on the account once it signs in (AXES_RESET_ON_SUCCESS).

        Axes would forget every client's: the owner signing in would hand whoever is guessing at the
        account a fresh set of attempts.
        """
        count, _ = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials), ip_address=request.axes_ip_address
        ).delete()
        return count

    def locked_until(self, request, credentials: dict | None = None) -> datetime | None:
        """Return when every lock on this attempt will have run out, or None when none holds."""
        cool_off = get_cool_off(request)
        ends = []
        for own, attempts in self._counts(request, credentials):
            rows = list(attempts.order_by("attempt_time").values_list("attempt_time", "failures_since_start"))
            remaining = sum(failures for _, failures in rows)
            # Each row's failures stop counting a cool-off after its latest one: the lock lifts when
            # enough of the oldest rows have expired to bring the count under the limit.
            for attempt_time, failures in rows:
                if remaining < own:
                    break
                remaining -= failures
                ends.append(attempt_time + cool_off)
        return max(ends, default=None)


def locked_until(request, credentials: dict | None) -> datetime | None:
    """Return when sign-in opens again for this request's client and account, or None when open."""
    AxesProxyHandler.update_request(request)
    return AxesProxyHandler.get_implementation().locked_until(request, credentials)


def lift_lock(email: str) -> None:
    """Forget every failure counted against this account, from any client."""
    AxesProxyHandler.reset_attempts(username=account_key(None, {"email": email}))


class SignInLockBackend(AxesStandaloneBackend):
    """Refuse any password, right or wrong, while the account or this client on it is locked."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        # Without a request there is no client to count: in-process checks (the test client's login(),
        # the shell). Every sign-in form passes its request, so no HTTP path skips the lock.
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
