import pytest

from scfm.callouts.models import CalloutParticipation
from scfm.calls.models import PhoneCall
from tests import factories

pytestmark = pytest.mark.django_db


def test_create_participation_gets_its_first_phone_call(api):
    callout = factories.CalloutFactory(account=api.account)
    contact = factories.ContactFactory(account=api.account)
    response = api.post(
        f"/api/callouts/{callout.pk}/callout_participations",
        {
            "contact_id": contact.pk,
            "msisdn": "252662345984",
            "call_flow_logic": "CallFlowLogic::HelloWorld",
            "metadata": {"foo": "bar"},
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert response["Location"] == f"/api/callout_participations/{body['id']}"
    assert list(body) == [
        "id",
        "callout_id",
        "contact_id",
        "callout_population_id",
        "msisdn",
        "call_flow_logic",
        "metadata",
        "created_at",
        "updated_at",
        "answered",
        "phone_calls_count",
    ]
    assert body["msisdn"] == "+252662345984"
    assert body["callout_population_id"] is None
    assert body["answered"] is False
    assert body["phone_calls_count"] == 1
    call = PhoneCall.objects.get(callout_participation_id=body["id"])
    assert (call.status, call.msisdn, call.contact_id, call.callout_id) == (
        "created",
        "+252662345984",
        contact.pk,
        callout.pk,
    )


def test_create_participation_defaults_to_contact_number(api):
    callout = factories.CalloutFactory(account=api.account)
    contact = factories.ContactFactory(account=api.account)
    response = api.post(
        f"/api/callouts/{callout.pk}/callout_participations", {"contact_id": contact.pk}, format="json"
    )
    assert response.json()["msisdn"] == contact.msisdn


def test_create_participation_with_invalid_data(api):
    callout = factories.CalloutFactory(account=api.account)
    response = api.post(f"/api/callouts/{callout.pk}/callout_participations")
    assert response.status_code == 422
    assert response.json() == {"errors": {"contact": ["must exist"], "msisdn": ["can't be blank"]}}


def test_duplicate_participation_is_422_and_writes_nothing(api):
    participation = factories.CalloutParticipationFactory(callout__account=api.account)
    response = api.post(
        f"/api/callouts/{participation.callout_id}/callout_participations",
        {"contact_id": participation.contact_id},
        format="json",
    )
    assert response.status_code == 422
    assert response.json()["errors"]["contact"] == ["has already been taken"]
    assert CalloutParticipation.objects.count() == 1
    assert PhoneCall.objects.count() == 0


def test_update_participation_ignores_contact_id(api):
    participation = factories.CalloutParticipationFactory(callout__account=api.account, metadata={"a": 1})
    other = factories.ContactFactory(account=api.account)
    response = api.patch(
        f"/api/callout_participations/{participation.pk}",
        {
            "contact_id": other.pk,
            "msisdn": "252662345988",
            "metadata": {"bar": "foo"},
            "metadata_merge_mode": "replace",
            "call_flow_logic": "CallFlowLogic::PlayMessage",
        },
        format="json",
    )
    assert response.status_code == 204
    participation.refresh_from_db()
    assert participation.contact_id != other.pk
    assert participation.msisdn == "+252662345988"
    assert participation.metadata == {"bar": "foo"}
    assert participation.call_flow_logic == "CallFlowLogic::PlayMessage"


def test_delete_participation(api):
    participation = factories.CalloutParticipationFactory(callout__account=api.account)
    response = api.delete(f"/api/callout_participations/{participation.pk}")
    assert response.status_code == 204
    assert response["Location"] == "/api/callout_participations"


def test_delete_participation_with_phone_calls(api):
    call = factories.PhoneCallFactory(callout_participation__callout__account=api.account)
    response = api.delete(f"/api/callout_participations/{call.callout_participation_id}")
    assert response.status_code == 422
    assert response.json() == {
        "errors": {"base": ["Cannot delete record because dependent phone calls exist"]}
    }


def test_list_participations_nested_and_by_callout_filter(api):
    running = factories.CalloutParticipationFactory(
        callout__account=api.account, callout__status="running", metadata={"foo": "bar"}
    )
    other = factories.CalloutParticipationFactory(callout__account=api.account)
    assert api.get("/api/callout_participations?q[metadata][foo]=bar")["Total"] == "1"
    response = api.get("/api/callout_participations?q[callout_filter_params][status]=running")
    assert [item["id"] for item in response.json()] == [running.pk]
    response = api.get(f"/api/callouts/{other.callout_id}/callout_participations")
    assert [item["id"] for item in response.json()] == [other.pk]
    response = api.get(f"/api/contacts/{running.contact_id}/callout_participations")
    assert [item["id"] for item in response.json()] == [running.pk]
