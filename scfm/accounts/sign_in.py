"""Sign-in lock-out: too many wrong passwords for one email, or from one address, lock it for a while.

Both scopes are counted because an attacker may try many passwords on one user (per email) or one
password on many users (per address). The address limit is higher: offices share one public address.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from scfm.accounts.models import SignInLock

logger = logging.getLogger(__name__)

EMAIL, ADDRESS = "email", "address"


def _limits() -> dict[str, int]:
    return {
        EMAIL: settings.SCFM_SIGN_IN_MAX_FAILURES,
        ADDRESS: settings.SCFM_SIGN_IN_MAX_FAILURES_PER_ADDRESS,
    }


def _keys(email: str, address: str) -> list[tuple[str, str]]:
    return [(EMAIL, email.strip().lower()), (ADDRESS, address or "unknown")]


def locked_until(*, email: str, address: str) -> datetime | None:
    """Return when sign-in opens again for this email or address, or None when it is open."""
    now = timezone.now()
    locks = [
        lock.locked_until
        for scope, key in _keys(email, address)
        for lock in SignInLock.objects.filter(scope=scope, key=key, locked_until__gt=now)
    ]
    return max(locks) if locks else None


def record_failure(*, email: str, address: str) -> None:
    """Count one wrong password; lock the email or address once it reaches its limit."""
    now = timezone.now()
    window = timedelta(seconds=settings.SCFM_SIGN_IN_LOCKOUT_SECONDS)
    for scope, key in _keys(email, address):
        with transaction.atomic():
            lock = SignInLock.objects.select_for_update().filter(scope=scope, key=key).first()
            if lock is None:
                try:
                    with transaction.atomic():
                        lock = SignInLock.objects.create(scope=scope, key=key, first_failure_at=now)
                except IntegrityError:  # a concurrent failure created it first
                    lock = SignInLock.objects.select_for_update().get(scope=scope, key=key)
            if lock.first_failure_at < now - window or (lock.locked_until and lock.locked_until <= now):
                # Old failures, or a lock that has run out: start counting again.
                lock.failures, lock.first_failure_at, lock.locked_until = 0, now, None
                lock.save()
            SignInLock.objects.filter(pk=lock.pk).update(failures=F("failures") + 1)
            lock.refresh_from_db()
            if lock.failures >= _limits()[scope] and lock.locked_until is None:
                lock.locked_until = now + window
                lock.save(update_fields=["locked_until"])
                logger.warning(
                    "Sign-in locked for %s %s after %d failed attempts, until %s",
                    scope,
                    key,
                    lock.failures,
                    lock.locked_until.isoformat(),
                )


def record_success(*, email: str) -> None:
    """A correct password clears the email's failures (the address keeps its count)."""
    SignInLock.objects.filter(scope=EMAIL, key=email.strip().lower()).delete()
