import re
from urllib.parse import urljoin, urlsplit

import pytest
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
