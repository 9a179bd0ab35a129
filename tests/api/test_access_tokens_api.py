import pytest
from rest_framework.test import APIClient

from scfm.accounts import permissions
from scfm.accounts.models import AccessToken
from tests import factories

pytestmark = pytest.mark.django_db


def test_create_access_token(api):
    response = api.post(
        "/api/access_tokens", {"metadata": {"foo": "bar"}, "permissions": ["contacts_write"]}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert response["Location"] == f"/api/access_tokens/{body['id']}"
    assert list(body) == ["id", "token", "created_at", "updated_at", "metadata", "permissions"]
    assert len(body["token"]) == 43
    assert body["permissions"] == ["contacts_write"]
    token = AccessToken.objects.get(pk=body["id"])
    assert token.resource_owner == api.account and token.created_by == api.account


def test_unknown_permission_is_422(api):
    response = api.post("/api/access_tokens", {"permissions": ["launch_rockets"]}, format="json")
    assert response.status_code == 422


def test_a_token_cannot_grant_what_it_does_not_hold(account):
    holder = factories.AccessTokenFactory(
        resource_owner=account,
        permissions=permissions.names_to_mask(["access_tokens_write", "contacts_read"]),
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {holder.token}")
    response = client.post("/api/access_tokens", {"permissions": ["contacts_write"]}, format="json")
    assert response.status_code == 422
    assert (
        client.post("/api/access_tokens", {"permissions": ["contacts_read"]}, format="json").status_code
        == 201
    )
    response = client.patch(
        f"/api/access_tokens/{holder.pk}", {"permissions": ["accounts_write"]}, format="json"
    )
    assert response.status_code == 422


def test_list_retrieve_update_delete(api):
    token = factories.AccessTokenFactory(resource_owner=api.account, metadata={"foo": "bar"})
    response = api.get("/api/access_tokens?q[metadata][foo]=bar")
    assert response["Total"] == "1"
    assert response.json()[0]["permissions"] == []
    response = api.get(f"/api/access_tokens/{token.pk}")
    assert response["Location"] == f"/api/access_tokens/{token.pk}"
    assert response.json()["token"] == token.token
    response = api.patch(
        f"/api/access_tokens/{token.pk}",
        {"metadata": {"foo": "baz"}, "metadata_merge_mode": "replace"},
        format="json",
    )
    assert response.status_code == 204
    response = api.delete(f"/api/access_tokens/{token.pk}")
    assert response.status_code == 204
    assert response["Location"] == "/api/access_tokens"


def test_delete_a_token_created_by_another_account(api, super_admin_api):
    token = factories.AccessTokenFactory(resource_owner=api.account, created_by=super_admin_api.account)
    response = api.delete(f"/api/access_tokens/{token.pk}")
    assert response.status_code == 422
    assert response.json() == {
        "errors": {"base": ["Cannot delete record because the destroyer is not the creator"]}
    }


def test_super_admin_manages_tokens_of_another_account(super_admin_api, account):
    response = super_admin_api.post(
        "/api/access_tokens", {"account_id": account.pk, "permissions": ["contacts_read"]}, format="json"
    )
    assert response.status_code == 201
    assert AccessToken.objects.get(pk=response.json()["id"]).resource_owner == account
    listing = super_admin_api.get(f"/api/accounts/{account.pk}/access_tokens")
    assert [item["id"] for item in listing.json()] == [response.json()["id"]]
