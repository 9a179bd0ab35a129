"""JSON bodies are typed: a number is not taken for a string or an id. Form fields stay text."""

import pytest

from scfm.callouts.models import CALLOUT_POPULATION, Callout
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("audio_url", [123, 1.5, True, ["x"], {"a": 1}])
def test_a_json_non_string_for_a_string_field_is_refused(api, audio_url):
    response = api.post("/api/callouts", {"audio_url": audio_url}, format="json")
    assert response.status_code == 422
    assert response.json() == {"errors": {"audio_url": ["is invalid"]}}
    assert not Callout.objects.exists()


@pytest.mark.parametrize("as_json", [str, float, lambda pk: True])
def test_a_json_non_integer_id_is_refused(api, as_json):
    callout = factories.CalloutFactory(account=api.account)
    response = api.post(
        "/api/batch_operations",
        {"type": CALLOUT_POPULATION, "callout_id": as_json(callout.pk)},
        format="json",
    )
    assert response.status_code == 422
    assert response.json() == {"errors": {"callout_id": ["is invalid"]}}


def test_form_fields_are_still_read_as_text(api):
    callout = factories.CalloutFactory(account=api.account)
    response = api.post(
        "/api/batch_operations",
        f"type={CALLOUT_POPULATION}&callout_id={callout.pk}",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 201
    assert response.json()["callout_id"] == callout.pk


def test_a_json_number_is_still_a_phone_number(api):
    response = api.post("/api/contacts", {"msisdn": 855972345678}, format="json")
    assert response.status_code == 201
    assert response.json()["msisdn"] == "+855972345678"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/contacts/abc"),
        ("delete", "/api/contacts/null,null"),
        ("post", "/api/contacts/"),
        ("get", "/api/nothing_here"),
        ("post", "/twilio_webhooks/phone_call_events/abc"),
    ],
)
def test_unknown_api_paths_answer_json_404(api, method, path):
    response = getattr(api, method)(path)
    assert response.status_code == 404
    assert response.json() == {"status": 404, "error": "Not Found"}
