"""Sign-in lock-out: per account, per (client address, account), client addresses behind proxies.

Limits in these tests: one client is throttled on one account after 3 wrong passwords, the account
locks for everyone after 6, and a lock lasts 15 minutes.
"""

import ipaddress
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.db.models import F
from django.test import Client, RequestFactory
from django.utils import timezone
from django.utils.formats import date_format

from scfm.accounts import sign_in as lock_out
from scfm.accounts.models import User
from tests.dashboard.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PER_CLIENT, PER_ACCOUNT, COOL_OFF = 3, 6, timedelta(minutes=15)
LOCKED = "Too many failed attempts"


@pytest.fixture(autouse=True)
def limits(settings):
    settings.SCFM_SIGN_IN_MAX_FAILURES = PER_CLIENT
    settings.SCFM_SIGN_IN_MAX_FAILURES_PER_ACCOUNT = PER_ACCOUNT
    settings.SCFM_SIGN_IN_LOCKOUT_SECONDS = int(COOL_OFF.total_seconds())
    settings.SCFM_TRUSTED_PROXIES = []


def sign_in(email, password, address="192.0.2.1", **headers):
    """Post the dashboard's sign-in form from `address` in a fresh browser; return the response."""
    return Client().post(
        "/users/sign_in", {"email": email, "password": password}, REMOTE_ADDR=address, **headers
    )


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/dashboard/callouts"


def locked(response) -> bool:
    return response.status_code == 429 and LOCKED in response.content.decode()


def error_of(response) -> str:
    return re.search(r'<p class="error" role="alert">(.*?)</p>', response.content.decode()).group(1)


def fail(email, times, address="192.0.2.1", **headers):
    for _ in range(times):
        assert not signed_in(sign_in(email, "wrong password", address, **headers))


