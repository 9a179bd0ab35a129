import pytest

from scfm.contacts.models import Contact
from tests import factories

pytestmark = pytest.mark.django_db


def test_create_contact_normalises_msisdn(api):
    response = api.post(
        "/api/contacts",
        {"msisdn": "252662345999", "metadata": {"gender": "f", "name": "Kate"}},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert response["Location"] == f"/api/contacts/{body['id']}"
    assert list(body) == ["id", "msisdn", "metadata", "created_at", "updated_at", "account_id"]
    assert body["msisdn"] == "+252662345999"
    assert body["metadata"] == {"gender": "f", "name": "Kate"}
    assert body["account_id"] == api.account.pk
    assert body["created_at"].endswith("Z") and len(body["created_at"]) == len("2023-09-18T06:34:48.708Z")


def test_create_contact_from_a_form_encoded_body(api):
    response = api.post(
        "/api/contacts",
        "msisdn=%2B855972345678&metadata[name]=Alice&metadata[address][city]=PP",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 201
    assert response.json()["metadata"] == {"name": "Alice", "address": {"city": "PP"}}


def test_create_contact_with_json_body_sent_as_form_like_curl_does(api):
    response = api.post(
        "/api/contacts", '{"msisdn": "+855972345678"}', content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"msisdn": ["can't be blank"]}),
        ({"msisdn": "1234"}, {"msisdn": ["is invalid"]}),
        ({"msisdn": ""}, {"msisdn": ["must be filled"]}),
        ({"msisdn": "+855972345678", "metadata": {}}, {"metadata": ["must be filled"]}),
        ({"msisdn": "+855972345678", "metadata": "x"}, {"metadata": ["must be a hash"]}),
        (
            {"msisdn": "+855972345678", "metadata_merge_mode": "x"},
            {"metadata_merge_mode": ["must be one of: replace, merge, deep_merge"]},
        ),
    ],
)
def test_create_invalid_contact(api, body, errors):
    response = api.post("/api/contacts", body, format="json")
    assert response.status_code == 422
    assert response.json() == {"errors": errors}
    assert not Contact.objects.exists()


def test_create_duplicate_contact_is_422(api):
    factories.ContactFactory(account=api.account, msisdn="+855972345678")
    response = api.post("/api/contacts", {"msisdn": "(855) 97 2345 678"}, format="json")
    assert response.status_code == 422
    assert response.json() == {"errors": {"msisdn": ["must be unique"]}}


def test_update_contact_replaces_metadata(api):
    contact = factories.ContactFactory(account=api.account, metadata={"gender": "f", "name": "Sok"})
    response = api.patch(
        f"/api/contacts/{contact.pk}",
        {"metadata": {"name": "Kate"}, "metadata_merge_mode": "replace"},
        format="json",
    )
    assert response.status_code == 204
    assert response["Location"] == f"/api/contacts/{contact.pk}"
    contact.refresh_from_db()
    assert contact.metadata == {"name": "Kate"}


def test_update_contact_merges_and_deep_merges(api):
    existing = {"a": "b", "foo": "bar", "baz": {"c": [1, 2, 3]}}
    new = {"foo": "baz", "bar": "baz", "baz": {"x": [4, 5, 6]}}
    contact = factories.ContactFactory(account=api.account, metadata=existing)
    api.patch(f"/api/contacts/{contact.pk}", {"metadata": new}, format="json")
    contact.refresh_from_db()
    assert contact.metadata == {"a": "b", "foo": "baz", "baz": {"x": [4, 5, 6]}, "bar": "baz"}
    contact.metadata = existing
    contact.save()
    api.patch(
        f"/api/contacts/{contact.pk}", {"metadata": new, "metadata_merge_mode": "deep_merge"}, format="json"
    )
    contact.refresh_from_db()
    assert contact.metadata == {"a": "b", "foo": "baz", "baz": {"c": [1, 2, 3], "x": [4, 5, 6]}, "bar": "baz"}


