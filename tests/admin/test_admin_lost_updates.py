"""The admin's user form writes only the fields the operator changed."""

import pytest
from django.urls import reverse

from scfm.accounts.admin import UserAdmin
from scfm.accounts.models import User
from scfm.accounts.services import invite_user, update_user
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(User.objects.create_superuser("ops@example.com", "secret123"))
    return client


def test_a_role_change_keeps_what_another_request_wrote_after_the_admin_read_the_user(
    staff_client, monkeypatch
):
    user = factories.UserFactory(role="admin", metadata={})
    read_by_the_admin = UserAdmin.get_object

    def read_then_another_request_writes(self, request, object_id, from_field=None):
        obj = read_by_the_admin(self, request, object_id, from_field)
        fresh = User.objects.get(pk=obj.pk)
        update_user(user=fresh, data={"email": "renamed@example.org", "metadata": {"team": "north"}})
        invite_user(user=fresh)
        return obj

    monkeypatch.setattr(UserAdmin, "get_object", read_then_another_request_writes)
    change_url = reverse("admin:accounts_user_change", args=[user.pk])
    response = staff_client.post(change_url, {"role": "member", "is_active": "on"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    stored = User.objects.get(pk=user.pk)
    assert stored.role == "member"
    assert (stored.email, stored.metadata) == ("renamed@example.org", {"team": "north"})
    assert stored.invitation_token is not None
