"""A second account's data is invisible: 404 on its records, absent from every list."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def foreign(other_account):
    call = factories.PhoneCallFactory(callout_participation__callout__account=other_account)
    participation = call.callout_participation
    return {
        "contact": participation.contact,
        "callout": participation.callout,
        "participation": participation,
        "call": call,
        "event": factories.RemotePhoneCallEventFactory(phone_call=call),
        "recording": factories.RecordingFactory(phone_call=call),
        "population": factories.BatchOperationFactory(callout=participation.callout),
        "user": factories.UserFactory(account=other_account),
        "token": factories.AccessTokenFactory(resource_owner=other_account),
    }


MEMBER_ROUTES = [
    ("get", "/api/contacts/{contact.pk}"),
    ("patch", "/api/contacts/{contact.pk}"),
    ("delete", "/api/contacts/{contact.pk}"),
    ("get", "/api/callouts/{callout.pk}"),
    ("get", "/api/recordings/{recording.pk}"),
    ("get", "/api/recordings/{recording.pk}.mp3"),
    ("get", "/api/callouts/{callout.pk}/statistics"),
    ("patch", "/api/callouts/{callout.pk}"),
    ("delete", "/api/callouts/{callout.pk}"),
    ("post", "/api/callouts/{callout.pk}/callout_events"),
    ("post", "/api/callouts/{callout.pk}/callout_participations"),
    ("post", "/api/callouts/{callout.pk}/batch_operations"),
    ("get", "/api/callout_participations/{participation.pk}"),
    ("patch", "/api/callout_participations/{participation.pk}"),
    ("delete", "/api/callout_participations/{participation.pk}"),
    ("get", "/api/batch_operations/{population.pk}"),
    ("patch", "/api/batch_operations/{population.pk}"),
    ("delete", "/api/batch_operations/{population.pk}"),
    ("post", "/api/batch_operations/{population.pk}/batch_operation_events"),
    ("get", "/api/phone_calls/{call.pk}"),
    ("get", "/api/remote_phone_call_events/{event.pk}"),
    ("patch", "/api/remote_phone_call_events/{event.pk}"),
    ("get", "/api/users/{user.pk}"),
    ("patch", "/api/users/{user.pk}"),
    ("delete", "/api/users/{user.pk}"),
    ("post", "/api/users/{user.pk}/user_events"),
    ("get", "/api/access_tokens/{token.pk}"),
    ("patch", "/api/access_tokens/{token.pk}"),
    ("delete", "/api/access_tokens/{token.pk}"),
    ("get", "/api/contacts/{contact.pk}/callouts"),
    ("get", "/api/contacts/{contact.pk}/phone_calls"),
    ("get", "/api/contacts/{contact.pk}/callout_participations"),
    ("get", "/api/contacts/{contact.pk}/remote_phone_call_events"),
    ("get", "/api/callouts/{callout.pk}/contacts"),
    ("get", "/api/callouts/{callout.pk}/phone_calls"),
    ("get", "/api/callouts/{callout.pk}/callout_participations"),
    ("get", "/api/callouts/{callout.pk}/batch_operations"),
    ("get", "/api/callouts/{callout.pk}/remote_phone_call_events"),
    ("get", "/api/callout_participations/{participation.pk}/phone_calls"),
    ("get", "/api/callout_participations/{participation.pk}/remote_phone_call_events"),
    ("get", "/api/phone_calls/{call.pk}/remote_phone_call_events"),
]

LIST_ROUTES = [
    "/api/contacts",
    "/api/callouts",
    "/api/callout_participations",
    "/api/batch_operations",
    "/api/phone_calls",
    "/api/remote_phone_call_events",
    "/api/recordings",
    "/api/users",
    "/api/access_tokens",
]


@pytest.mark.parametrize(("method", "template"), MEMBER_ROUTES)
def test_foreign_records_are_not_found(api, foreign, method, template):
    response = getattr(api, method)(template.format(**foreign), {"event": "start"}, format="json")
    assert response.status_code == 404
    assert response.json() == {"status": 404, "error": "Not Found"}


@pytest.mark.parametrize("url", LIST_ROUTES)
def test_lists_show_only_own_records(api, foreign, url):
    response = api.get(url)
    assert response.status_code == 200
    own_token_only = url == "/api/access_tokens"
    assert response["Total"] == ("1" if own_token_only else "0")


def test_participation_with_a_foreign_contact_is_refused(api, foreign):
    callout = factories.CalloutFactory(account=api.account)
    response = api.post(
        f"/api/callouts/{callout.pk}/callout_participations",
        {"contact_id": foreign["contact"].pk},
        format="json",
    )
    assert response.status_code == 422
    assert response.json()["errors"]["contact"] == ["must exist"]


def test_population_of_a_foreign_callout_is_refused(api, foreign):
    response = api.post(
        "/api/batch_operations",
        {"callout_id": foreign["callout"].pk, "type": "BatchOperation::CalloutPopulation"},
        format="json",
    )
    assert response.status_code == 422
    assert response.json() == {"errors": {"callout": ["must exist"]}}


def test_non_super_admin_account_id_is_ignored(api, foreign):
    response = api.post(
        "/api/users",
        {"email": "new@example.com", "password": "secret123", "account_id": foreign["user"].account_id},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["account_id"] == api.account.pk
