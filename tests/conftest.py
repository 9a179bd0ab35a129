import pytest
from rest_framework.test import APIClient

from scfm.accounts import permissions
from tests import factories


@pytest.fixture
def account(db):
    return factories.AccountFactory()


@pytest.fixture
def other_account(db):
    return factories.AccountFactory()


@pytest.fixture
def access_token(account):
    return factories.AccessTokenFactory(
        resource_owner=account, created_by=account, permissions=permissions.ALL_TOKEN_PERMISSIONS_MASK
    )


@pytest.fixture
def api(access_token):
    """An API client authenticated as `account` with every permission."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access_token.token}")
    client.account = access_token.resource_owner
    client.access_token = access_token
    return client


@pytest.fixture
def super_admin_api(db):
    account = factories.AccountFactory(permissions=1)
    token = factories.AccessTokenFactory(
        resource_owner=account, created_by=account, permissions=permissions.ALL_TOKEN_PERMISSIONS_MASK
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.token}")
    client.account = account
    client.access_token = token
    return client


@pytest.fixture(autouse=True)
def fast_password_hashing(request, settings):
    """Hash test users' passwords quickly (PBKDF2 takes ~0.3 s each). Not for end-to-end tests:
    the real web process they sign in to only knows the production hashers."""
    if request.node.get_closest_marker("e2e") is None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
