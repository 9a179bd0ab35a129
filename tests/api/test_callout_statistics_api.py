"""`GET /api/callouts/:id/statistics`: the body, tenancy, permission and query budget."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from scfm.accounts import permissions
from scfm.api.fields import TimestampField
from scfm.calls.models import PhoneCall
from scfm.calls.states import PhoneCallStatus
from tests import factories

pytestmark = pytest.mark.django_db

KEYS = [
    "participations",
    "participations_remaining",
    "participations_answered",
    "calls_by_status",
    "waiting_for_window",
    "calls_in_progress",
    "calls_per_minute",
    "eta_seconds",
    "eta_at",
    "completed_at",
]


def add_call(callout, *, participation=None, **fields):
    if participation is None:
        participation = factories.CalloutParticipationFactory(callout=callout)
    participation.phone_calls_count += 1
    participation.save()
    return factories.PhoneCallFactory(callout_participation=participation, **fields)


def url(callout):
    return f"/api/callouts/{callout.pk}/statistics"


@pytest.fixture
def callout(api):
    return factories.CalloutFactory(account=api.account, status="running")


def test_counts_the_callouts_participations_and_calls(api, callout):
    now = timezone.now()
    add_call(callout)  # created, open now
    add_call(callout, window_opens_at=now + timedelta(hours=2))  # waiting for its window
    add_call(callout, status="queued")
    add_call(callout, status="remotely_queued", remotely_queued_at=now - timedelta(seconds=10))
    add_call(callout, status="in_progress", remotely_queued_at=now - timedelta(seconds=90))
    answered = factories.CalloutParticipationFactory(callout=callout, answered=True)
    add_call(
        callout, participation=answered, status="completed", remotely_queued_at=now - timedelta(seconds=30)
    )
    add_call(callout, status="busy", retry_at=now + timedelta(minutes=5))  # a pending retry
    add_call(callout, status="failed")  # out of attempts: final, no retry
    # Another callout's calls are not counted.
    add_call(factories.CalloutFactory(account=api.account), status="queued")

    response = api.get(url(callout))

    assert response.status_code == 200
    body = response.json()
    assert list(body) == KEYS
    assert body["participations"] == 8
    assert body["participations_answered"] == 1
    assert body["participations_remaining"] == 6  # five active calls and the pending retry
    assert body["calls_by_status"] == {
        "created": 2,
        "queued": 1,
        "remotely_queued": 1,
        "errored": 0,
        "in_progress": 1,
        "busy": 1,
        "failed": 1,
        "not_answered": 0,
        "canceled": 0,
        "completed": 1,
        "expired": 0,
    }
    assert list(body["calls_by_status"]) == [status.value for status in PhoneCallStatus]
    assert body["waiting_for_window"] == 1
    assert body["calls_in_progress"] == 3
    assert body["calls_per_minute"] == 2  # handed over 10 s and 30 s ago; 90 s is too long ago
    assert body["completed_at"] is None
    assert body["eta_seconds"] > 0
    assert body["eta_at"].endswith("Z")


def test_a_participation_with_two_remaining_calls_counts_once(api, callout):
    participation = factories.CalloutParticipationFactory(callout=callout)
    add_call(callout, participation=participation, status="busy", retry_at=timezone.now())
    add_call(callout, participation=participation)
    assert api.get(url(callout)).json()["participations_remaining"] == 1


def test_an_empty_callout_has_zeros_and_no_eta(api, callout):
    body = api.get(url(callout)).json()
    assert body["participations"] == 0
    assert body["participations_remaining"] == 0
    assert set(body["calls_by_status"].values()) == {0}
    assert body["eta_seconds"] is None
    assert body["eta_at"] is None


@pytest.mark.parametrize("status", ["initialized", "paused", "stopped"])
def test_a_callout_that_is_not_running_has_no_eta(api, status):
    callout = factories.CalloutFactory(account=api.account, status=status)
    add_call(callout)
    body = api.get(url(callout)).json()
    assert body["participations_remaining"] == 1
    assert body["eta_seconds"] is None
    assert body["eta_at"] is None


def test_a_completed_callout_shows_when_it_completed(api, callout):
    completed_at = timezone.now() - timedelta(minutes=3)
    callout.completed_at = completed_at
    callout.save()
    add_call(callout, status="completed")

    body = api.get(url(callout)).json()

    formatted = TimestampField().to_representation(completed_at)
    assert body["completed_at"] == formatted
    assert body["eta_at"] == formatted
    assert body["eta_seconds"] == 0


def test_eta_of_a_running_callout_follows_the_accounts_rate(api, callout):
    api.account.settings = {**api.account.settings, "phone_call_queue_limit": 60}
    api.account.save()
    for _ in range(30):
        add_call(callout)
    body = api.get(url(callout)).json()
    # 30 calls at one a second, then a typical call length (30 s until calls have been seen).
    assert 55 <= body["eta_seconds"] <= 65


def test_another_accounts_callout_is_not_found(api, other_account):
    foreign = factories.CalloutFactory(account=other_account, status="running")
    add_call(foreign)
    response = api.get(url(foreign))
    assert response.status_code == 404
    assert response.json() == {"status": 404, "error": "Not Found"}


def test_an_unknown_callout_is_not_found(api):
    assert api.get("/api/callouts/999999/statistics").status_code == 404


def test_an_unknown_token_is_refused(callout):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer nope")
    response = client.get(url(callout))
    assert response.status_code == 401
    assert "WWW-Authenticate" in response


def test_it_requires_callouts_read(api, callout):
    def client_with(names):
        token = factories.AccessTokenFactory(
            resource_owner=api.account, permissions=permissions.names_to_mask(names)
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.token}")
        return client

    others = [name for name in permissions.TOKEN_PERMISSIONS if name != "callouts_read"]
    refused = client_with(others).get(url(callout))
    assert refused.status_code == 401
    assert refused.content == b""
    assert client_with(["callouts_read"]).get(url(callout)).status_code == 200


@pytest.mark.parametrize("method", ["post", "patch", "put", "delete"])
def test_it_is_read_only(api, callout, method):
    assert getattr(api, method)(url(callout), {}, format="json").status_code == 405


def test_query_count_does_not_grow_with_the_calls(api, callout, django_assert_max_num_queries):
    """A handful of aggregate queries, the same for 3 calls and for 60 of every kind."""
    account = api.account
    account.settings = {**account.settings, "calling_window": {"from": "08:00", "to": "20:00"}}
    account.save()
    factories.CalloutFactory(account=account, status="running")  # a callout sharing the rate

    def populate(n):
        now = timezone.now()
        for index in range(n):
            add_call(callout)
            add_call(callout, window_opens_at=now + timedelta(hours=1 + index))
            add_call(callout, status="busy", retry_at=now + timedelta(minutes=5 + index))
            add_call(
                callout,
                status="completed",
                remotely_queued_at=now - timedelta(seconds=40),
            )
            add_call(callout, status="in_progress", remotely_queued_at=now - timedelta(seconds=5))

    populate(1)
    with django_assert_max_num_queries(10) as few:
        assert api.get(url(callout)).status_code == 200
    populate(12)
    assert PhoneCall.objects.filter(callout=callout).count() == 65
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = api.get(url(callout)).json()
    assert body["waiting_for_window"] == 13
    assert body["eta_seconds"] is not None
