"""A lone UTF-16 surrogate ("\\ud800") is refused before anything is stored.

It is valid JSON but no character: it cannot be encoded as UTF-8. On SQLite the row was stored and
every later response showing it (the account's lists, the super admin's accounts list) was a 500;
on PostgreSQL, which refuses it in jsonb, the write itself was a 500.
"""

import json

import pytest
from django.test import Client

from scfm.accounts.models import AccessToken, Account, User
from scfm.callouts.models import BatchOperation, Callout
from scfm.contacts.models import Contact

pytestmark = pytest.mark.django_db

LONE = "\ud800"
MESSAGE = "is not valid Unicode text (it holds a lone UTF-16 surrogate)"


def post_json(client, method, path, body):
    # ensure_ascii keeps the surrogate as the six characters `\ud800`, as a client sends it.
    return client.generic(method, path, json.dumps(body), content_type="application/json")


def test_a_lone_surrogate_in_a_contact_value_or_key_is_refused_naming_the_field(api):
    for metadata in ({"name": f"Da{LONE}ra"}, {f"na{LONE}me": "Dara"}, {"a": {"b": [LONE]}}):
        response = post_json(api, "POST", "/api/contacts", {"msisdn": "+855972345678", "metadata": metadata})
        assert (response.status_code, response.json()) == (422, {"errors": {"metadata": [MESSAGE]}})
    response = post_json(api, "POST", "/api/contacts", {"msisdn": f"+855972345678{LONE}"})
    assert (response.status_code, response.json()) == (422, {"errors": {"msisdn": [MESSAGE]}})
    assert not Contact.objects.exists()
    assert api.get("/api/contacts").status_code == 200


def test_a_lone_surrogate_in_a_top_level_key_is_reported_under_base(api):
    response = post_json(api, "POST", "/api/contacts", {"msisdn": "+855972345678", f"x{LONE}": 1})
    assert (response.status_code, response.json()) == (422, {"errors": {"base": [MESSAGE]}})
    assert not Contact.objects.exists()


def test_a_lone_low_surrogate_is_refused_and_a_paired_one_is_an_emoji(api):
    response = post_json(
        api, "POST", "/api/contacts", {"msisdn": "+855972345678", "metadata": {"a": "\udc00"}}
    )
    assert response.status_code == 422
    raw = '{"msisdn": "+855972345678", "metadata": {"mood": "\\ud83d\\ude00"}}'
    response = api.generic("POST", "/api/contacts", raw, content_type="application/json")
    assert response.status_code == 201
    assert api.get("/api/contacts").json()[0]["metadata"] == {"mood": "😀"}


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/api/callouts", {"metadata": {"a": LONE}}, "metadata"),
        ("POST", "/api/callouts", {"settings": {LONE: 1}}, "settings"),
        (
            "POST",
            "/api/access_tokens",
            {"permissions": ["contacts_read"], "metadata": {"a": LONE}},
            "metadata",
        ),
        (
            "POST",
            "/api/users",
            {"email": "a@example.com", "password": "secret123", "metadata": [LONE]},
            "metadata",
        ),
        ("POST", "/api/users", {"email": f"a{LONE}@example.com", "password": "secret123"}, "email"),
        ("POST", "/api/batch_operations", {"type": "CalloutPopulation", "metadata": {"a": LONE}}, "metadata"),
        ("PATCH", "/api/account", {"metadata": {"a": LONE}}, "metadata"),
        ("PATCH", "/api/account", {"settings": {"a": LONE}}, "settings"),
        ("PATCH", "/api/account", {"somleng_account_sid": LONE}, "somleng_account_sid"),
    ],
)
def test_every_resource_refuses_a_lone_surrogate_before_storing_it(api, method, path, body, field):
    account_before = Account.objects.values().get(pk=api.account.pk)
    response = post_json(api, method, path, body)
    assert (response.status_code, response.json()) == (422, {"errors": {field: [MESSAGE]}})
    assert not Callout.objects.exists() and not BatchOperation.objects.exists()
    assert not User.objects.exists()
    assert AccessToken.objects.count() == 1  # the caller's own
    assert Account.objects.values().get(pk=api.account.pk) == account_before


def test_a_normal_account_cannot_break_the_super_admins_accounts_list(api, super_admin_api):
    response = post_json(api, "PATCH", "/api/account", {"metadata": {"name": LONE}})
    assert response.status_code == 422
    assert super_admin_api.get("/api/accounts").status_code == 200


def test_the_body_token_form_is_checked_too(api):
    body = {"access_token": api.access_token.token, "msisdn": "+855972345678", "metadata": {"a": LONE}}
    response = Client().generic("POST", "/api/contacts", json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert not Contact.objects.exists()


def test_a_multipart_body_is_checked_like_a_json_one(api):
    # DRF decodes a multipart field of a JSON field as JSON text: the surrogate escape came through.
    response = api.post(
        "/api/contacts",
        {"msisdn": "+855972345678", "metadata": json.dumps({"a": LONE})},
        format="multipart",
    )
    assert response.status_code == 422
    assert not Contact.objects.exists()
    response = api.post(
        "/api/contacts", {"msisdn": "+855972345678", "metadata[name]": "Dara"}, format="multipart"
    )
    assert response.status_code == 201
    assert Contact.objects.get().metadata == {"name": "Dara"}


def test_undecodable_bytes_in_a_form_or_query_become_replacement_characters(api):
    # Percent-decoded bytes that are no UTF-8 (a surrogate's encoding, ED A0 80) are replaced by
    # U+FFFD, so a form or query string cannot carry a lone surrogate in.
    response = api.generic(
        "POST",
        "/api/contacts",
        "msisdn=%2B855972345678&metadata[name]=Da%ED%A0%80ra",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 201
    assert "\ud800" not in Contact.objects.get().metadata["name"]
    assert api.get("/api/contacts?q[metadata][name]=%ED%A0%80").status_code == 200
