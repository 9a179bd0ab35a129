"""`sort` orders lists by public output columns only: never by a secret (issue 9, item 6)."""

import pytest
from django.urls import get_resolver

from scfm.api.base import ResourceViewSet
from scfm.api.sorting import SECRET_COLUMNS
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "column"),
    [
        ("/api/access_tokens", "token"),
        ("/api/access_tokens", "-token"),
        ("/api/users", "password"),
        ("/api/users", "encrypted_password"),
        ("/api/users", "invitation_token"),
        ("/api/users", "reset_password_token"),
    ],
)
def test_secret_columns_are_not_sortable(api, path, column):
    factories.UserFactory(account=api.account)
    response = api.get(f"{path}?sort={column}")
    assert response.status_code == 422
    assert response.json() == {"errors": {"sort": [f"{column.lstrip('-')} is not a sortable column"]}}


@pytest.mark.parametrize("column", ["twilio_auth_token", "somleng_auth_token", "-twilio_auth_token"])
def test_provider_auth_tokens_are_not_sortable(super_admin_api, column):
    response = super_admin_api.get(f"/api/accounts?sort={column}")
    assert response.status_code == 422
    assert response.json() == {"errors": {"sort": [f"{column.lstrip('-')} is not a sortable column"]}}


def test_a_column_outside_the_allow_list_is_refused_even_if_it_exists(api):
    # `permissions` is a concrete column (a bit mask) but not a sortable output column.
    response = api.get("/api/access_tokens?sort=permissions")
    assert response.status_code == 422


def test_sorting_by_public_columns_still_works(api):
    first = factories.ContactFactory(account=api.account, msisdn="+855972345679")
    second = factories.ContactFactory(account=api.account, msisdn="+855972345678")
    response = api.get("/api/contacts?sort=msisdn,-id")
    assert response.status_code == 200
    assert [item["id"] for item in response.json()] == [second.pk, first.pk]
    assert [item["id"] for item in api.get("/api/contacts?sort=").json()] == [second.pk, first.pk]


@pytest.mark.parametrize("sort", ["id,", ",id", "id,,created_at"])
def test_an_empty_column_is_refused(api, sort):
    response = api.get(f"/api/contacts?sort={sort}")
    assert response.status_code == 422
    assert response.json() == {"errors": {"sort": ["an empty name is not a sortable column"]}}


def _viewsets():
    seen = []
    for pattern in get_resolver().url_patterns:
        for inner in getattr(pattern, "url_patterns", [pattern]):
            cls = getattr(getattr(inner, "callback", None), "cls", None)
            if cls and issubclass(cls, ResourceViewSet) and cls not in seen:
                seen.append(cls)
    return seen


def test_every_sortable_column_is_a_public_output_column_and_none_is_secret():
    viewsets = _viewsets()
    assert len(viewsets) > 10
    for viewset in viewsets:
        output = set(viewset.output_serializer_class().fields)
        assert set(viewset.sortable_columns) <= output, viewset
        assert not SECRET_COLUMNS & set(viewset.sortable_columns), viewset


def test_a_viewset_cannot_declare_a_secret_sortable_column():
    with pytest.raises(TypeError, match="token"):
        type("Leaky", (ResourceViewSet,), {"sortable_columns": ("id", "token")})