def age_failures(by: timedelta) -> None:
    """Move every recorded failure `by` into the past, as if that much time had gone by."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - by)


def test_wrong_passwords_for_other_emails_never_lock_a_user_out(member_user):
    # The attack: 22 wrong passwords for e-mails that do not exist, from one address.
    for number in range(22):
        sign_in(f"nobody{number}@example.com", "wrong password", address="198.51.100.7")
    assert signed_in(sign_in(member_user.email, PASSWORD, address="198.51.100.7"))


def test_one_client_is_throttled_on_one_account_without_locking_it_for_others(member_user, admin_user):
    fail(member_user.email, PER_CLIENT, address="198.51.100.7")
    # The right password is refused too, with a page that says why and until when.
    response = sign_in(member_user.email, PASSWORD, address="198.51.100.7")
    assert locked(response)
    assert 'name="email" value="member@example.com"' in response.content.decode()
    # Hammering on while throttled counts for nothing: the account itself never locks from here.
    fail(member_user.email, 2 * PER_ACCOUNT, address="198.51.100.7")
    assert signed_in(sign_in(member_user.email, PASSWORD, address="198.51.100.8"))
    # And the throttled client may still sign in to another account.
    assert signed_in(sign_in(admin_user.email, PASSWORD, address="198.51.100.7"))


def test_many_wrong_passwords_on_one_account_lock_it_from_every_address(member_user, caplog):
    # Two failures from each of three addresses, five minutes apart.
    for client in range(3):
        if client:
            age_failures(timedelta(minutes=5))
        fail(member_user.email, 2, address=f"203.0.113.{client}")
    assert "Locking out" in caplog.text and "member@example.com" in caplog.text
    response = sign_in(member_user.email, PASSWORD, address="198.51.100.99")
    assert locked(response)
    # The lock lifts once the oldest address's failures stop counting, ten minutes before the newest.
    oldest = AccessAttempt.objects.earliest("attempt_time").attempt_time
    assert error_of(response).endswith(f"{date_format(timezone.localtime(oldest + COOL_OFF), 'H:i e')}.")


def test_signing_in_clears_only_the_signing_in_clients_failures(member_user):
    fail(member_user.email, PER_CLIENT, address="198.51.100.7")  # someone guessing
    fail(member_user.email, PER_CLIENT - 1, address="198.51.100.8")  # the owner's typos
    assert signed_in(sign_in(member_user.email, PASSWORD, address="198.51.100.8"))
    # The owner's typos are forgotten; the guesser stays throttled.
    assert not AccessAttempt.objects.filter(ip_address="198.51.100.8").exists()
    assert locked(sign_in(member_user.email, PASSWORD, address="198.51.100.7"))


def test_the_email_is_counted_however_it_is_written(member_user):
    for email in ("MEMBER@example.com", " member@EXAMPLE.com", "Member@Example.Com"):
        sign_in(email, "wrong password")
    assert locked(sign_in(member_user.email, PASSWORD))


def test_a_lock_looks_the_same_whether_or_not_the_email_exists(member_user):
    fail(member_user.email, PER_CLIENT)
    fail("nobody@example.com", PER_CLIENT)
    existing = sign_in(member_user.email, PASSWORD)
    unknown = sign_in("nobody@example.com", PASSWORD)
    assert locked(existing) and locked(unknown)
    assert error_of(existing) == error_of(unknown)


def test_the_lock_lifts_after_the_cool_off(member_user):
    fail(member_user.email, PER_CLIENT)
    age_failures(COOL_OFF - timedelta(seconds=5))
    assert locked(sign_in(member_user.email, PASSWORD))
    age_failures(timedelta(seconds=10))
    assert signed_in(sign_in(member_user.email, PASSWORD))
    # Signing in clears the failures: the next typo starts a fresh count.
    assert not AccessAttempt.objects.filter(username=member_user.email).exists()


def test_a_password_reset_lifts_the_lock(client, member_user):
    fail(member_user.email, PER_ACCOUNT // 2, address="203.0.113.1")
    fail(member_user.email, PER_ACCOUNT // 2, address="203.0.113.2")
    assert locked(sign_in(member_user.email, PASSWORD))
    client.post("/users/password/new", {"email": member_user.email})
    link = re.search(r"(/users/password/edit/\S+)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    new_password = "a-new-long-password"
    client.post(form.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password})
    assert signed_in(sign_in(member_user.email, new_password, address="203.0.113.1"))


def test_the_admin_login_shares_the_lock(member_user):
    User.objects.filter(pk=member_user.pk).update(is_staff=True, is_superuser=True)
    admin = Client()
    for _ in range(PER_CLIENT):
        response = admin.post("/admin/login/", {"username": "Member@Example.com", "password": "nope"})
        assert response.status_code in (200, 429)
    response = admin.post("/admin/login/?next=/admin/", {"username": member_user.email, "password": PASSWORD})
    assert locked(response)
    assert admin.get("/admin/").status_code == 302  # not signed in
    assert locked(sign_in(member_user.email, PASSWORD, address="127.0.0.1"))


def test_forged_x_forwarded_for_is_ignored_without_a_trusted_proxy(member_user, admin_user):
    # A client rotating X-Forwarded-For is still one client ...
    for number in range(PER_CLIENT):
        sign_in(member_user.email, "wrong password", "198.51.100.7", HTTP_X_FORWARDED_FOR=f"10.0.0.{number}")
    assert locked(sign_in(member_user.email, PASSWORD, "198.51.100.7", HTTP_X_FORWARDED_FOR="10.0.0.99"))
    # ... and naming another client's address does not throttle that client.
    fail(admin_user.email, PER_CLIENT, "198.51.100.9", HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert signed_in(sign_in(admin_user.email, PASSWORD, "198.51.100.8"))


def test_x_forwarded_for_names_the_client_behind_a_trusted_proxy(member_user, settings):
    settings.SCFM_TRUSTED_PROXIES = [ipaddress.ip_network("10.9.0.0/16")]
    proxy = "10.9.0.5"
    # Every client arrives from the proxy's address: one of them is throttled, not the others.
    fail(member_user.email, PER_CLIENT, proxy, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert locked(sign_in(member_user.email, PASSWORD, proxy, HTTP_X_FORWARDED_FOR="198.51.100.7"))
    assert signed_in(sign_in(member_user.email, PASSWORD, proxy, HTTP_X_FORWARDED_FOR="198.51.100.8"))
    # What the client itself wrote in the header, left of what the proxy appended, changes nothing.
    forged = "198.51.100.8, 198.51.100.7"
    assert locked(sign_in(member_user.email, PASSWORD, proxy, HTTP_X_FORWARDED_FOR=forged))


def request_from(peer: str, forwarded_for: str | None = None):
    headers = {"REMOTE_ADDR": peer}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().post("/users/sign_in", **headers)


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        ("198.51.100.7", "203.0.113.5", "198.51.100.7"),  # the peer is no proxy of ours
        ("10.9.0.5", None, "10.9.0.5"),  # a trusted proxy that said nothing
        ("10.9.0.5", "203.0.113.5", "203.0.113.5"),
        ("10.9.0.5", "1.2.3.4, 203.0.113.5", "203.0.113.5"),  # a forged hop on the left
        ("10.9.0.5", "203.0.113.5, 10.9.0.7", "203.0.113.5"),  # two proxies in a row
        ("10.9.0.5", "not-an-address, 10.9.0.7", "10.9.0.7"),  # garbage stops the walk
        ("10.9.0.5", "203.0.113.5:4711", "203.0.113.5"),  # a proxy that writes the port
        ("10.9.0.5", "[2001:db8:1:2::9]:443", "2001:db8:1:2::"),
        ("::ffff:198.51.100.7", None, "198.51.100.7"),
        # One IPv6 subscriber holds a /64: its addresses are one client.
        ("2001:db8:1:2:aaaa::1", None, "2001:db8:1:2::"),
        ("2001:db8:1:3::1", None, "2001:db8:1:3::"),
        ("", None, None),
    ],
)
def test_client_address(settings, peer, forwarded_for, client):
    settings.SCFM_TRUSTED_PROXIES = [ipaddress.ip_network("10.9.0.0/16")]
    assert lock_out.client_address(request_from(peer, forwarded_for)) == client


def test_one_ipv6_subscriber_is_throttled_as_one_client(member_user):
    for host in range(PER_CLIENT):
        sign_in(member_user.email, "wrong password", address=f"2001:db8:1:2::{host + 1}")
    assert locked(sign_in(member_user.email, PASSWORD, address="2001:db8:1:2:ffff::1"))
    assert signed_in(sign_in(member_user.email, PASSWORD, address="2001:db8:1:3::1"))


def run_settings(environment: dict) -> subprocess.CompletedProcess:
    code = (
        "import django; django.setup(); from django.conf import settings as s; print(s.SCFM_TRUSTED_PROXIES)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **environment},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_trusted_proxies_are_read_from_the_environment():
    assert run_settings({"SCFM_TRUSTED_PROXIES": ""}).stdout.strip() == "[]"
    parsed = run_settings({"SCFM_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8,::1"})
    assert "IPv4Network('127.0.0.1/32'), IPv4Network('10.0.0.0/8'), IPv6Network('::1/128')" in parsed.stdout
    wrong = run_settings({"SCFM_TRUSTED_PROXIES": "10.0.0.0/8,proxy.example"})
    assert wrong.returncode != 0 and "SCFM_TRUSTED_PROXIES" in wrong.stderr


def test_in_process_authentication_without_a_request_still_works(member_user):
    # The lock counts clients; a check with no request (the test client's login, the shell) has none.
    assert Client().login(email=member_user.email, password=PASSWORD)
    assert not Client().login(email=member_user.email, password="wrong password")
