import pytest
from django.test import Client

from scfm.accounts.models import UserRole
from tests import factories

PASSWORD = "secret123"  # what tests.factories.UserFactory sets


@pytest.fixture
def admin_user(account):
    return factories.UserFactory(account=account, role=UserRole.ADMIN, email="admin@example.com")


@pytest.fixture
def member_user(account):
    return factories.UserFactory(account=account, role=UserRole.MEMBER, email="member@example.com")


@pytest.fixture
def other_user(other_account):
    return factories.UserFactory(account=other_account, role=UserRole.ADMIN, email="other@example.com")


def signed_in(user) -> Client:
    client = Client(enforce_csrf_checks=False)
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def admin_client(admin_user):
    """A browser session of an admin of `account` (CSRF not enforced; see test_csrf for that)."""
    return signed_in(admin_user)


@pytest.fixture
def member_client(member_user):
    return signed_in(member_user)


@pytest.fixture
def other_client(other_user):
    """An admin of another account: must never see `account`'s data."""
    return signed_in(other_user)
