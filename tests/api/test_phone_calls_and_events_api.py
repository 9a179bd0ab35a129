import pytest

from tests import factories

pytestmark = pytest.mark.django_db

PHONE_CALL_KEYS = [
    "id",
    "callout_participation_id",
    "contact_id",
    "status",
    "msisdn",
    "remote_call_id",
    "remote_status",
    "remote_direction",
    "remote_error_message",
    "metadata",
    "remote_response",
    "remote_queue_response",
    "call_flow_logic",
    "remotely_queued_at",
    "created_at",
    "updated_at",
    "duration",
    "lock_version",
    "account_id",
    "remote_status_fetch_queued_at",
    "callout_id",
]


def test_retrieve_phone_call(api):
    call = factories.PhoneCallFactory(
        callout_participation__callout__account=api.account, remote_call_id="abc"
    )
    response = api.get(f"/api/phone_calls/{call.pk}")
    assert response.status_code == 200
    assert response["Location"] == f"/api/phone_calls/{call.pk}"
    body = response.json()
    assert list(body) == PHONE_CALL_KEYS
    assert body["status"] == "created"
    assert body["remote_call_id"] == "abc"
    assert body["remotely_queued_at"] is None


def test_phone_calls_are_read_only(api):
    call = factories.PhoneCallFactory(callout_participation__callout__account=api.account)
    assert api.post("/api/phone_calls", {}, format="json").status_code == 405
    assert api.delete(f"/api/phone_calls/{call.pk}").status_code == 405


def test_list_phone_calls_with_filters_and_nesting(api):
    call = factories.PhoneCallFactory(
        callout_participation__callout__account=api.account,
        metadata={"foo": "bar"},
        status="completed",
        duration=42,
    )
    other = factories.PhoneCallFactory(callout_participation__callout__account=api.account, status="busy")
    assert api.get("/api/phone_calls?q[metadata][foo]=bar")["Total"] == "1"
    assert api.get("/api/phone_calls?q[status]=completed,busy")["Total"] == "2"
    assert api.get("/api/phone_calls?q[duration_gteq]=30")["Total"] == "1"
    assert api.get(f"/api/phone_calls?q[msisdn]={call.msisdn[1:]}")["Total"] == "1"
    for parent in (
        f"/api/callouts/{other.callout_id}",
        f"/api/contacts/{other.contact_id}",
        f"/api/callout_participations/{other.callout_participation_id}",
    ):
        response = api.get(f"{parent}/phone_calls")
        assert [item["id"] for item in response.json()] == [other.pk]


def test_remote_phone_call_events(api):
    event = factories.RemotePhoneCallEventFactory(
        phone_call__callout_participation__callout__account=api.account,
        metadata={"foo": "bar"},
        details={"CallSid": "x", "CallStatus": "completed"},
    )
    factories.RemotePhoneCallEventFactory(phone_call__callout_participation__callout__account=api.account)
    response = api.get("/api/remote_phone_call_events?q[metadata][foo]=bar")
    assert response["Total"] == "1"
    assert list(response.json()[0]) == [
        "id",
        "phone_call_id",
        "details",
        "metadata",
        "remote_call_id",
        "remote_direction",
        "call_flow_logic",
        "created_at",
        "updated_at",
        "call_duration",
    ]
    assert api.get("/api/remote_phone_call_events?q[details][CallStatus]=completed")["Total"] == "1"
    call = event.phone_call
    for parent in (
        f"/api/phone_calls/{call.pk}",
        f"/api/callouts/{call.callout_id}",
        f"/api/contacts/{call.contact_id}",
        f"/api/callout_participations/{call.callout_participation_id}",
    ):
        assert [item["id"] for item in api.get(f"{parent}/remote_phone_call_events").json()] == [event.pk]
    response = api.get(f"/api/remote_phone_call_events/{event.pk}")
    assert response["Location"] == f"/api/remote_phone_call_events/{event.pk}"
    response = api.patch(
        f"/api/remote_phone_call_events/{event.pk}",
        {"metadata": {"x": 1}, "metadata_merge_mode": "replace"},
        format="json",
    )
    assert response.status_code == 204
    event.refresh_from_db()
    assert event.metadata == {"x": 1}
