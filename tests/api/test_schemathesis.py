"""The OpenAPI schema tells the truth: schemathesis, every check, positive and negative data.

The app runs in-process (config.wsgi) on the test database. Runs are bounded and derandomized so
`make test` stays within a few minutes on two cores and a failure replays the same way.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from config.wsgi import application
from scfm.accounts import permissions
from tests import factories

pytestmark = pytest.mark.django_db

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20240917,
        # Text without NUL or lone surrogates: the API refuses both (400/422) wherever they appear,
        # as PostgreSQL cannot store them.
        "generation": {
            "max-examples": 10,
            "deterministic": True,
            "mode": "all",
            "allow-x00": False,
            "codec": "utf-8",
            # The test sends its own token; the `ignored_auth` check tries the requests without it.
            "with-security-parameters": False,
        },
        "checks": {
            # Every check runs. Schema-valid data may still break a business rule that JSON Schema
            # cannot state (a plausible phone number, a unique one, a callout event allowed in the
            # callout's current status): the API answers that with 422 and its field errors.
            "positive_data_acceptance": {"expected-statuses": ["2xx", "3xx", "401", "403", "404", "422"]},
        },
    }
)


def _token(account):
    return factories.AccessTokenFactory(
        resource_owner=account, created_by=account, permissions=permissions.ALL_TOKEN_PERMISSIONS_MASK
    ).token


@pytest.fixture
def app(db):
    """The WSGI app on the test's own connection and transaction.

    Django closes connections at each request's start and end; the test client turns that off, and
    so must a WSGI client in the test's thread, or the test's transaction is closed under it.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield application
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def normal_token(db):
    return _token(factories.AccountFactory())


# Loaded as served, once, when the module is collected (serving the schema touches no database).
schema = schemathesis.openapi.from_wsgi("/api/schema", application, config=CONFIG)


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
def test_api_conforms_to_its_schema(app, case, normal_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {normal_token}"})