def test_update_contact_with_invalid_msisdn(api):
    contact = factories.ContactFactory(account=api.account)
    response = api.patch(f"/api/contacts/{contact.pk}", {"msisdn": "1234"}, format="json")
    assert response.status_code == 422
    assert response.json() == {"errors": {"msisdn": ["is invalid"]}}


def test_update_contact_msisdn_to_an_existing_one_is_422_not_500(api):
    factories.ContactFactory(account=api.account, msisdn="+855972345678")
    contact = factories.ContactFactory(account=api.account)
    response = api.patch(f"/api/contacts/{contact.pk}", {"msisdn": "+855972345678"}, format="json")
    assert response.status_code == 422
    assert response.json() == {"errors": {"msisdn": ["must be unique"]}}


def test_contact_data_creates_then_updates(api):
    first = api.post(
        "/api/contact_data",
        {"msisdn": "252662346003", "metadata": {"gender": "f", "name": "Kate"}},
        format="json",
    )
    assert first.status_code == 201
    assert first["Location"] == f"/api/contacts/{first.json()['id']}"
    second = api.post(
        "/api/contact_data",
        {"msisdn": "+252662346003", "metadata": {"name": "Sok"}, "metadata_merge_mode": "replace"},
        format="json",
    )
    assert second.status_code == 201
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["metadata"] == {"name": "Sok"}


def test_contact_data_without_msisdn_is_400(api):
    response = api.post("/api/contact_data", {"metadata": {"a": "b"}}, format="json")
    assert response.status_code == 400
    assert response.json() == {"status": 400, "error": "Bad Request"}


def test_contact_data_with_invalid_number(api):
    response = api.post("/api/contact_data", {"msisdn": "1234"}, format="json")
    assert response.status_code == 422
    assert response.json() == {"errors": {"msisdn": ["is an invalid number"]}}


def test_retrieve_and_delete_contact(api):
    contact = factories.ContactFactory(account=api.account)
    response = api.get(f"/api/contacts/{contact.pk}")
    assert response.status_code == 200
    assert response["Location"] == f"/api/contacts/{contact.pk}"
    response = api.delete(f"/api/contacts/{contact.pk}")
    assert response.status_code == 204
    assert response["Location"] == "/api/contacts"
    assert not Contact.objects.filter(pk=contact.pk).exists()


def test_delete_contact_with_phone_calls_is_422(api):
    call = factories.PhoneCallFactory(callout_participation__callout__account=api.account)
    response = api.delete(f"/api/contacts/{call.contact_id}")
    assert response.status_code == 422
    assert "Cannot delete record because dependent" in response.json()["errors"]["base"][0]


def test_list_contacts_only_of_own_account(api, other_account):
    mine = factories.ContactFactory(account=api.account)
    factories.ContactFactory(account=other_account)
    response = api.get("/api/contacts")
    assert response.status_code == 200
    assert response["Per-Page"] == "25"
    assert response["Total"] == "1"
    assert [item["id"] for item in response.json()] == [mine.pk]


def test_filter_contacts_by_any_of_registered_districts(api):
    match = factories.ContactFactory(account=api.account, metadata={"registered_districts": ["1401"]})
    factories.ContactFactory(account=api.account, metadata={"registered_districts": ["1201"]})
    response = api.get(
        "/api/contacts?q[metadata][registered_districts.any][]=1402"
        "&q[metadata][registered_districts.any][]=1401"
    )
    assert response.json()[0]["id"] == match.pk
    assert response["Total"] == "1"


def test_list_contacts_in_a_callout(api):
    participation = factories.CalloutParticipationFactory(callout__account=api.account)
    factories.ContactFactory(account=api.account)
    response = api.get(f"/api/callouts/{participation.callout_id}/contacts")
    assert [item["id"] for item in response.json()] == [participation.contact_id]


def test_contact_of_another_account_is_404(api, other_account):
    contact = factories.ContactFactory(account=other_account)
    for method in ("get", "patch", "delete"):
        response = getattr(api, method)(f"/api/contacts/{contact.pk}", format="json")
        assert response.status_code == 404
        assert response.json() == {"status": 404, "error": "Not Found"}
    contact.refresh_from_db()
