"""Nothing a token does through a user yields more than the token's own permissions.

A token may create a user, set their email or password, or email them an invitation only when it holds
everything that user's dashboard role can do (permissions.ROLE_PERMISSIONS_MASKS).
"""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from scfm.accounts import permissions
from scfm.accounts.models import AccessToken, User, UserRole
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "secret123"  # what tests.factories.UserFactory sets


def token_client(account, mask: int) -> APIClient:
    token = factories.AccessTokenFactory(resource_owner=account, permissions=mask)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.token}")
    return client


def users_only(account) -> APIClient:
    return token_client(account, permissions.names_to_mask(["users_read", "users_write"]))


def member_level(account) -> APIClient:
    """A token holding what a dashboard member can do, plus user management."""
    return token_client(
        account, permissions.MEMBER_PERMISSIONS_MASK | permissions.names_to_mask(["users_write"])
    )


def refused_as(response, role: str) -> None:
    assert response.status_code == 422
    assert response.json() == {
        "errors": {
            "base": [
                f"cannot exceed the permissions of the requesting token: a dashboard {role} "
                "holds permissions this token lacks"
            ]
        }
    }


def signs_in(email: str, password: str) -> bool:
    response = Client().post(reverse("users:sign_in"), {"email": email, "password": password})
    return response.status_code == 302


@pytest.fixture
def admin(account):
    return factories.UserFactory(account=account, role=UserRole.ADMIN, email="admin@example.com")


@pytest.fixture
def member(account, admin):
    return factories.UserFactory(account=account, role=UserRole.MEMBER, email="member@example.com")


def test_every_role_has_a_permission_mask():
    assert set(permissions.ROLE_PERMISSIONS_MASKS) == set(UserRole.values)
    # An admin creates API keys with any permission in the dashboard, so an admin can do everything.
    assert permissions.ROLE_PERMISSIONS_MASKS[UserRole.ADMIN] == permissions.ALL_TOKEN_PERMISSIONS_MASK
    assert not permissions.MEMBER_PERMISSIONS_MASK & permissions.names_to_mask(
        ["access_tokens_write", "users_write", "accounts_write"]
    )


def test_users_write_alone_cannot_create_the_first_user_and_so_cannot_sign_in(account):
    client = users_only(account)

    response = client.post(
        "/api/users", {"email": "intruder@example.com", "password": "intruder1"}, format="json"
    )

    refused_as(response, "admin")
    assert not User.objects.filter(email="intruder@example.com").exists()
    assert not signs_in("intruder@example.com", "intruder1")
    assert AccessToken.objects.filter(resource_owner=account).count() == 1


def test_users_write_alone_cannot_create_a_member_either(account, admin):
    refused_as(
        users_only(account).post(
            "/api/users", {"email": "intruder@example.com", "password": "intruder1"}, format="json"
        ),
        "member",
    )


def test_a_token_holding_a_members_permissions_creates_a_member_who_signs_in(account, admin):
    response = member_level(account).post(
        "/api/users", {"email": "helper@example.com", "password": "helper123"}, format="json"
    )

    assert response.status_code == 201
    assert User.objects.get(email="helper@example.com").role == UserRole.MEMBER
    assert signs_in("helper@example.com", "helper123")


def test_only_an_all_permission_token_creates_an_accounts_first_user(account):
    refused_as(
        member_level(account).post(
            "/api/users", {"email": "first@example.com", "password": "first123"}, format="json"
        ),
        "admin",
    )
    response = token_client(account, permissions.ALL_TOKEN_PERMISSIONS_MASK).post(
        "/api/users", {"email": "first@example.com", "password": "first123"}, format="json"
    )

    assert response.status_code == 201
    assert User.objects.get(email="first@example.com").role == UserRole.ADMIN


