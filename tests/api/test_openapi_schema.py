import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_schema_describes_every_resource():
    response = APIClient().get("/api/schema", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    text = response.content.decode()
    for path in (
        "/api/contacts",
        "/api/contact_data",
        "/api/callouts/{callout_id}/callout_events",
        "/api/batch_operations/{batch_operation_id}/batch_operation_events",
        "/api/phone_calls/{id}",
        "/api/remote_phone_call_events/{id}",
        "/api/users/{user_id}/user_events",
        "/api/account",
    ):
        assert path in text


def test_docs_page_is_served():
    assert APIClient().get("/api/docs").status_code == 200
