"""The OpenAPI schema tells the truth: schemathesis, every check, positive and negative data.

The app runs in-process (config.wsgi) on the test database. Runs are bounded and derandomized so
`make test` stays within a few minutes on two cores and a failure replays the same way.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

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
            "max-examples": 40,
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


REQUESTS = {"count": 0}  # requests the app served in this module, reported at its end


def _count_request(**kwargs):
    REQUESTS["count"] += 1


@pytest.fixture(scope="module", autouse=True)
def report_requests():
    yield
    print(f"\nschemathesis: {REQUESTS['count']} requests")


@pytest.fixture
def app(db):
    """The WSGI app on the test's own connection and transaction.

    Django closes connections at each request's start and end; the test client turns that off, and
    so must a WSGI client in the test's thread, or the test's transaction is closed under it.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    request_started.connect(_count_request)
    try:
        yield application
    finally:
        request_started.disconnect(_count_request)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def normal_token(db):
    TOKEN["value"] = _token(factories.AccountFactory())
    yield TOKEN["value"]
    TOKEN["value"] = None


@pytest.fixture
def super_admin_token(db):
    TOKEN["value"] = _token(factories.AccountFactory(permissions=1))
    yield TOKEN["value"]
    TOKEN["value"] = None


# Loaded as served, once, when the module is collected (serving the schema touches no database).
schema = schemathesis.openapi.from_wsgi("/api/schema", application, config=CONFIG)


# The token of the test running now: every request carries it, except those the `ignored_auth`
# check sends without it or with a wrong one (it knows this one is the real credential).
TOKEN = {"value": None}


@schema.auth(refresh_interval=None, retry_on=[])
class CurrentToken:
    def get(self, case, context):
        return TOKEN["value"]

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
def test_api_conforms_to_its_schema(app, case, normal_token):
    case.call_and_validate()


# /api/accounts is for super admins: the run above sees its 401s, this one what super admins get.
@schema.include(path_regex="^/api/accounts").parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
def test_super_admin_operations_conform_to_the_schema(app, case, super_admin_token):
    case.call_and_validate()


def test_stateful_workflows_conform_to_the_schema(app, normal_token):
    """Chains of calls, each using what an earlier one created (links inferred from the schema)."""

    class Workflow(schema.as_state_machine()):
        # Each scenario starts from the same data: hypothesis replays scenarios to shrink them,
        # and one that saw rows an earlier scenario left would not replay the same way.
        def setup(self):
            self.scenario = transaction.atomic()
            self.scenario.__enter__()

        def teardown(self):
            transaction.set_rollback(True)
            self.scenario.__exit__(None, None, None)

    run_state_machine_as_test(
        Workflow,
        settings=settings(
            max_examples=100,
            stateful_step_count=8,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
