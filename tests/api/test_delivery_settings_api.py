"""Delivery control settings through the API: accepted as sent, refused with a 422 naming the
problem under `settings`, and nothing written when refused."""

import pytest

from scfm.accounts.models import Account
from scfm.callouts.delivery import policy_for
from scfm.callouts.models import Callout
from tests import factories

pytestmark = pytest.mark.django_db

GOOD_SETTINGS = {
    "priority": "emergency",
    "calling_window": {"from": "08:00", "to": "20:00", "days": ["mon", "tue", "wed", "thu", "fri"]},
    "retry_policy": {"busy": [300, 900], "not_answered": [900, 3600], "failed": [1800], "errored": []},
    "start_at": "2026-12-24T08:00:00+07:00",
    "stop_at": "2026-12-24T18:00:00Z",
    "external_service": {"kept": True},
}


def test_a_callout_keeps_its_delivery_settings_as_sent(api):
    response = api.post("/api/callouts", {"settings": GOOD_SETTINGS}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["settings"] == GOOD_SETTINGS
    policy = policy_for(Callout.objects.get().settings, {})
    assert policy.is_emergency
    assert policy.retry_ladders["busy"] == (300, 900)
    assert policy.retry_ladders["errored"] == ()
    assert policy.window is not None and policy.window.to_json()["days"] == [
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
    ]
    assert policy.start_at.isoformat() == "2026-12-24T08:00:00+07:00"


@pytest.mark.parametrize(
    ("sent", "message"),
    [
        ({"priority": "urgent"}, "priority must be one of emergency, high, normal, low"),
        (
            {"calling_window": {"from": "8", "to": "20:00"}},
            "calling_window from must be a time HH:MM between 00:00 and 24:00",
        ),
        (
            {"calling_window": {"from": "22:00", "to": "06:00"}},
            'calling_window to must be after from; a window past midnight needs "overnight": true',
        ),
        (
            {"retry_policy": {"voicemail": [60]}},
            "retry_policy names an unknown outcome 'voicemail'"
            " (known: busy, not_answered, failed, errored, expired, canceled)",
        ),
        ({"retry_policy": {"busy": [-5]}}, "retry_policy busy delays must not be negative"),
        ({"retry_policy": {"busy": ["5m"]}}, "retry_policy busy delays must be whole numbers of seconds"),
        ({"retry_policy": {"busy": 300}}, "retry_policy busy must be a list of at most 10 delays in seconds"),
        ({"retry_policy": [300]}, 'retry_policy must be an object of delay lists, like {"busy": [300, 900]}'),
        (
            {"start_at": "2026-12-24T08:00:00"},
            "start_at must be an ISO 8601 date and time with an offset (2026-12-24T08:00:00+07:00)",
        ),
        (
            {"stop_at": "tomorrow"},
            "stop_at must be an ISO 8601 date and time with an offset (2026-12-24T08:00:00+07:00)",
        ),
        (
            {"start_at": "2026-12-24T08:00:00+07:00", "stop_at": "2026-12-24T01:00:00Z"},
            "stop_at must be after start_at",
        ),
    ],
)
def test_bad_callout_delivery_settings_are_a_422_and_write_nothing(api, sent, message):
    response = api.post("/api/callouts", {"settings": sent}, format="json")
    assert response.status_code == 422
    assert response.json() == {"errors": {"settings": [message]}}
    assert not Callout.objects.exists()

    callout = factories.CalloutFactory(account=api.account, settings={"kept": 1})
    response = api.patch(f"/api/callouts/{callout.pk}", {"settings": sent}, format="json")
    assert response.status_code == 422
    assert response.json() == {"errors": {"settings": [message]}}
    callout.refresh_from_db()
    assert callout.settings == {"kept": 1}


def test_every_problem_is_reported(api):
    response = api.post(
        "/api/callouts", {"settings": {"priority": "now", "retry_policy": {"busy": [-1]}}}, format="json"
    )
    assert response.status_code == 422
    assert response.json()["errors"]["settings"] == [
        "priority must be one of emergency, high, normal, low",
        "retry_policy busy delays must not be negative",
    ]


def test_an_account_keeps_its_delivery_settings(api):
    settings = {
        "time_zone": "Asia/Phnom_Penh",
        "max_concurrent_calls": 30,
        "calling_window": {"from": "07:30", "to": "21:00"},
        "phone_call_queue_limit": 200,
    }
    response = api.patch("/api/account", {"settings": settings}, format="json")
    assert response.status_code == 204
    assert Account.objects.get(pk=api.account.pk).settings == settings


@pytest.mark.parametrize(
    ("sent", "message"),
    [
        ({"time_zone": "Asia/Atlantis"}, "time_zone must be an IANA time zone name such as Asia/Phnom_Penh"),
        (
            {"max_concurrent_calls": 0},
            "max_concurrent_calls must be a whole number of at least 1 (leave it out for no cap)",
        ),
        (
            {"max_concurrent_calls": "10"},
            "max_concurrent_calls must be a whole number of at least 1 (leave it out for no cap)",
        ),
        (
            {"calling_window": {"from": "08:00", "to": "08:00"}},
            "calling_window from and to must differ (leave calling_window out to call at any hour)",
        ),
    ],
)
def test_bad_account_delivery_settings_are_a_422(api, sent, message):
    before = Account.objects.get(pk=api.account.pk).settings
    response = api.patch("/api/account", {"settings": sent}, format="json")
    assert response.status_code == 422
    assert response.json() == {"errors": {"settings": [message]}}
    assert Account.objects.get(pk=api.account.pk).settings == before


def test_settings_stored_before_validation_do_not_block_other_edits(api):
    Account.objects.filter(pk=api.account.pk).update(settings={"time_zone": "Old/Zone"})
    response = api.patch("/api/account", {"metadata": {"a": 1}}, format="json")
    assert response.status_code == 204
    callout = factories.CalloutFactory(account=api.account, settings={"priority": "urgent"})
    response = api.patch(f"/api/callouts/{callout.pk}", {"metadata": {"a": 1}}, format="json")
    assert response.status_code == 204
    # And the engine reads such values leniently: the defaults apply.
    assert policy_for(callout.settings, {"time_zone": "Old/Zone"}).priority == "normal"


def test_an_emergency_ignores_the_account_default_window_but_not_its_own():
    account_settings = {"calling_window": {"from": "08:00", "to": "20:00"}}
    assert policy_for({"priority": "emergency"}, account_settings).window is None
    assert policy_for({"priority": "normal"}, account_settings).window is not None
    own = {"priority": "emergency", "calling_window": {"from": "06:00", "to": "22:00"}}
    assert policy_for(own, account_settings).window.to_json()["from"] == "06:00"
