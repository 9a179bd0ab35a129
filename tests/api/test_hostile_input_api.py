"""Wrongly typed or oversized values get a 422 in the reference's shape, never a 500 (found by fuzzing)."""

import pytest

from scfm.accounts.models import Account, User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "body",
    [
        {"somleng_account_sid": [None, None]},
        {"twilio_account_sid": True},
        {"twilio_auth_token": "x" * 300},
        {"call_flow_logic": {"a": 1}},
        {"platform_provider_name": "nexmo"},
    ],
)
def test_account_fields_of_the_wrong_type(api, body):
    before = Account.objects.get(pk=api.account.pk)
    response = api.patch("/api/account", body, format="json")
    assert response.status_code == 422
    assert list(response.json()["errors"]) == list(body)
    after = Account.objects.get(pk=api.account.pk)
    assert (after.twilio_account_sid, after.somleng_account_sid) == (
        before.twilio_account_sid,
        before.somleng_account_sid,
    )


@pytest.mark.parametrize(
    "body",
    [
        {"email": 0, "password": "secret123"},
        {"email": "a@example.com", "password": True},
        {"email": ["a@example.com"], "password": "secret123"},
    ],
)
def test_user_fields_of_the_wrong_type(api, body):
    response = api.post("/api/users", body, format="json")
    assert response.status_code == 422
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/contacts", {"msisdn": ["+855972345678"]}),
        ("/api/contacts", {"msisdn": "+855" + "9" * 100}),
        ("/api/callouts", {"audio_url": {"x": 1}}),
        ("/api/callouts", {"call_flow_logic": "x" * 300}),
        ("/api/access_tokens", {"permissions": "contacts_read"}),
        ("/api/access_tokens", {"permissions": ["contacts_read", 3]}),
        ("/api/batch_operations", {"callout_id": "abc"}),
        ("/api/batch_operations", {"callout_id": 10**30}),
    ],
)
def test_create_with_wrongly_typed_values(api, url, body):
    response = api.post(url, body, format="json")
    assert response.status_code == 422
    assert "errors" in response.json()


def test_event_of_the_wrong_type(api):
    from tests import factories

    callout = factories.CalloutFactory(account=api.account)
    response = api.post(f"/api/callouts/{callout.pk}/callout_events", {"event": ["start"]}, format="json")
    assert response.status_code == 422
    assert response.json() == {"errors": {"event": ["is not included in the list"]}}


HUGE = "9" * 5000  # more digits than Python converts to an int


@pytest.mark.parametrize(
    ("query", "total"),
    [
        (f"q[duration_gt]={HUGE}", 0),
        (f"q[duration_lt]={HUGE}", 1),
        (f"q[duration_gt]=-{HUGE}", 1),
        (f"q[callout_id]={HUGE}", 0),
        (f"q[callout_id]={{callout}},{HUGE}", 1),
        (f"page={HUGE}", 1),
    ],
)
def test_numbers_with_thousands_of_digits_filter_like_any_out_of_range_number(api, query, total):
    from tests import factories

    call = factories.PhoneCallFactory(callout_participation__callout__account=api.account, duration=30)
    response = api.get(f"/api/phone_calls?{query.replace('{callout}', str(call.callout_id))}")
    assert response.status_code == 200
    assert response["Total"] == str(total)


def nested_json(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


BAD_REQUEST = {"status": 400, "error": "Bad Request"}


@pytest.mark.parametrize("levels", [100, 5000, 200_000])  # the last ones exhaust Python's recursion
def test_json_nested_deeper_than_rack_allows_is_a_bad_request(api, levels):
    body = '{"msisdn": "+855972345677", "metadata": ' + nested_json(levels) + "}"
    for content_type in ("application/json", "application/x-www-form-urlencoded"):  # curl -d '{…}'
        response = api.generic("POST", "/api/contacts", body, content_type=content_type)
        assert response.status_code == 400
        assert response.json() == BAD_REQUEST
    assert not Account.objects.get(pk=api.account.pk).contacts.exists()


def test_json_nested_within_the_limit_is_stored(api):
    body = '{"msisdn": "+855972345677", "metadata": ' + nested_json(90) + "}"
    response = api.generic("POST", "/api/contacts", body, content_type="application/json")
    assert response.status_code == 201


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_constants_the_database_refuses_are_a_bad_request(api, constant):
    body = '{"msisdn": "+855972345677", "metadata": {"a": ' + constant + "}}"
    response = api.generic("POST", "/api/contacts", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == BAD_REQUEST


@pytest.mark.parametrize("levels", [101, 3000])
def test_bracket_parameters_nested_too_deeply_are_a_bad_request(api, levels):
    brackets = "[a]" * levels
    response = api.get(f"/api/contacts?q[metadata]{brackets}=1")
    assert (response.status_code, response.json()) == (400, BAD_REQUEST)
    response = api.generic(
        "POST",
        "/api/contacts",
        f"msisdn=%2B855972345677&metadata{brackets}=1",
        content_type="application/x-www-form-urlencoded",
    )
    assert (response.status_code, response.json()) == (400, BAD_REQUEST)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", '{"msisdn": "+855972345677", "metadata": {"a": "x\\u0000y"}}'),
        ("application/json", '{"msisdn": "+855972345677", "metadata": {"a\\u0000": "y"}}'),
        ("application/x-www-form-urlencoded", "msisdn=%2B855972345677&metadata[a]=x%00y"),
    ],
)
def test_a_nul_character_in_a_body_is_a_bad_request(api, content_type, body):
    # PostgreSQL stores no NUL in text or jsonb: it was a database error (500) there.
    response = api.generic("POST", "/api/contacts", body, content_type=content_type)
    assert (response.status_code, response.json()) == (400, BAD_REQUEST)
    assert not Account.objects.get(pk=api.account.pk).contacts.exists()
