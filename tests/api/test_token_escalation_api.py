"""A token grants, changes and reveals at most what it holds, on every account (super admins included)."""

import pytest
from rest_framework.test import APIClient

from scfm.accounts import permissions
from scfm.accounts.models import AccessToken
from tests import factories

pytestmark = pytest.mark.django_db

EVERYTHING = list(permissions.TOKEN_PERMISSIONS)
GRANT_ERROR = {"errors": {"permissions": ["cannot exceed the permissions of the granting token"]}}
OUTRANKED_ERROR = {
    "errors": {"base": ["cannot modify an access token holding permissions the requesting token lacks"]}
}


def client_for(token: AccessToken) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.token}")
    return client


@pytest.fixture
def super_admin_account(db):
    return factories.AccountFactory(permissions=1)


def token_of(account, names) -> AccessToken:
    return factories.AccessTokenFactory(resource_owner=account, permissions=permissions.names_to_mask(names))


def test_a_super_admin_token_cannot_grant_what_it_lacks_on_its_own_account(super_admin_account):
    client = client_for(token_of(super_admin_account, ["access_tokens_write"]))

    response = client.post("/api/access_tokens", {"permissions": EVERYTHING}, format="json")

    assert response.status_code == 422
    assert response.json() == GRANT_ERROR
    assert AccessToken.objects.count() == 1


def test_a_super_admin_token_cannot_grant_what_it_lacks_on_another_account(super_admin_account, account):
    client = client_for(token_of(super_admin_account, ["access_tokens_write"]))

    response = client.post(
        "/api/access_tokens", {"account_id": account.pk, "permissions": EVERYTHING}, format="json"
    )

    assert response.status_code == 422
    assert response.json() == GRANT_ERROR
    assert not AccessToken.objects.filter(resource_owner=account).exists()


def test_a_super_admin_token_grants_what_it_holds_to_another_account(super_admin_account, account):
    client = client_for(token_of(super_admin_account, ["access_tokens_write", "contacts_read"]))

    response = client.post(
        "/api/access_tokens", {"account_id": account.pk, "permissions": ["contacts_read"]}, format="json"
    )

    assert response.status_code == 201
    assert AccessToken.objects.get(pk=response.json()["id"]).resource_owner == account


def test_patch_cannot_raise_permissions_on_a_super_admin_account(super_admin_account):
    holder = token_of(super_admin_account, ["access_tokens_write", "contacts_read"])
    weaker = token_of(super_admin_account, ["contacts_read"])
    client = client_for(holder)

    for target in (holder, weaker):
        response = client.patch(f"/api/access_tokens/{target.pk}", {"permissions": EVERYTHING}, format="json")
        assert response.status_code == 422
        assert response.json() == GRANT_ERROR
        target.refresh_from_db()
        assert target.permissions != permissions.ALL_TOKEN_PERMISSIONS_MASK


def test_the_bootstrap_token_still_grants_everything(super_admin_api, account):
    own = super_admin_api.post("/api/access_tokens", {"permissions": EVERYTHING}, format="json")
    other = super_admin_api.post(
        "/api/access_tokens", {"account_id": account.pk, "permissions": EVERYTHING}, format="json"
    )

    assert own.status_code == 201 and other.status_code == 201
    assert own.json()["permissions"] == EVERYTHING == other.json()["permissions"]


def test_a_token_cannot_change_or_delete_a_stronger_token(account):
    holder = token_of(account, ["access_tokens_read", "access_tokens_write"])
    stronger = token_of(account, EVERYTHING)
    client = client_for(holder)

    # Even lowering a stronger token's permissions, or touching its metadata, is refused.
    downgrade = client.patch(
        f"/api/access_tokens/{stronger.pk}", {"permissions": ["access_tokens_read"]}, format="json"
    )
    relabel = client.patch(f"/api/access_tokens/{stronger.pk}", {"metadata": {"owner": "me"}}, format="json")
    delete = client.delete(f"/api/access_tokens/{stronger.pk}")

    assert [downgrade.status_code, relabel.status_code, delete.status_code] == [422, 422, 422]
    assert downgrade.json() == relabel.json() == delete.json() == OUTRANKED_ERROR
    stronger.refresh_from_db()
    assert stronger.permissions == permissions.ALL_TOKEN_PERMISSIONS_MASK and stronger.metadata == {}


def test_a_token_manages_tokens_it_outranks_and_itself(account):
    holder = token_of(account, ["access_tokens_read", "access_tokens_write", "contacts_read"])
    weaker = token_of(account, ["contacts_read"])
    client = client_for(holder)

    assert (
        client.patch(f"/api/access_tokens/{weaker.pk}", {"metadata": {"a": 1}}, format="json").status_code
        == 204
    )
    assert (
        client.patch(f"/api/access_tokens/{holder.pk}", {"metadata": {"a": 1}}, format="json").status_code
        == 204
    )
    assert client.delete(f"/api/access_tokens/{weaker.pk}").status_code == 204


def test_reads_hide_the_secret_of_a_stronger_token(account):
    reader = token_of(account, ["access_tokens_read", "contacts_read"])
    stronger = token_of(account, EVERYTHING)
    weaker = token_of(account, ["contacts_read"])
    client = client_for(reader)

    listing = {item["id"]: item["token"] for item in client.get("/api/access_tokens").json()}
    shown = client.get(f"/api/access_tokens/{stronger.pk}").json()

    assert listing == {reader.pk: reader.token, stronger.pk: None, weaker.pk: weaker.token}
    assert shown["token"] is None and shown["permissions"] == EVERYTHING
    assert client.get(f"/api/access_tokens/{weaker.pk}").json()["token"] == weaker.token


def test_the_location_of_a_token_created_for_another_account_answers(super_admin_api, account):
    created = super_admin_api.post(
        "/api/access_tokens", {"account_id": account.pk, "permissions": ["contacts_read"]}, format="json"
    )

    location = created["Location"]
    assert location == f"/api/access_tokens/{created.json()['id']}?account_id={account.pk}"
    shown = super_admin_api.get(location)
    assert shown.status_code == 200
    assert shown.json() == created.json()
    assert shown["Location"] == location
