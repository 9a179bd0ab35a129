"""A NUL character in any request parameter is refused with a 400 before any view runs: PostgreSQL
stores none in text or jsonb, so each place that saved or compared one answered 500 there."""

import pytest
from django.test import Client

from scfm.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/api/contacts?q[msisdn]=%00", "/api/contacts?q[metadata][a%00]=1", "/api/phone_calls?sort=%00"]
)
def test_api_query_strings(api, path):
    response = api.get(path)
    assert (response.status_code, response.json()) == (400, {"status": 400, "error": "Bad Request"})


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/users/invitation/accept?invitation_token=%00", None),
        ("post", "/users/invitation/accept", {"invitation_token": "t\x00", "password": "x"}),
        ("post", "/users/sign_in", {"email": "a\x00@example.com", "password": "x"}),
    ],
)
def test_pages_for_everyone(method, path, data):
    response = getattr(Client(), method)(path, data)
    assert response.status_code == 400
    assert b"NUL" in response.content


def test_dashboard_forms(admin_client, account):
    response = admin_client.post(
        "/dashboard/users/invite", {"email": "new\x00@example.com", "role": "member"}
    )
    assert response.status_code == 400
    assert not User.objects.filter(email__startswith="new").exists()


def test_parameters_without_nul_pass(api):
    assert api.get("/api/contacts?q[msisdn]=%2B855972345678").status_code == 200