def test_users_write_cannot_reset_an_admins_password_or_email(account, admin):
    client = member_level(account)

    refused_as(client.patch(f"/api/users/{admin.pk}", {"password": "taken0ver"}, format="json"), "admin")
    refused_as(
        client.patch(f"/api/users/{admin.pk}", {"email": "intruder@example.com"}, format="json"), "admin"
    )

    admin.refresh_from_db()
    assert admin.email == "admin@example.com" and admin.check_password(PASSWORD)
    assert not signs_in("admin@example.com", "taken0ver")


def test_metadata_needs_only_users_write(account, admin):
    response = users_only(account).patch(
        f"/api/users/{admin.pk}",
        # The unchanged email, in another case, is not a change of email.
        {"metadata": {"team": "ops"}, "email": "Admin@example.com"},
        format="json",
    )

    assert response.status_code == 204
    admin.refresh_from_db()
    assert admin.metadata == {"team": "ops"} and admin.email == "admin@example.com"


def test_a_token_resets_the_password_of_a_user_it_outranks(account, member):
    client = member_level(account)

    assert (
        client.patch(f"/api/users/{member.pk}", {"password": "newsecret"}, format="json").status_code == 204
    )
    refused_as(
        users_only(account).patch(f"/api/users/{member.pk}", {"password": "x" * 8}, format="json"), "member"
    )
    assert signs_in("member@example.com", "newsecret")


def test_an_all_permission_token_manages_an_admins_credentials(api, admin):
    response = api.patch(
        f"/api/users/{admin.pk}", {"email": "boss@example.com", "password": "newsecret"}, format="json"
    )

    assert response.status_code == 204
    assert signs_in("boss@example.com", "newsecret")


def test_users_write_cannot_invite_an_admin(account, admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = member_level(account).post(
            f"/api/users/{admin.pk}/user_events", {"event": "invite"}, format="json"
        )

    refused_as(response, "admin")
    admin.refresh_from_db()
    assert admin.invitation_token is None and len(mail.outbox) == 0


def test_staff_users_sign_in_is_out_of_the_apis_reach(api, account):
    staff = factories.UserFactory(account=account, role=UserRole.ADMIN, is_staff=True)

    response = api.patch(f"/api/users/{staff.pk}", {"password": "newsecret"}, format="json")

    assert response.status_code == 422
    assert response.json() == {
        "errors": {"base": ["cannot change or remove a user with access to the admin site through the API"]}
    }
    assert api.patch(f"/api/users/{staff.pk}", {"metadata": {"a": 1}}, format="json").status_code == 204
    assert api.delete(f"/api/users/{staff.pk}").status_code == 422


def test_a_token_removes_only_users_it_outranks(account, member):
    admin = User.objects.get(email="admin@example.com")
    refused_as(member_level(account).delete(f"/api/users/{admin.pk}"), "admin")
    refused_as(users_only(account).delete(f"/api/users/{member.pk}"), "member")
    assert User.objects.filter(pk__in=[admin.pk, member.pk]).count() == 2

    assert member_level(account).delete(f"/api/users/{member.pk}").status_code == 204
    assert not User.objects.filter(pk=member.pk).exists()


def test_a_super_admin_token_cannot_plant_an_admin_in_another_account(account):
    super_admin = factories.AccountFactory(permissions=1)
    client = token_client(super_admin, permissions.names_to_mask(["users_write"]))

    response = client.post(
        "/api/users",
        {"email": "intruder@example.com", "password": "intruder1", "account_id": account.pk},
        format="json",
    )

    refused_as(response, "admin")
    assert not account.users.exists()


def test_the_location_of_a_user_created_for_another_account_answers(super_admin_api, account):
    created = super_admin_api.post(
        "/api/users",
        {"email": "x@example.com", "password": "secret123", "account_id": account.pk},
        format="json",
    )

    location = created["Location"]
    assert location == f"/api/users/{created.json()['id']}?account_id={account.pk}"
    shown = super_admin_api.get(location)
    assert shown.status_code == 200 and shown.json() == created.json()
