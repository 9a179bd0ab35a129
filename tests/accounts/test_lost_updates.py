"""Account and user edits made from a stale read write only what they change: the engine's
pacing cursor, the admin's super-admin grant, a role or an invitation set meanwhile survive."""

import datetime

import pytest
from django.db.models import F
from django.utils import timezone

from scfm.accounts.memberships import change_user_role
from scfm.accounts.models import Account, User
from scfm.accounts.services import invite_user, update_account, update_user
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_stale_account_edit_keeps_the_engines_pacing_cursor_and_a_super_admin_grant(account):
    stale = Account.objects.get(pk=account.pk)
    next_dial_at = timezone.now() + datetime.timedelta(seconds=30)
    # The dial loop's UPDATE after handing calls over, and the admin's "Grant super admin".
    Account.objects.filter(pk=account.pk).update(next_dial_at=next_dial_at)
    Account.objects.filter(pk=account.pk).update(permissions=F("permissions").bitor(1))
    update_account(
        account=stale, data={"settings": {"phone_call_queue_limit": 10}, "metadata": {"name": "NCDM"}}
    )
    stored = Account.objects.get(pk=account.pk)
    assert stored.next_dial_at == next_dial_at
    assert stored.is_super_admin
    assert stored.settings == {"phone_call_queue_limit": 10}
    assert stored.metadata == {"name": "NCDM"}


def test_a_stale_user_edit_keeps_a_role_and_an_invitation_set_meanwhile(account):
    factories.UserFactory(account=account, role="admin")
    user = factories.UserFactory(account=account, role="admin")
    stale = User.objects.get(pk=user.pk)
    change_user_role(user=User.objects.get(pk=user.pk), role="member")
    invite_user(user=User.objects.get(pk=user.pk))
    update_user(user=stale, data={"locale": "km", "password": "new secret"})
    stored = User.objects.get(pk=user.pk)
    assert stored.role == "member"
    assert stored.invitation_token is not None
    assert stored.locale == "km" and stored.check_password("new secret")
