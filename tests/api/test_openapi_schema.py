import re
from urllib.parse import urljoin, urlsplit

import pytest
import yaml
from django.test import Client
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


def _referenced_urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


def test_docs_page_loads_swagger_ui_from_this_server_only(settings):
    """An air-gapped install has no CDN: every script, style and icon comes from the app itself."""
    settings.WHITENOISE_USE_FINDERS = True  # serve the packages' static files without collectstatic
    client = Client()  # a new client, so whitenoise starts with the setting above
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assets = _referenced_urls(html)
    assert any(url.endswith("swagger-ui-bundle.js") for url in assets), assets
    for url in assets:
        assert not urlsplit(url).netloc, f"{url} is loaded from another host"
    # Nothing inline either: the Content-Security-Policy (default-src 'self') would refuse it.
    assert "<style" not in html
    assert re.search(r"<script>", html) is None
    for url in assets:
        asset = client.get(urljoin("/api/docs", url))
        assert asset.status_code == 200, url
        body = b"".join(asset.streaming_content) if asset.streaming else asset.content
        assert body, url
    script = client.get(next(url for url in assets if "script" in url))
    assert "SwaggerUIBundle(" in script.content.decode()
    assert '"validatorUrl": null' in script.content.decode()  # no online validator either


def _schema() -> dict:
    # Served as YAML: the API's negotiation ignores Accept, and the schema view's first format wins.
    return yaml.safe_load(APIClient().get("/api/schema").content)


def test_every_operation_documents_its_error_statuses_and_bodies():
    schema = _schema()
    error_ref = {"$ref": "#/components/schemas/ErrorBody"}
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            if path.startswith("/twilio_webhooks") or operation["operationId"].endswith("webhook"):
                assert {"201", "400", "403", "404"} <= set(responses), (method, path)
                continue
            assert {"400", "401", "404", "406"} <= set(responses), (method, path)
            assert responses["406"]["content"]["application/json"]["schema"] == error_ref
            if method in ("post", "put", "patch"):
                assert {"415", "422"} <= set(responses), (method, path)
                errors = responses["422"]["content"]["application/json"]["schema"]
                assert errors == {"$ref": "#/components/schemas/ValidationErrors"}


def test_the_events_list_and_the_webhooks_are_in_the_schema():
    paths = _schema()["paths"]
    assert "get" in paths["/api/remote_phone_call_events"]
    for path in (
        "/api/remote_phone_call_events",
        "/twilio_webhooks/phone_call_events",
        "/twilio_webhooks/phone_call_events/{phone_call_id}",
    ):
        webhook = paths[path]["post"]
        assert webhook["security"] == []
        assert "X-Twilio-Signature" in [parameter["name"] for parameter in webhook["parameters"]]
        assert "application/x-www-form-urlencoded" in webhook["requestBody"]["content"]


def test_sort_documents_exactly_the_sortable_columns():
    parameters = _schema()["paths"]["/api/access_tokens"]["get"]["parameters"]
    sort = next(parameter for parameter in parameters if parameter["name"] == "sort")
    pattern = re.compile(sort["schema"]["pattern"])
    for accepted in ("", "id", "-id,created_at", "updated_at,-id"):
        assert pattern.fullmatch(accepted), accepted
    for refused in ("token", "-token", "id,", "permissions", " id"):
        assert not pattern.fullmatch(refused), refused


def test_request_bodies_are_documented_as_typed_json():
    schema = _schema()
    body = schema["paths"]["/api/contacts"]["post"]["requestBody"]["content"]
    assert list(body) == ["application/json"]
    contact = schema["components"]["schemas"]["ContactInputRequest"]["properties"]
    assert contact["metadata"]["type"] == "object"
    assert {"type": "integer", "minimum": 0} in contact["msisdn"]["oneOf"]
