"""Each endpoint refuses a token lacking its permission and admits one holding just that permission."""

import pytest
from rest_framework.test import APIClient

from scfm.accounts import permissions
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    account = factories.AccountFactory(permissions=1)  # super admin, so /api/accounts routes apply
    call = factories.PhoneCallFactory(callout_participation__callout__account=account)
    participation = call.callout_participation
    event = factories.RemotePhoneCallEventFactory(phone_call=call)
    return {
        "recording": factories.RecordingFactory(phone_call=call),
        "account": account,
        "contact": participation.contact,
        "callout": participation.callout,
        "participation": participation,
        "call": call,
        "event": event,
        "population": factories.BatchOperationFactory(callout=participation.callout),
        "user": factories.UserFactory(account=account),
        "token": factories.AccessTokenFactory(resource_owner=account),
    }


ENDPOINTS = [
    ("get", "/api/accounts", "accounts_read"),
    ("get", "/api/accounts/{account.pk}", "accounts_read"),
    ("get", "/api/account", "accounts_read"),
    ("patch", "/api/account", "accounts_write"),
    ("get", "/api/accounts/{account.pk}/users", "users_read"),
    ("get", "/api/accounts/{account.pk}/access_tokens", "access_tokens_read"),
    ("get", "/api/access_tokens", "access_tokens_read"),
    ("get", "/api/access_tokens/{token.pk}", "access_tokens_read"),
    ("patch", "/api/access_tokens/{token.pk}", "access_tokens_write"),
    ("get", "/api/users", "users_read"),
    ("get", "/api/users/{user.pk}", "users_read"),
    ("patch", "/api/users/{user.pk}", "users_write"),
    ("post", "/api/users/{user.pk}/user_events", "users_write"),
    ("get", "/api/contacts", "contacts_read"),
    ("get", "/api/contacts/{contact.pk}", "contacts_read"),
    ("patch", "/api/contacts/{contact.pk}", "contacts_write"),
    ("post", "/api/contact_data", "contacts_write"),
    ("get", "/api/contacts/{contact.pk}/callouts", "callouts_read"),
    ("get", "/api/contacts/{contact.pk}/callout_participations", "callout_participations_read"),
    ("get", "/api/contacts/{contact.pk}/phone_calls", "phone_calls_read"),
    ("get", "/api/contacts/{contact.pk}/remote_phone_call_events", "remote_phone_call_events_read"),
    ("get", "/api/callouts", "callouts_read"),
    ("post", "/api/callouts", "callouts_write"),
    ("get", "/api/callouts/{callout.pk}", "callouts_read"),
    ("patch", "/api/callouts/{callout.pk}", "callouts_write"),
    ("post", "/api/callouts/{callout.pk}/callout_events", "callouts_write"),
    ("get", "/api/callouts/{callout.pk}/statistics", "callouts_read"),
    ("get", "/api/callouts/{callout.pk}/contacts", "contacts_read"),
    ("get", "/api/callouts/{callout.pk}/callout_participations", "callout_participations_read"),
    ("post", "/api/callouts/{callout.pk}/callout_participations", "callout_participations_write"),
    ("get", "/api/callouts/{callout.pk}/phone_calls", "phone_calls_read"),
    ("get", "/api/callouts/{callout.pk}/remote_phone_call_events", "remote_phone_call_events_read"),
    ("get", "/api/callouts/{callout.pk}/batch_operations", "batch_operations_read"),
    ("post", "/api/callouts/{callout.pk}/batch_operations", "batch_operations_write"),
    ("get", "/api/batch_operations", "batch_operations_read"),
    ("get", "/api/batch_operations/{population.pk}", "batch_operations_read"),
    ("patch", "/api/batch_operations/{population.pk}", "batch_operations_write"),
    ("post", "/api/batch_operations/{population.pk}/batch_operation_events", "batch_operations_write"),
    ("get", "/api/callout_participations", "callout_participations_read"),
    ("get", "/api/callout_participations/{participation.pk}", "callout_participations_read"),
    ("patch", "/api/callout_participations/{participation.pk}", "callout_participations_write"),
    ("get", "/api/callout_participations/{participation.pk}/phone_calls", "phone_calls_read"),
    (
        "get",
        "/api/callout_participations/{participation.pk}/remote_phone_call_events",
        "remote_phone_call_events_read",
    ),
    ("get", "/api/phone_calls", "phone_calls_read"),
    ("get", "/api/phone_calls/{call.pk}", "phone_calls_read"),
    ("get", "/api/phone_calls/{call.pk}/remote_phone_call_events", "remote_phone_call_events_read"),
    ("get", "/api/remote_phone_call_events", "remote_phone_call_events_read"),
    ("get", "/api/remote_phone_call_events/{event.pk}", "remote_phone_call_events_read"),
    ("patch", "/api/remote_phone_call_events/{event.pk}", "remote_phone_call_events_write"),
    ("get", "/api/recordings", "recordings_read"),
    ("get", "/api/recordings/{recording.pk}", "recordings_read"),
    ("get", "/api/recordings/{recording.pk}.mp3", "recordings_read"),
]


def client_with(account, names):
    token = factories.AccessTokenFactory(resource_owner=account, permissions=permissions.names_to_mask(names))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.token}")
    return client


@pytest.mark.parametrize(("method", "template", "permission"), ENDPOINTS)
def test_endpoint_requires_its_permission(world, method, template, permission):
    url = template.format(**world)
    others = [name for name in permissions.TOKEN_PERMISSIONS if name != permission]
    refused = getattr(client_with(world["account"], others), method)(url, {}, format="json")
    assert refused.status_code == 401
    assert refused.content == b""
    admitted = getattr(client_with(world["account"], [permission]), method)(url, {}, format="json")
    assert admitted.status_code != 401, admitted.content
