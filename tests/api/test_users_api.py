import pytest
from django.core import mail

from scfm.accounts.models import User
from tests import factories

pytestmark = pytest.mark.django_db


def test_create_user(api):
    response = api.post(
        "/api/users",
        {"email": "user22@example.com", "password": "secret123", "metadata": {"foo": "bar"}},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert response["Location"] == f"/api/users/{body['id']}"
    assert list(body) == ["id", "account_id", "metadata", "email", "created_at", "updated_at", "locale"]
    assert body["locale"] == "en"
    user = User.objects.get(pk=body["id"])
    assert user.check_password("secret123")
    assert user.role == "admin"  # the account's first user administers it


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"password": ["can't be blank"], "email": ["can't be blank"]}),
        ({"email": "nope", "password": "secret123"}, {"email": ["is invalid"]}),
        (
            {"email": "a@example.com", "password": "123"},
            {"password": ["is too short (minimum is 6 characters)"]},
        ),
    ],
)
def test_create_invalid_user(api, body, errors):
    response = api.post("/api/users", body, format="json")
    assert response.status_code == 422
    assert response.json() == {"errors": errors}


def test_duplicate_email(api):
    factories.UserFactory(email="taken@example.com")
    response = api.post("/api/users", {"email": "Taken@example.com", "password": "secret123"}, format="json")
    assert response.json() == {"errors": {"email": ["has already been taken"]}}


def test_update_and_delete_user(api):
    user = factories.UserFactory(account=api.account, metadata={"a": 1})
    response = api.patch(
        f"/api/users/{user.pk}",
        {"metadata": {"bar": "foo"}, "metadata_merge_mode": "replace", "password": "newsecret"},
        format="json",
    )
    assert response.status_code == 204
    user.refresh_from_db()
    assert user.metadata == {"bar": "foo"}
    assert user.check_password("newsecret")
    response = api.delete(f"/api/users/{user.pk}")
    assert response.status_code == 204
    assert response["Location"] == "/api/users"


def test_delete_user_who_created_callouts_is_422(api):
    user = factories.UserFactory(account=api.account)
    factories.CalloutFactory(account=api.account, created_by=user)
    response = api.delete(f"/api/users/{user.pk}")
    assert response.status_code == 422


def test_invite_user_sends_an_email_with_a_link(api, django_capture_on_commit_callbacks):
    user = factories.UserFactory(account=api.account)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/users/{user.pk}/user_events", {"event": "invite"}, format="json")
    assert response.status_code == 201
    assert response["Location"] == f"/api/users/{user.pk}"
    assert response.json()["id"] == user.pk
    user.refresh_from_db()
    assert user.invitation_sent_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert f"/users/invitation/accept?invitation_token={user.invitation_token}" in mail.outbox[0].body


def test_unknown_user_event(api):
    user = factories.UserFactory(account=api.account)
    response = api.post(f"/api/users/{user.pk}/user_events", {"event": "promote"}, format="json")
    assert response.status_code == 422
    assert response.json() == {"errors": {"event": ["is not included in the list"]}}


def test_super_admin_creates_and_lists_users_of_another_account(super_admin_api, account):
    response = super_admin_api.post(
        "/api/users",
        {"email": "x@example.com", "password": "secret123", "account_id": account.pk},
        format="json",
    )
    assert response.json()["account_id"] == account.pk
    listing = super_admin_api.get(f"/api/accounts/{account.pk}/users")
    assert [item["id"] for item in listing.json()] == [response.json()["id"]]


@pytest.mark.parametrize(
    "email",
    [
        "user@",  # no domain
        "user@localhost",  # no mail reaches a host-only domain
        "user@example",
        "@example.com",
        "user\x01@example.com",
        '"\x01"@example.com',  # a quoted local part EmailValidator alone would accept
        "user@exa\x7fmple.com",
        "us er@example.com",
        "user@exam\nple.com",
        "a@b@example.com",
    ],
)
def test_an_invalid_email_is_refused(api, email):
    created = api.post("/api/users", {"email": email, "password": "secret123"}, format="json")
    user = factories.UserFactory(account=api.account)
    updated = api.patch(f"/api/users/{user.pk}", {"email": email}, format="json")

    assert created.status_code == updated.status_code == 422
    assert created.json() == updated.json() == {"errors": {"email": ["is invalid"]}}
    assert User.objects.count() == 1
