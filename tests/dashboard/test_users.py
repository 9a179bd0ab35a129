"""Dashboard: the account's users — list, invite, change role, resend the invitation, remove (admins only)."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from scfm.accounts import memberships
from scfm.accounts.models import User, UserRole
from scfm.core.errors import ValidationFailed
from tests import factories

pytestmark = pytest.mark.django_db

LIST = reverse("dashboard:users")
INVITE = reverse("dashboard:user_invite")


def url(name, user):
    return reverse(f"dashboard:{name}", args=[user.pk])


@pytest.fixture
def invited(account, admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = memberships.invite_new_user(
            account=account, email="new@example.com", role=UserRole.MEMBER, invited_by=admin_user
        )
    mail.outbox.clear()
    return user


def test_list_shows_the_accounts_users_newest_first(admin_client, admin_user, member_user, other_user):
    response = admin_client.get(LIST)

    assert response.status_code == 200
    assert [user.pk for user in response.context["page"].items] == [member_user.pk, admin_user.pk]
    content = response.content.decode()
    assert "member@example.com" in content and "other@example.com" not in content
    assert "Member" in content and "Admin" in content


def test_list_query_count_does_not_grow_with_rows(admin_client, account, django_assert_max_num_queries):
    factories.UserFactory.create_batch(30, account=account)

    with django_assert_max_num_queries(5):
        response = admin_client.get(LIST)

    assert len(response.context["page"].items) == 25


def test_invite_creates_a_user_who_cannot_sign_in_and_emails_the_link(
    admin_client, admin_user, account, django_capture_on_commit_callbacks
):
    assert admin_client.get(INVITE).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(INVITE, {"email": " New@Example.com ", "role": "admin"})

    assert response.status_code == 302
    assert response.url == LIST
    user = User.objects.get(email="new@example.com")
    assert user.account == account
    assert user.role == UserRole.ADMIN
    assert user.invited_by == admin_user
    assert not user.has_usable_password()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new@example.com"]
    link = f"/users/invitation/accept?invitation_token={user.invitation_token}"
    assert link in message.body
    # No password, so no way in before the invitation is accepted.
    assert not Client().login(email="new@example.com", password="")
    sign_in = Client().post(reverse("users:sign_in"), {"email": "new@example.com", "password": "whatever1"})
    assert sign_in.status_code == 400


def test_the_invitation_link_lets_the_user_in(admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(INVITE, {"email": "new@example.com", "role": "member"})
    path = re.search(r"https?://[^/]+(/users/invitation/accept\?invitation_token=\S+)", mail.outbox[0].body)[
        1
    ]
    browser = Client()

    assert browser.get(path).status_code == 200
    token = path.split("=", 1)[1]
    response = browser.post(
        reverse("users:accept_invitation"),
        {"invitation_token": token, "new_password1": "a-long-pass-123", "new_password2": "a-long-pass-123"},
    )

    assert response.status_code == 302
    assert browser.get(reverse("dashboard:participations")).status_code == 200
    assert User.objects.get(email="new@example.com").invitation_accepted_at is not None


def test_invite_shows_errors(admin_client, admin_user):
    duplicate = admin_client.post(INVITE, {"email": admin_user.email, "role": "member"})
    invalid = admin_client.post(INVITE, {"email": "not-an-email", "role": "member"})
    bad_role = admin_client.post(INVITE, {"email": "x@example.com", "role": "owner"})

    assert duplicate.status_code == 422 and "has already been taken" in duplicate.content.decode()
    assert invalid.status_code == 422 and "is invalid" in invalid.content.decode()
    assert bad_role.status_code == 422
    assert not User.objects.filter(email="x@example.com").exists()
    assert len(mail.outbox) == 0


def test_detail_shows_the_user(admin_client, invited):
    response = admin_client.get(url("user_detail", invited))

    assert response.status_code == 200
    content = response.content.decode()
    assert invited.email in content
    assert url("user_reinvite", invited) in content
    assert "admin@example.com" in content  # invited by


def test_reinvite_sends_a_fresh_link_while_pending(admin_client, invited, django_capture_on_commit_callbacks):
    old_token = invited.invitation_token

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url("user_reinvite", invited))

    assert response.status_code == 302
    invited.refresh_from_db()
    assert invited.invitation_token != old_token
    assert len(mail.outbox) == 1 and invited.invitation_token in mail.outbox[0].body


def test_reinvite_is_refused_once_the_user_can_sign_in(admin_client, member_user):
    response = admin_client.post(url("user_reinvite", member_user), follow=True)

    assert "already accepted" in response.content.decode()
    member_user.refresh_from_db()
    assert member_user.invitation_token is None
    assert len(mail.outbox) == 0


def test_change_role(admin_client, member_user):
    response = admin_client.post(url("user_role", member_user), {"role": "admin"})

    assert response.status_code == 302
    member_user.refresh_from_db()
    assert member_user.role == UserRole.ADMIN


def test_the_last_admin_cannot_be_demoted(admin_client, admin_user, member_user):
    response = admin_client.post(url("user_role", admin_user), {"role": "member"}, follow=True)

    admin_user.refresh_from_db()
    assert admin_user.role == UserRole.ADMIN
    assert "last admin cannot be made a member" in response.content.decode()


def test_an_admin_may_step_down_when_another_admin_remains(admin_client, admin_user, member_user):
    memberships.change_user_role(user=member_user, role=UserRole.ADMIN)

    response = admin_client.post(url("user_role", admin_user), {"role": "member"})

    admin_user.refresh_from_db()
    assert admin_user.role == UserRole.MEMBER
    assert response.url == reverse("dashboard:home")
    assert admin_client.get(LIST).status_code == 403


def test_an_unknown_role_is_refused(admin_client, member_user):
    admin_client.post(url("user_role", member_user), {"role": "owner"})

    member_user.refresh_from_db()
    assert member_user.role == UserRole.MEMBER


def test_remove_a_user(admin_client, member_user):
    response = admin_client.post(url("user_delete", member_user))

    assert response.status_code == 302
    assert response.url == LIST
    assert not User.objects.filter(pk=member_user.pk).exists()


def test_you_cannot_remove_yourself(admin_client, admin_user):
    response = admin_client.post(url("user_delete", admin_user), follow=True)

    assert User.objects.filter(pk=admin_user.pk).exists()
    assert "cannot remove yourself" in response.content.decode()


def test_the_last_admin_cannot_be_removed(account, admin_user):
    other_admin = factories.UserFactory(account=account, role=UserRole.ADMIN)
    client = Client()
    client.force_login(other_admin)
    # Two admins: removing one is fine; then the remaining one is the last.
    assert client.post(url("user_delete", admin_user)).status_code == 302
    assert not User.objects.filter(pk=admin_user.pk).exists()

    # The dashboard never offers it (an admin cannot remove themselves); the service refuses anyway.
    with pytest.raises(ValidationFailed, match="last admin cannot be removed"):
        memberships.remove_user(user=other_admin, removed_by=factories.UserFactory(account=account))
    assert User.objects.filter(pk=other_admin.pk).exists()


def test_a_user_who_created_callouts_is_kept(admin_client, member_user, account):
    factories.CalloutFactory(account=account, created_by=member_user)

    response = admin_client.post(url("user_delete", member_user), follow=True)

    assert User.objects.filter(pk=member_user.pk).exists()
    assert "created callouts" in response.content.decode()


@pytest.mark.parametrize("name", ["user_role", "user_reinvite", "user_delete"])
def test_actions_are_post_only(admin_client, member_user, name):
    assert admin_client.get(url(name, member_user)).status_code == 405


@pytest.mark.parametrize("name", ["user_role", "user_reinvite", "user_delete"])
def test_actions_need_the_csrf_token(admin_user, member_user, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)

    assert client.post(url(name, member_user), {"role": "admin"}).status_code == 403
    member_user.refresh_from_db()
    assert member_user.role == UserRole.MEMBER


def test_invite_needs_the_csrf_token(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)

    assert client.post(INVITE, {"email": "new@example.com", "role": "member"}).status_code == 403
    assert not User.objects.filter(email="new@example.com").exists()


def test_members_are_forbidden(member_client, admin_user):
    assert member_client.get(LIST).status_code == 403
    assert member_client.get(INVITE).status_code == 403
    assert member_client.post(INVITE, {"email": "new@example.com", "role": "admin"}).status_code == 403
    assert member_client.get(url("user_detail", admin_user)).status_code == 403
    assert member_client.post(url("user_role", member_client.user), {"role": "admin"}).status_code == 403
    assert member_client.post(url("user_reinvite", admin_user)).status_code == 403
    assert member_client.post(url("user_delete", admin_user)).status_code == 403
    assert User.objects.get(pk=member_client.user.pk).role == UserRole.MEMBER
    assert not User.objects.filter(email="new@example.com").exists()


def test_other_accounts_get_404(other_client, member_user):
    for name in ("user_detail",):
        assert other_client.get(url(name, member_user)).status_code == 404
    for name in ("user_role", "user_reinvite", "user_delete"):
        assert other_client.post(url(name, member_user), {"role": "admin"}).status_code == 404
    assert member_user.pk not in [user.pk for user in other_client.get(LIST).context["page"].items]
    member_user.refresh_from_db()
    assert member_user.role == UserRole.MEMBER


def test_anonymous_visitors_are_sent_to_sign_in(client, member_user):
    for target in (LIST, INVITE, url("user_detail", member_user)):
        response = client.get(target)
        assert response.status_code == 302 and response.url.startswith("/users/sign_in")
    response = client.post(url("user_delete", member_user))
    assert response.status_code == 302 and response.url.startswith("/users/sign_in")


@pytest.mark.parametrize("email", ["new\x01@example.com", '"\x07"@example.com', "new@", "new@localhost"])
def test_invite_refuses_an_email_mail_cannot_safely_reach(admin_client, email):
    response = admin_client.post(INVITE, {"email": email, "role": "member"})

    assert response.status_code == 422 and "is invalid" in response.content.decode()
    assert not User.objects.exclude(email="admin@example.com").exists()
    assert len(mail.outbox) == 0
