"""Issue 9's attacks replayed against the real processes (web, engine, simulator) over HTTP.

Each was possible before its fix: a lone surrogate poisoning an account's lists, token escalation,
an account taken over through `users_write`, sign-in locked for everyone from one address, one
number stored twice in two scripts (and dialed as written), sorting by secret columns.
"""

import json
import re
import time

import httpx
import pytest

from scfm.accounts import permissions
from scfm.accounts.models import AccessToken, User, UserRole
from tests import factories
from tests.e2e.conftest import simulator_account

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"


def token_client(stack, account, *names: str) -> httpx.Client:
    mask = permissions.names_to_mask(list(names)) if names else permissions.ALL_TOKEN_PERMISSIONS_MASK
    token = factories.AccessTokenFactory(resource_owner=account, created_by=account, permissions=mask)
    return httpx.Client(
        base_url=f"{stack.web_url}/api", headers={"Authorization": f"Bearer {token.token}"}, timeout=10
    )


def send_json(client: httpx.Client, method: str, path: str, body) -> httpx.Response:
    # json.dumps keeps a lone surrogate as the escape `\ud800`, exactly as a client would send it.
    return client.request(
        method, path, content=json.dumps(body), headers={"Content-Type": "application/json"}
    )


def sign_in(stack, email: str, password: str, *, headers: dict | None = None) -> bool:
    """Sign in through the dashboard's form; return whether it let the user in."""
    with httpx.Client(base_url=stack.web_url, headers=headers or {}, timeout=10) as browser:
        page = browser.get("/users/sign_in")
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        response = browser.post(
            "/users/sign_in", data={"csrfmiddlewaretoken": csrf, "email": email, "password": password}
        )
        return response.status_code == 302 and response.headers["location"].startswith("/dashboard")


def test_a_lone_surrogate_cannot_poison_an_account_or_the_super_admins_lists(stack):
    tenant = factories.AccountFactory()
    api = token_client(stack, tenant)
    super_admin = token_client(stack, factories.AccountFactory(permissions=1))

    response = send_json(api, "POST", "/contacts", {"msisdn": "+855972345678", "metadata": {"a": "\ud800"}})
    assert response.status_code == 422 and "metadata" in response.json()["errors"]
    assert send_json(api, "PATCH", "/account", {"metadata": {"name": "\udfff"}}).status_code == 422

    assert api.get("/contacts").status_code == 200
    assert api.get("/contacts", params={"q[created_at_after]": "2020-01-01"}).status_code == 200
    assert super_admin.get("/accounts").status_code == 200


def test_a_token_grants_no_more_than_it_holds_even_on_a_super_admin_account(stack):
    super_account = factories.AccountFactory(permissions=1)
    other = factories.AccountFactory()
    api = token_client(stack, super_account, "access_tokens_write")
    everything = list(permissions.TOKEN_PERMISSIONS)

    assert api.post("/access_tokens", json={"permissions": everything}).status_code == 422
    response = api.post("/access_tokens", json={"permissions": everything, "account_id": other.pk})
    assert response.status_code == 422
    assert api.post("/access_tokens", json={"permissions": ["access_tokens_write"]}).status_code == 201
    assert not AccessToken.objects.filter(resource_owner=other).exists()


def test_users_write_alone_cannot_take_over_an_account(stack):
    account = factories.AccountFactory()
    api = token_client(stack, account, "users_write", "users_read")

    response = api.post("/users", json={"email": "mallory@example.org", "password": PASSWORD})
    assert response.status_code == 422  # the first user would be the account's admin
    assert not User.objects.filter(email="mallory@example.org").exists()
    assert not sign_in(stack, "mallory@example.org", PASSWORD)

    admin = factories.UserFactory(
        account=account, email="admin@example.org", role=UserRole.ADMIN, password=PASSWORD
    )
    response = api.patch(f"/users/{admin.pk}", json={"password": "taken over 123"})
    assert response.status_code == 422
    assert api.patch(f"/users/{admin.pk}", json={"email": "mallory@example.org"}).status_code == 422
    assert not sign_in(stack, "admin@example.org", "taken over 123")
    assert sign_in(stack, "admin@example.org", PASSWORD)


def test_wrong_passwords_for_other_emails_lock_nobody_out(stack):
    factories.UserFactory(email="operator@example.org", password=PASSWORD)
    for n in range(22):
        assert not sign_in(stack, f"nobody{n}@example.org", "wrong password")

    assert sign_in(stack, "operator@example.org", PASSWORD)


def test_one_client_guessing_one_account_is_throttled_whatever_x_forwarded_for_says(stack):
    factories.UserFactory(email="operator@example.org", password=PASSWORD)
    for n in range(5):  # SCFM_SIGN_IN_MAX_FAILURES
        # No proxy is trusted here: a forged X-Forwarded-For neither spreads the guesses over
        # made-up clients nor blames another address.
        assert not sign_in(
            stack, "operator@example.org", "guess", headers={"X-Forwarded-For": f"203.0.113.{n}"}
        )

    assert not sign_in(stack, "operator@example.org", PASSWORD)
    assert not sign_in(stack, "operator@example.org", PASSWORD, headers={"X-Forwarded-For": "198.51.100.7"})


def test_one_number_is_one_contact_and_is_dialed_in_ascii(stack):
    stack.configure_simulator(seed=3, time_scale=0, mix={"answered": 1})
    account = simulator_account(stack)
    api = token_client(stack, account)

    created = api.post("/contacts", json={"msisdn": "+٨٥٥٩٧٢٣٤٥٦٧٨", "metadata": {"a": "1"}})
    assert (created.status_code, created.json()["msisdn"]) == (201, "+855972345678")
    full_width = api.post("/contacts", json={"msisdn": "＋８５５９７２３４５６７８", "metadata": {"a": "2"}})
    assert full_width.json() == {"errors": {"msisdn": ["must be unique"]}}
    extension = api.post("/contacts", json={"msisdn": "+85512345679 ext. 5", "metadata": {"a": "3"}})
    assert extension.json() == {"errors": {"msisdn": ["must not have an extension"]}}
    assert api.get("/contacts").headers["Total"] == "1"

    callout = api.post("/callouts", json={"call_flow_logic": "CallFlowLogic::HelloWorld"}).json()
    participation = api.post(
        f"/callouts/{callout['id']}/callout_participations",
        json={"contact_id": created.json()["id"], "msisdn": "+٨٥٥٩٧٢٣٤٥٦٧٨"},
    )
    assert participation.status_code == 201
    api.post(f"/callouts/{callout['id']}/callout_events", json={"event": "start"})
    deadline = time.monotonic() + 30
    while not stack.simulator_calls() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert [call["to"] for call in stack.simulator_calls()] == ["+855972345678"]


@pytest.mark.parametrize(
    ("path", "column"),
    [
        ("/access_tokens", "token"),
        ("/users", "invitation_token"),
        ("/users", "password"),
        ("/accounts", "twilio_auth_token"),
    ],
)
def test_secret_columns_do_not_sort(stack, path, column):
    api = token_client(stack, factories.AccountFactory(permissions=1))
    for order in (column, f"-{column}"):
        response = api.get(path, params={"sort": order})
        assert response.status_code == 422
        assert response.json() == {"errors": {"sort": [f"{column} is not a sortable column"]}}
    assert api.get(path, params={"sort": "-id"}).status_code == 200
