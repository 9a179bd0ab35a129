import base64

import pytest
from rest_framework.test import APIClient

from scfm.accounts import permissions
from tests import factories

pytestmark = pytest.mark.django_db

CHALLENGE = (
    'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid"'
)


@pytest.fixture
def token(account):
    return factories.AccessTokenFactory(
        resource_owner=account, permissions=permissions.names_to_mask(["contacts_read"])
    )


def test_bearer_header(token):
    client = APIClient()
    assert client.get("/api/contacts", HTTP_AUTHORIZATION=f"Bearer {token.token}").status_code == 200


def test_basic_auth_with_token_as_user_name(token):
    credentials = base64.b64encode(f"{token.token}:".encode()).decode()
    assert APIClient().get("/api/contacts", HTTP_AUTHORIZATION=f"Basic {credentials}").status_code == 200


@pytest.mark.parametrize("param", ["access_token", "bearer_token"])
def test_token_parameters(token, param):
    assert APIClient().get(f"/api/contacts?{param}={token.token}").status_code == 200


def test_token_in_the_body(account):
    token = factories.AccessTokenFactory(
        resource_owner=account, permissions=permissions.names_to_mask(["contacts_write"])
    )
    response = APIClient().post(
        "/api/contacts", {"msisdn": "+855972345678", "access_token": token.token}, format="json"
    )
    assert response.status_code == 201


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic !!!", "Token abc"])
def test_missing_or_unknown_token_is_401_with_challenge(db, header):
    client = APIClient()
    response = client.get("/api/contacts", **({"HTTP_AUTHORIZATION": header} if header else {}))
    assert response.status_code == 401
    assert response.content == b""
    assert response["WWW-Authenticate"] == CHALLENGE


def test_lacking_permission_is_a_bare_401(token):
    response = APIClient().post(
        "/api/contacts",
        {"msisdn": "+855972345678"},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {token.token}",
    )
    assert response.status_code == 401
    assert response.content == b""
    assert "WWW-Authenticate" not in response


def test_accounts_routes_need_a_super_admin(api):
    response = api.get("/api/accounts")
    assert response.status_code == 401
    assert response.content == b""
