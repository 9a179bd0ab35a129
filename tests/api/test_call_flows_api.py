"""`/api/call_flows`: call flows as data, versioned, under the callouts permissions, per account."""

import pytest
from rest_framework.test import APIClient

from scfm.accounts import permissions
from scfm.call_flows import data_flow
from scfm.callouts import call_flows
from scfm.callouts.models import CallFlow, Callout
from tests import factories

pytestmark = pytest.mark.django_db

HELLO = {
    "start": "hello",
    "steps": [
        {"id": "hello", "type": "say", "text": "Hello", "next": "bye"},
        {"id": "bye", "type": "hangup"},
    ],
}
GOODBYE = {"start": "bye", "steps": [{"id": "bye", "type": "say", "text": "Goodbye"}]}


def create(account, name="Hello", document=HELLO) -> CallFlow:
    return call_flows.create_call_flow(account=account, data={"name": name, "document": document})


def test_create_show_and_list(api):
    response = api.post("/api/call_flows", {"name": "Hello", "document": HELLO}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"] == f"/api/call_flows/{body['id']}"
    assert list(body) == [
        "id",
        "name",
        "version",
        "document",
        "account_id",
        "created_by_id",
        "created_at",
        "updated_at",
    ]
    assert (body["name"], body["version"], body["document"], body["account_id"]) == (
        "Hello",
        1,
        HELLO,
        api.account.pk,
    )
    assert api.get(f"/api/call_flows/{body['id']}").json() == body
    listed = api.get("/api/call_flows?sort=-id")
    assert listed["Total"] == "1"
    assert listed.json() == [body]


def test_an_invalid_document_is_refused_with_pointers(api):
    document = {"start": "a", "steps": [{"id": "a", "type": "say", "text": "Hi", "next": "b"}]}
    response = api.post("/api/call_flows", {"name": " ", "document": document}, format="json")
    assert response.status_code == 422
    assert response.json() == {
        "errors": {"name": ["can't be blank"], "document": ["#/steps/0/next: unknown step id 'b'"]}
    }
    response = api.post("/api/call_flows", {"name": "x", "document": {"steps": []}}, format="json")
    assert response.json()["errors"]["document"] == [
        "#: 'start' is a required property",
        "#/steps: [] should be non-empty",
    ]
    assert api.post("/api/call_flows", {"name": "x"}, format="json").json() == {
        "errors": {"document": ["can't be blank"]}
    }
    assert api.post("/api/call_flows", {"name": "x", "document": "{}"}, format="json").status_code == 422
    assert not CallFlow.objects.exists()


def test_an_update_with_a_new_document_is_a_new_version(api):
    call_flow = create(api.account)
    url = f"/api/call_flows/{call_flow.pk}"
    assert api.patch(url, {"name": "Renamed"}, format="json").status_code == 204
    assert api.get(url).json()["version"] == 1
    assert api.patch(url, {"document": GOODBYE}, format="json").status_code == 204
    shown = api.get(url).json()
    assert (shown["name"], shown["version"], shown["document"]) == ("Renamed", 2, GOODBYE)
    assert [v.document for v in call_flow.versions.order_by("number")] == [HELLO, GOODBYE]
    assert api.patch(url, {"document": GOODBYE}, format="json").status_code == 204
    assert api.get(url).json()["version"] == 2  # the same document again is no new version
    refused = api.patch(
        url, {"document": {"start": "x", "steps": [{"id": "y", "type": "hangup"}]}}, format="json"
    )
    assert refused.status_code == 422
    assert api.get(url).json()["version"] == 2


def test_delete_only_when_no_callout_uses_it(api):
    call_flow = create(api.account)
    callout = factories.CalloutFactory(account=api.account)
    assert (
        api.patch(f"/api/callouts/{callout.pk}", {"call_flow_id": call_flow.pk}, format="json").status_code
        == 204
    )
    response = api.delete(f"/api/call_flows/{call_flow.pk}")
    assert response.status_code == 422
    assert response.json() == {"errors": {"call_flow": ["is used by a callout and cannot be deleted"]}}
    callout.delete()
    assert api.delete(f"/api/call_flows/{call_flow.pk}").status_code == 204
    assert not CallFlow.objects.exists()


def test_a_callout_names_a_call_flow_and_keeps_the_reference_shape(api):
    call_flow = create(api.account)
    response = api.post("/api/callouts", {"call_flow_id": call_flow.pk}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["call_flow_logic"], body["call_flow_id"]) == (data_flow.NAME, call_flow.pk)
    url = f"/api/callouts/{body['id']}"
    assert api.patch(url, {"call_flow_logic": "CallFlowLogic::PlayMessage"}, format="json").status_code == 204
    assert (Callout.objects.get(pk=body["id"]).call_flow_id, api.get(url).json()["call_flow_id"]) == (
        None,
        None,
    )
    refused = api.post("/api/callouts", {"call_flow_logic": data_flow.NAME}, format="json")
    assert refused.json() == {"errors": {"call_flow_id": ["can't be blank"]}}


def test_a_callout_cannot_name_another_accounts_flow(api, other_account):
    foreign = create(other_account)
    response = api.post("/api/callouts", {"call_flow_id": foreign.pk}, format="json")
    assert response.status_code == 422
    assert response.json() == {"errors": {"call_flow_id": ["does not exist"]}}
    assert api.post("/api/callouts", {"call_flow_id": "1"}, format="json").status_code == 422


def test_another_accounts_flows_are_not_found(api, other_account):
    foreign = create(other_account)
    assert api.get("/api/call_flows")["Total"] == "0"
    for method in ("get", "patch", "delete"):
        response = getattr(api, method)(f"/api/call_flows/{foreign.pk}", {"name": "x"}, format="json")
        assert response.status_code == 404
    assert CallFlow.objects.get().name == "Hello"


def client_with(account, names) -> APIClient:
    token = factories.AccessTokenFactory(resource_owner=account, permissions=permissions.names_to_mask(names))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.token}")
    return client


@pytest.mark.parametrize(
    ("method", "path", "permission"),
    [
        ("get", "/api/call_flows", "callouts_read"),
        ("get", "/api/call_flows/{pk}", "callouts_read"),
        ("post", "/api/call_flows", "callouts_write"),
        ("patch", "/api/call_flows/{pk}", "callouts_write"),
        ("delete", "/api/call_flows/{pk}", "callouts_write"),
    ],
)
def test_the_callouts_permissions_govern_call_flows(account, method, path, permission):
    url = path.format(pk=create(account).pk)
    others = [name for name in permissions.TOKEN_PERMISSIONS if name != permission]
    assert getattr(client_with(account, others), method)(url, {}, format="json").status_code == 401
    assert getattr(client_with(account, [permission]), method)(url, {}, format="json").status_code != 401


def test_the_schema_is_published():
    response = APIClient().get("/api/call_flows/schema")
    assert response.status_code == 200
    schema = response.json()
    assert schema["title"] == "SCFM call flow"
    assert set(schema["properties"]["steps"]["items"]["properties"]["type"]["enum"]) >= {"gather", "record"}
