import pytest

from scfm.callouts.models import Callout
from tests import factories

pytestmark = pytest.mark.django_db


def test_create_callout(api):
    body = {
        "call_flow_logic": "CallFlowLogic::HelloWorld",
        "audio_url": "https://www.example.com/sample.mp3",
        "metadata": {"foo": "bar"},
        "settings": {"external_service_1": {"foo": "bar"}},
    }
    response = api.post("/api/callouts", body, format="json")
    assert response.status_code == 201
    data = response.json()
    assert response["Location"] == f"/api/callouts/{data['id']}"
    assert list(data) == [
        "id",
        "status",
        "call_flow_logic",
        "metadata",
        "created_at",
        "updated_at",
        "account_id",
        "audio_url",
        "settings",
        "created_by_id",
        "call_flow_id",
    ]
    assert data["status"] == "initialized"
    assert data["settings"] == {"external_service_1": {"foo": "bar"}}
    assert data["created_by_id"] is None


def test_create_callout_defaults_to_the_account_call_flow(api):
    api.account.call_flow_logic = "CallFlowLogic::PlayMessage"
    api.account.save()
    assert (
        api.post("/api/callouts", {}, format="json").json()["call_flow_logic"] == "CallFlowLogic::PlayMessage"
    )


@pytest.mark.parametrize(
    "call_flow_logic",
    [
        "CallFlowLogic::EWSRegistration",
        "CallFlowLogic::EWSLaosRegistration",
        "CallFlowLogic::MamaInfoRegistration",
    ],
)
def test_create_callout_with_an_ivr_call_flow(api, call_flow_logic):
    response = api.post("/api/callouts", {"call_flow_logic": call_flow_logic}, format="json")
    assert response.status_code == 201
    assert response.json()["call_flow_logic"] == call_flow_logic
    assert Callout.objects.get().call_flow_logic == call_flow_logic


@pytest.mark.parametrize("call_flow_logic", ["CallFlowLogic::Nope", "EWSRegistration"])
def test_create_callout_with_unknown_call_flow(api, call_flow_logic):
    response = api.post("/api/callouts", {"call_flow_logic": call_flow_logic}, format="json")
    assert response.status_code == 422
    assert response.json() == {"errors": {"call_flow_logic": ["is not included in the list"]}}


def test_update_callout_replaces_metadata_and_settings(api):
    callout = factories.CalloutFactory(account=api.account, metadata={"a": 1}, settings={"x": 1})
    response = api.patch(
        f"/api/callouts/{callout.pk}",
        {"metadata": {"bar": "foo"}, "metadata_merge_mode": "replace", "settings": {"y": 2}},
        format="json",
    )
    assert response.status_code == 204
    callout.refresh_from_db()
    assert callout.metadata == {"bar": "foo"}
    assert callout.settings == {"y": 2}


def test_delete_callout(api):
    callout = factories.CalloutFactory(account=api.account)
    response = api.delete(f"/api/callouts/{callout.pk}")
    assert response.status_code == 204
    assert response["Location"] == "/api/callouts"


def test_delete_callout_with_participations_is_422(api):
    participation = factories.CalloutParticipationFactory(callout__account=api.account)
    response = api.delete(f"/api/callouts/{participation.callout_id}")
    assert response.status_code == 422
    assert response.json() == {
        "errors": {"base": ["Cannot delete record because dependent callout participations exist"]}
    }


@pytest.mark.parametrize(
    ("status", "event", "target"),
    [
        ("initialized", "start", "running"),
        ("running", "pause", "paused"),
        ("paused", "resume", "running"),
        ("stopped", "resume", "running"),
        ("running", "stop", "stopped"),
        ("paused", "stop", "stopped"),
    ],
)
def test_callout_events(api, status, event, target):
    callout = factories.CalloutFactory(account=api.account, status=status)
    response = api.post(f"/api/callouts/{callout.pk}/callout_events", {"event": event}, format="json")
    assert response.status_code == 201
    assert response["Location"] == f"/api/callouts/{callout.pk}"
    assert response.json()["status"] == target
    callout.refresh_from_db()
    assert callout.status == target


@pytest.mark.parametrize(
    ("status", "event"),
    [
        ("running", "start"),
        ("initialized", "pause"),
        ("initialized", "stop"),
        ("running", "resume"),
        ("running", "dance"),
    ],
)
def test_callout_event_not_allowed(api, status, event):
    callout = factories.CalloutFactory(account=api.account, status=status)
    response = api.post(f"/api/callouts/{callout.pk}/callout_events", {"event": event}, format="json")
    assert response.status_code == 422
    assert response.json() == {"errors": {"event": ["is not included in the list"]}}
    assert Callout.objects.get(pk=callout.pk).status == status


def test_list_callouts_filtered_and_for_a_contact(api):
    participation = factories.CalloutParticipationFactory(
        callout__account=api.account, callout__metadata={"foo": "bar"}
    )
    factories.CalloutFactory(account=api.account, status="running")
    assert api.get("/api/callouts?q[metadata][foo]=bar")["Total"] == "1"
    assert api.get("/api/callouts?q[status]=running,paused")["Total"] == "1"
    assert api.get("/api/callouts?q[status]=")["Total"] == "0"
    response = api.get(f"/api/contacts/{participation.contact_id}/callouts")
    assert [item["id"] for item in response.json()] == [participation.callout_id]
