"""A multipart body is parsed only when it is multipart: otherwise 400, and nothing is created
(scfm.api.params.NestedMultiPartParser)."""

import pytest

from scfm.callouts.models import Callout

pytestmark = pytest.mark.django_db

BAD_REQUEST = {"status": 400, "error": "Bad Request"}
FIELD = (
    b'--abc\r\nContent-Disposition: form-data; name="call_flow_logic"\r\n\r\nCallFlowLogic::PlayMessage\r\n'
)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data; boundary=abc", b"garbage"),
        ("multipart/form-data; boundary=abc", FIELD),  # cut before the closing delimiter
        ("multipart/form-data; boundary=xyz", FIELD + b"--abc--\r\n"),  # another boundary
        ("multipart/form-data", FIELD + b"--abc--\r\n"),  # no boundary at all
    ],
)
def test_a_malformed_multipart_body_is_a_bad_request(api, content_type, body):
    response = api.generic("POST", "/api/callouts", body, content_type=content_type)
    assert response.status_code == 400
    assert response.json() == BAD_REQUEST
    assert not Callout.objects.exists()


def test_a_well_formed_multipart_body_still_creates(api):
    name = b'--abc\r\nContent-Disposition: form-data; name="metadata[name]"\r\n\r\nFlood\r\n'
    body = FIELD + name + b"--abc--\r\n"
    response = api.generic("POST", "/api/callouts", body, content_type="multipart/form-data; boundary=abc")
    assert response.status_code == 201
    assert response.json()["call_flow_logic"] == "CallFlowLogic::PlayMessage"
    assert response.json()["metadata"] == {"name": "Flood"}
