import datetime

import pytest
from django.utils import timezone

from scfm.contacts.models import Contact
from tests import factories

pytestmark = pytest.mark.django_db


def test_filtering_sorting_and_pagination(api):
    yesterday = timezone.now() - datetime.timedelta(days=2)
    old = factories.ContactFactory(
        account=api.account, metadata={"gender": "f", "date_of_birth": "2022-01-15"}
    )
    Contact.objects.filter(pk=old.pk).update(created_at=yesterday)
    matching = [
        factories.ContactFactory(account=api.account, metadata={"gender": "f", "date_of_birth": "2022-01-15"})
        for _ in range(26)
    ]
    factories.ContactFactory(account=api.account, metadata={"gender": "m", "date_of_birth": "2022-01-15"})
    since = (timezone.now() - datetime.timedelta(days=1)).date().isoformat()
    response = api.get(
        "/api/contacts?q[metadata][gender]=f&q[metadata][date_of_birth.date.gt]=2022-01-01"
        f"&q[metadata][date_of_birth.date.lt]=2022-02-01&q[created_at_after]={since}&sort=-id%2Ccreated_at"
    )
    assert response.status_code == 200
    assert response["Per-Page"] == "25"
    assert response["Total"] == "26"
    body = response.json()
    assert len(body) == 25
    assert body[0]["id"] == matching[-1].pk
    link = response["Link"]
    assert 'rel="first"' in link and 'rel="last"' in link and 'rel="next"' in link
    assert 'rel="prev"' not in link
    assert link.startswith("<http://testserver/api/contacts?page=1&")

    second = api.get(
        "/api/contacts?q[metadata][gender]=f&q[metadata][date_of_birth.date.gt]=2022-01-01"
        f"&q[metadata][date_of_birth.date.lt]=2022-02-01&q[created_at_after]={since}&sort=-id%2Ccreated_at&page=2"
    )
    assert [item["id"] for item in second.json()] == [matching[0].pk]
    assert 'rel="prev"' in second["Link"] and 'rel="next"' not in second["Link"]


def test_per_page_is_capped_at_100(api):
    Contact.objects.bulk_create(
        [Contact(account=api.account, msisdn=f"+85597{1000000 + n}") for n in range(120)]
    )
    response = api.get("/api/contacts?per_page=500")
    assert response["Per-Page"] == "100"
    assert len(response.json()) == 100
    assert response["Total"] == "120"


@pytest.mark.parametrize("per_page", ["0", "-3", "abc"])
def test_bad_per_page_falls_back_to_default(api, per_page):
    response = api.get(f"/api/contacts?per_page={per_page}&page=abc")
    assert response.status_code == 200
    assert response["Per-Page"] == "25"


def test_sort_ascending_by_id(api):
    first, second = (
        factories.ContactFactory(account=api.account),
        factories.ContactFactory(account=api.account),
    )
    response = api.get("/api/contacts?sort=id")
    assert [item["id"] for item in response.json()] == [first.pk, second.pk]


def test_unknown_sort_column_is_422(api):
    response = api.get("/api/contacts?sort=-nope")
    assert response.status_code == 422
    assert response.json() == {"errors": {"sort": ["nope is not a sortable column"]}}


def test_bad_filter_cast_is_422(api):
    factories.ContactFactory(account=api.account, metadata={"age": "12"})
    response = api.get("/api/contacts?q[metadata][age.gt]=twelve")
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["q"]


def test_json_suffix_is_accepted_and_xml_is_406(api):
    assert api.get("/api/contacts.json").status_code == 200
    response = api.get("/api/contacts.xml")
    assert response.status_code == 406
    assert response.json() == {"status": 406, "error": "Not Acceptable"}


def test_trailing_slash_is_not_redirected(api):
    assert api.get("/api/contacts/").status_code == 404


def test_malformed_json_is_400(api):
    response = api.post("/api/contacts", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"status": 400, "error": "Bad Request"}


def test_json_array_body_is_400(api):
    response = api.post("/api/contacts", "[1, 2]", content_type="application/json")
    assert response.status_code == 400
