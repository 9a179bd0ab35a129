import pytest

from scfm.callouts.models import BatchOperation
from tests import factories

pytestmark = pytest.mark.django_db

FILTER = {
    "contact_filter_params": {
        "metadata": {
            "gender": "f",
            "date_of_birth.date.gteq": "2022-01-01",
            "date_of_birth.date.lt": "2022-02-01",
            "deregistered_at.exists": False,
        }
    }
}


def test_populate_a_callout(api):
    callout = factories.CalloutFactory(account=api.account)
    response = api.post(
        "/api/batch_operations",
        {
            "callout_id": callout.pk,
            "metadata": {"foo": "bar"},
            "parameters": FILTER,
            "type": "BatchOperation::CalloutPopulation",
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert response["Location"] == f"/api/batch_operations/{body['id']}"
    assert list(body) == [
        "id",
        "callout_id",
        "parameters",
        "metadata",
        "status",
        "created_at",
        "updated_at",
        "account_id",
        "type",
    ]
    assert body["parameters"] == FILTER
    assert body["status"] == "preview"
    assert body["type"] == "BatchOperation::CalloutPopulation"


def test_create_under_a_callout_path(api):
    callout = factories.CalloutFactory(account=api.account)
    response = api.post(
        f"/api/callouts/{callout.pk}/batch_operations",
        {"type": "BatchOperation::CalloutPopulation"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["callout_id"] == callout.pk
    assert api.get(f"/api/callouts/{callout.pk}/batch_operations")["Total"] == "1"


def test_account_default_parameters_are_deep_merged(api):
    api.account.settings = {
        **api.account.settings,
        "batch_operation_callout_population_parameters": {
            "contact_filter_params": {"metadata": {"gender": "f", "province": "PP"}}
        },
    }
    api.account.save()
    callout = factories.CalloutFactory(account=api.account)
    response = api.post(
        "/api/batch_operations",
        {"callout_id": callout.pk, "parameters": {"contact_filter_params": {"metadata": {"gender": "m"}}}},
        format="json",
    )
    assert response.json()["parameters"] == {
        "contact_filter_params": {"metadata": {"gender": "m", "province": "PP"}}
    }


def test_create_with_an_invalid_type(api):
    callout = factories.CalloutFactory(account=api.account)
    response = api.post(
        "/api/batch_operations", {"callout_id": callout.pk, "type": "BatchOperation::Nope"}, format="json"
    )
    assert response.status_code == 422
    assert response.json() == {"errors": {"type": ["is not included in the list"]}}


def test_create_without_a_callout(api):
    response = api.post("/api/batch_operations", {"type": "BatchOperation::CalloutPopulation"}, format="json")
    assert response.status_code == 422
    assert response.json() == {"errors": {"callout": ["must exist"]}}


def test_create_with_an_invalid_query(api):
    callout = factories.CalloutFactory(account=api.account)
    response = api.post(
        "/api/batch_operations",
        {
            "callout_id": callout.pk,
            "parameters": {"contact_filter_params": {"metadata": {"date_of_birth.data.gteq": "2022-01-01"}}},
        },
        format="json",
    )
    assert response.status_code == 422
    assert response.json() == {"errors": {"contact_filter_params": ["is invalid"]}}
    assert not BatchOperation.objects.exists()


def test_update_replaces_parameters_while_in_preview(api):
    population = factories.BatchOperationFactory(
        callout__account=api.account, parameters=FILTER, metadata={"a": 1}
    )
    body = {
        "metadata": {"foo": "bar", "bar": "foo"},
        "metadata_merge_mode": "replace",
        "parameters": {"contact_filter_params": {"metadata": {"foo": "bar"}}},
    }
    response = api.patch(f"/api/batch_operations/{population.pk}", body, format="json")
    assert response.status_code == 204
    population.refresh_from_db()
    assert population.parameters == body["parameters"]
    assert population.metadata == {"foo": "bar", "bar": "foo"}


def test_parameters_cannot_change_once_queued(api):
    population = factories.BatchOperationFactory(
        callout__account=api.account, status="queued", parameters=FILTER
    )
    response = api.patch(f"/api/batch_operations/{population.pk}", {"parameters": {}}, format="json")
    assert response.status_code == 422
    population.refresh_from_db()
    assert population.parameters == FILTER


def test_queue_event(api):
    population = factories.BatchOperationFactory(callout__account=api.account)
    response = api.post(
        f"/api/batch_operations/{population.pk}/batch_operation_events", {"event": "queue"}, format="json"
    )
    assert response.status_code == 201
    assert response["Location"] == f"/api/batch_operations/{population.pk}"
    assert response.json()["status"] == "queued"


@pytest.mark.parametrize(
    ("status", "event"),
    [("finished", "queue"), ("queued", "queue"), ("preview", "start"), ("preview", "finish")],
)
def test_event_not_allowed(api, status, event):
    population = factories.BatchOperationFactory(callout__account=api.account, status=status)
    response = api.post(
        f"/api/batch_operations/{population.pk}/batch_operation_events", {"event": event}, format="json"
    )
    assert response.status_code == 422
    assert response.json() == {"errors": {"event": ["is not included in the list"]}}


def test_delete(api):
    population = factories.BatchOperationFactory(callout__account=api.account)
    response = api.delete(f"/api/batch_operations/{population.pk}")
    assert response.status_code == 204
    assert response["Location"] == "/api/batch_operations"


def test_delete_with_participations_is_422(api):
    population = factories.BatchOperationFactory(callout__account=api.account)
    factories.CalloutParticipationFactory(callout=population.callout, callout_population=population)
    response = api.delete(f"/api/batch_operations/{population.pk}")
    assert response.status_code == 422
    assert response.json() == {
        "errors": {"base": ["Cannot delete record because dependent callout participations exist"]}
    }


def test_list_filtered_by_callout_and_parameters(api):
    population = factories.BatchOperationFactory(callout__account=api.account, parameters={"x": {"y": "z"}})
    factories.BatchOperationFactory(callout__account=api.account)
    assert api.get(f"/api/batch_operations?q[callout_id]={population.callout_id}")["Total"] == "1"
    assert api.get("/api/batch_operations?q[parameters][x][y]=z")["Total"] == "1"
