"""Signing in and out, lock-out, password reset and change, invitations, language."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from scfm.accounts import services
from scfm.accounts.models import User
from tests import factories
from tests.dashboard.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client, email, password, address="10.0.0.1"):
    return client.post("/users/sign_in", {"email": email, "password": password}, REMOTE_ADDR=address)


def test_dashboard_pages_send_anonymous_visitors_to_sign_in(client):
    for url in ("/", "/dashboard", "/dashboard/contacts", "/users/edit"):
        response = client.get(url, follow=True)
        assert response.redirect_chain[-1][0].startswith("/users/sign_in"), url


def test_sign_in_with_email_and_password_then_sign_out(client, member_user):
    response = sign_in(client, "MEMBER@example.com ", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/dashboard/callouts"
    assert client.get("/dashboard/contacts").status_code == 200
    assert client.get("/users/sign_out").status_code == 405  # signing out changes state: POST only
    client.post("/users/sign_out")
    assert client.get("/dashboard/contacts").status_code == 302


def test_sign_in_follows_a_local_next_but_not_another_site(client, member_user):
    response = client.post(
        "/users/sign_in?next=/dashboard/contacts", {"email": member_user.email, "password": PASSWORD}
    )
    assert response.status_code == 302  # the form posts `next` as a hidden field, not in the URL
    client.post("/users/sign_out")
    response = client.post(
        "/users/sign_in", {"email": member_user.email, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/dashboard/callouts"


def test_wrong_password_is_refused_without_telling_which_part_was_wrong(client, member_user):
    wrong = sign_in(client, member_user.email, "nope")
    unknown = sign_in(client, "nobody@example.com", "nope")
    assert wrong.status_code == unknown.status_code == 400
    assert "Invalid email or password." in wrong.content.decode()
    assert "Invalid email or password." in unknown.content.decode()


def test_inactive_users_cannot_sign_in(client, member_user):
    member_user.is_active = False
    member_user.save()
    assert sign_in(client, member_user.email, PASSWORD).status_code == 400


def test_password_reset_by_email(client, member_user, settings):
    settings.SCFM_PUBLIC_URL = "https://scfm.example.org"
    response = client.post("/users/password/new", {"email": member_user.email})
    assert response["Location"] == "/users/password/sent"
    assert len(mail.outbox) == 1
    link = re.search(r"https://scfm\.example\.org(/users/password/edit/\S+)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-new-long-password", "new_password2": "a-new-long-password"},
    )
    assert response.status_code == 302
    assert sign_in(Client(), member_user.email, "a-new-long-password").status_code == 302
    # A reset link works once.
    assert "invalid or has expired" in client.get(link, follow=True).content.decode()


def test_password_reset_for_an_unknown_email_says_the_same_and_sends_nothing(client):
    response = client.post("/users/password/new", {"email": "nobody@example.com"})
    assert response["Location"] == "/users/password/sent"
    assert mail.outbox == []


def test_change_own_password(member_client, member_user):
    response = member_client.post(
        "/users/edit",
        {
            "old_password": PASSWORD,
            "new_password1": "changed-password-1",
            "new_password2": "changed-password-1",
        },
    )
    assert response.status_code == 302
    member_user.refresh_from_db()
    assert member_user.check_password("changed-password-1")
    wrong_old = member_client.post(
        "/users/edit",
        {"old_password": "nope", "new_password1": "x-long-pass", "new_password2": "x-long-pass"},
    )
    assert wrong_old.status_code == 200 and "incorrectly" in wrong_old.content.decode()


def test_accepting_an_invitation_sets_the_password_and_signs_in(
    client, account, settings, django_capture_on_commit_callbacks
):
    settings.SCFM_PUBLIC_URL = "https://scfm.example.org"
    user = factories.UserFactory(account=account, email="new@example.com", password=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.invite_user(user=user)
    link = re.search(r"https://scfm\.example\.org(/users/invitation/accept\?\S+)", mail.outbox[0].body)
    page = client.get(link.group(1))
    assert page.status_code == 200 and "new@example.com" in page.content.decode()
    response = client.post(
        "/users/invitation/accept",
        {
            "invitation_token": user.invitation_token,
            "new_password1": "welcome-password",
            "new_password2": "welcome-password",
        },
    )
    assert response["Location"] == "/dashboard/callouts"
    user.refresh_from_db()
    assert user.invitation_accepted_at is not None and user.invitation_token is None
    assert client.get("/dashboard/contacts").status_code == 200
    # The link cannot be used again.
    assert client.get(link.group(1)).status_code == 404


def test_invitation_links_expire_and_bad_tokens_are_refused(client, account, settings):
    user = factories.UserFactory(account=account, email="late@example.com")
    services.invite_user(user=user)
    User.objects.filter(pk=user.pk).update(
        invitation_sent_at=timezone.now() - timedelta(days=settings.SCFM_INVITATION_VALID_DAYS + 1)
    )
    assert client.get(f"/users/invitation/accept?invitation_token={user.invitation_token}").status_code == 404
    assert client.get("/users/invitation/accept?invitation_token=nope").status_code == 404
    assert client.get("/users/invitation/accept").status_code == 404


def test_there_is_no_public_sign_up(client):
    assert client.get("/users/sign_up").status_code == 404


def test_language_is_chosen_per_user_and_kept(member_client, member_user):
    response = member_client.post("/dashboard/locale", {"locale": "km", "next": "/dashboard/contacts"})
    assert response["Location"] == "/dashboard/contacts"
    member_user.refresh_from_db()
    assert member_user.locale == "km"
    page = member_client.get("/dashboard/contacts")
    assert page["Content-Language"] == "km"
    assert '<html lang="km">' in page.content.decode()
    # Unknown languages and foreign redirects are ignored.
    response = member_client.post("/dashboard/locale", {"locale": "xx", "next": "https://evil.example/"})
    assert response["Location"] == "/dashboard/callouts"
    member_user.refresh_from_db()
    assert member_user.locale == "km"


def test_the_api_stays_english_whatever_the_language(api, account):
    response = api.post("/api/contacts", {"metadata": {}}, format="json", HTTP_ACCEPT_LANGUAGE="km")
    assert response.status_code == 422
    assert response.json()["errors"]["msisdn"] == ["can't be blank"]


def test_sign_in_form_is_protected_against_csrf(member_user):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/users/sign_in", {"email": member_user.email, "password": PASSWORD})
    assert response.status_code == 403
