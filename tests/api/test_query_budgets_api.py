"""List endpoints run a fixed number of queries whatever the page holds."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db

# auth (token + account) + count + page
BUDGET = 3


@pytest.fixture
def populated(api):
    for _ in range(5):
        call = factories.PhoneCallFactory(callout_participation__callout__account=api.account)
        factories.RemotePhoneCallEventFactory(phone_call=call)
        factories.BatchOperationFactory(callout=call.callout)
        factories.UserFactory(account=api.account)
        factories.AccessTokenFactory(resource_owner=api.account)
    return api


@pytest.mark.parametrize(
    "url",
    [
        "/api/contacts",
        "/api/callouts",
        "/api/callout_participations",
        "/api/batch_operations",
        "/api/phone_calls",
        "/api/remote_phone_call_events",
        "/api/users",
        "/api/access_tokens",
        "/api/contacts?q[metadata][a]&q[created_at_after]=2020-01-01",
    ],
)
def test_list_query_budget(populated, django_assert_num_queries, url):
    with django_assert_num_queries(BUDGET):
        assert populated.get(url).status_code == 200


def test_accounts_list_query_budget(super_admin_api, django_assert_num_queries):
    factories.AccountFactory.create_batch(5)
    with django_assert_num_queries(BUDGET):
        assert super_admin_api.get("/api/accounts").status_code == 200
