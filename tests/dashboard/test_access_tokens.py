"""Dashboard: API keys — list, create with chosen permissions, show, revoke (admins only)."""

import pytest
from django.test import Client
from django.urls import reverse

from scfm.accounts import permissions
from scfm.accounts.models import AccessToken
from tests import factories

pytestmark = pytest.mark.django_db

LIST = reverse("dashboard:access_tokens")
NEW = reverse("dashboard:access_token_new")


def url(name, token):
    return reverse(f"dashboard:{name}", args=[token.pk])


@pytest.fixture
def token(account):
    other_creator = factories.AccountFactory()  # revoking is allowed whoever created it
    return factories.AccessTokenFactory(
        resource_owner=account,
        created_by=other_creator,
        permissions=permissions.names_to_mask(["contacts_read"]),
    )


def test_list_shows_the_accounts_keys_masked(admin_client, token, other_account):
    foreign = factories.AccessTokenFactory(resource_owner=other_account)

    response = admin_client.get(LIST)

    assert response.status_code == 200
    assert [item.pk for item in response.context["page"].items] == [token.pk]
    content = response.content.decode()
    assert token.token not in content and f"••••{token.token[-4:]}" in content
    assert "contacts_read" in content
    assert foreign.token not in content


def test_list_query_count_does_not_grow_with_rows(admin_client, account, django_assert_max_num_queries):
    factories.AccessTokenFactory.create_batch(30, resource_owner=account)

    with django_assert_max_num_queries(5):
        response = admin_client.get(LIST)

    assert len(response.context["page"].items) == 25


def test_new_form_offers_all_permissions_by_resource(admin_client):
    response = admin_client.get(NEW)

    assert response.status_code == 200
    content = response.content.decode()
    for name in permissions.TOKEN_PERMISSIONS:
        assert f'name="permissions" value="{name}"' in content
    # Read and write for nine resources, and read alone for recordings (there is no recordings_write).
    assert content.count('type="checkbox" name="permissions"') == 19
    assert 'value=""' not in content
    assert "Callout populations" in content and "Phone call events" in content


def test_checkboxes_produce_the_right_mask(admin_client, account):
    chosen = ["contacts_read", "contacts_write", "phone_calls_read", "users_write"]

    response = admin_client.post(NEW, {"permissions": chosen})

    token = AccessToken.objects.get(resource_owner=account)
    assert response.status_code == 302
    assert response.url == url("access_token_detail", token)
    expected = (1 << 10) | (1 << 11) | (1 << 12) | (1 << 17)
    assert token.permissions == expected == permissions.names_to_mask(chosen)
    assert token.created_by == account


def test_every_permission_gives_the_full_mask(admin_client, account):
    admin_client.post(NEW, {"permissions": list(permissions.TOKEN_PERMISSIONS)})

    assert (
        AccessToken.objects.get(resource_owner=account).permissions == permissions.ALL_TOKEN_PERMISSIONS_MASK
    )


def test_no_or_unknown_permissions_are_refused(admin_client, account):
    none = admin_client.post(NEW, {})
    unknown = admin_client.post(NEW, {"permissions": ["contacts_read", "root"]})

    assert none.status_code == 422 and "at least one permission" in none.content.decode()
    assert unknown.status_code == 422
    assert not AccessToken.objects.filter(resource_owner=account).exists()
    # the choices survive the error
    assert 'value="contacts_read" checked' in unknown.content.decode()


def test_detail_shows_the_token_with_a_copy_button(admin_client, token):
    response = admin_client.get(url("access_token_detail", token))

    assert response.status_code == 200
    content = response.content.decode()
    assert f'value="{token.token}"' in content
    assert 'data-copy="api-key"' in content
    assert url("access_token_delete", token) in content


def test_revoke_deletes_the_key_whoever_created_it(admin_client, token):
    response = admin_client.post(url("access_token_delete", token))

    assert response.status_code == 302
    assert response.url == LIST
    assert not AccessToken.objects.filter(pk=token.pk).exists()


def test_revoke_is_post_only(admin_client, token):
    assert admin_client.get(url("access_token_delete", token)).status_code == 405


def test_forms_need_the_csrf_token(admin_user, token):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)

    assert client.post(url("access_token_delete", token)).status_code == 403
    assert client.post(NEW, {"permissions": ["contacts_read"]}).status_code == 403
    assert AccessToken.objects.filter(resource_owner=token.resource_owner).count() == 1


def test_members_are_forbidden(member_client, token):
    assert member_client.get(LIST).status_code == 403
    assert member_client.get(NEW).status_code == 403
    assert member_client.post(NEW, {"permissions": ["contacts_read"]}).status_code == 403
    assert member_client.get(url("access_token_detail", token)).status_code == 403
    assert member_client.post(url("access_token_delete", token)).status_code == 403
    assert AccessToken.objects.filter(resource_owner=token.resource_owner).count() == 1


def test_other_accounts_get_404(other_client, token):
    assert other_client.get(url("access_token_detail", token)).status_code == 404
    assert other_client.post(url("access_token_delete", token)).status_code == 404
    assert other_client.get(LIST).context["page"].items == []
    assert AccessToken.objects.filter(pk=token.pk).exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, token):
    for target in (LIST, NEW, url("access_token_detail", token)):
        response = client.get(target)
        assert response.status_code == 302 and response.url.startswith("/users/sign_in")
    assert client.post(url("access_token_delete", token)).url.startswith("/users/sign_in")
