"""Dashboard: the callout form's delivery widgets (priority, calling window, retry ladders, start and stop
times) and the account's delivery settings, written into the settings JSON exactly; bad input refused."""

import re

import pytest
from django.urls import reverse

from scfm.accounts.models import Account
from scfm.callouts.models import Callout
from scfm.dashboard.forms.delivery import (
    format_delay,
    iso_datetime,
    keep_unchanged,
    ladder_parts,
    local_datetime_text,
    parse_delays,
    window_parts,
)
from tests import factories
from tests.dashboard.page_forms import submitted_fields

NEW = reverse("dashboard:callout_new")
ACCOUNT = reverse("dashboard:account")
CALLOUT_FORM = '<form method="post" enctype="multipart/form-data">'
ACCOUNT_FORM = '<form method="post" class="account-form">'
OUTCOMES = ("busy", "not_answered", "failed", "errored", "expired", "canceled")


def edit_url(callout):
    return reverse("dashboard:callout_edit", args=[callout.pk])


def callout_form(**overrides) -> dict:
    """A callout form as the page posts it with every delivery widget at its default."""
    data = {
        "call_flow_logic": "CallFlowLogic::PlayMessage",
        "audio_url": "",
        "priority": "normal",
        "calling_window-from": "08:00",
        "calling_window-to": "20:00",
        "calling_window-days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "start_at": "",
        "stop_at": "",
        "schedule_time_zone": "UTC",
        "settings-key": [""],
        "settings-value": [""],
        "metadata-key": [""],
        "metadata-value": [""],
    }
    for outcome in OUTCOMES:
        data[f"retry_policy-{outcome}-mode"] = "default"
        data[f"retry_policy-{outcome}-delays"] = ""
    data.update(overrides)
    return data


def invalid_names(html: str) -> set[str]:
    """The names of the inputs and selects the page marks aria-invalid."""
    names = set()
    for tag in re.findall(r"<(?:input|select)\b[^>]*>", html):
        if 'aria-invalid="true"' in tag:
            names.add(re.search(r'name="([^"]+)"', tag).group(1))
    return names


@pytest.fixture
def phnom_penh(account):
    account.settings = {**account.settings, "time_zone": "Asia/Phnom_Penh"}
    account.save(update_fields=["settings"])
    return account


# --- the widgets' parsing rules --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,delays",
    [
        ("300, 900", [300, 900]),
        ("5m, 15m", [300, 900]),
        ("300 900", [300, 900]),
        ("90s; 2h, 1d", [90, 7200, 86400]),
        ("1.5h", [5400]),
        ("5 min, 1 hour", [300, 3600]),
        ("0", [0]),
        ("-300", [-300]),  # read, so that the service says a delay must not be negative
    ],
)
def test_delays_are_read_in_seconds(text, delays):
    assert parse_delays(text) == (delays, [])


@pytest.mark.parametrize("text,unreadable", [("5x", ["5x"]), ("1.5s", ["1.5s"]), ("five, 10", ["five"])])
def test_unreadable_delays_are_named(text, unreadable):
    assert parse_delays(text)[1] == unreadable


@pytest.mark.parametrize(
    "seconds,shown", [(300, "5m"), (900, "15m"), (3600, "1h"), (86400, "1d"), (90, "90s"), (0, "0")]
)
def test_delays_are_shown_in_the_largest_unit_that_divides_them(seconds, shown):
    assert format_delay(seconds) == shown
    assert parse_delays(shown) == ([seconds], [])


def test_ladders_tell_default_from_never():
    parts = ladder_parts({"busy": [300, 900], "failed": []})

    assert parts["busy"] == ("delays", "5m, 15m")
    assert parts["failed"] == ("never", "")
    assert parts["not_answered"] == ("default", "")


def test_a_window_closing_at_midnight_is_shown_as_00_00():
    parts = window_parts({"from": "08:00", "to": "24:00"})

    assert parts == {
        "enabled": True,
        "from": "08:00",
        "to": "00:00",
        "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "overnight": False,
    }
    assert window_parts(None)["enabled"] is False


def test_local_times_are_written_with_the_zones_offset():
    assert iso_datetime("2026-12-24T08:00", "Asia/Phnom_Penh") == "2026-12-24T08:00:00+07:00"
    assert iso_datetime("2026-07-01T08:00", "Europe/Paris") == "2026-07-01T08:00:00+02:00"
    assert iso_datetime("", "UTC") is None
    assert local_datetime_text("2026-12-24T01:00:00+00:00", "Asia/Phnom_Penh") == "2026-12-24T08:00"


def test_a_setting_that_means_what_is_stored_keeps_its_stored_json():
    stored = {"calling_window": {"from": "08:00", "to": "20:00"}, "start_at": "2026-12-24T01:00:00Z"}
    edited = {
        "priority": "normal",
        "calling_window": {
            "from": "08:00",
            "to": "20:00",
            "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        },
        "retry_policy": {},
        "start_at": "2026-12-24T08:00:00+07:00",
        "stop_at": None,
    }

    assert keep_unchanged(stored, edited) == stored
    assert keep_unchanged(stored, {**edited, "priority": "low", "calling_window": None}) == {
        "priority": "low",
        "start_at": "2026-12-24T01:00:00Z",
    }


# --- the callout form --------------------------------------------------------------------------------


def test_new_form_shows_every_delivery_widget(admin_client, phnom_penh):
    html = admin_client.get(NEW).content.decode()

    assert re.search(r'<option value="normal" selected>', html)
    for priority in ("emergency", "high", "low"):
        assert f'<option value="{priority}" >' in html
    assert 'type="time" name="calling_window-from" value="08:00"' in html
    assert 'name="calling_window-enabled"' in html and 'name="calling_window-overnight"' in html
    assert html.count('name="calling_window-days"') == 7
    for outcome in OUTCOMES:
        assert f'name="retry_policy-{outcome}-mode"' in html
        assert f'name="retry_policy-{outcome}-delays"' in html
    assert 'type="datetime-local" name="start_at"' in html
    assert 'name="schedule_time_zone" value="Asia/Phnom_Penh"' in html  # the account's zone
    assert '<option value="America/Argentina/Buenos_Aires">' in html  # the zones' datalist


def test_the_schedule_zone_is_utc_when_the_account_has_none(admin_client):
    assert 'name="schedule_time_zone" value="UTC"' in admin_client.get(NEW).content.decode()


def test_defaults_write_no_delivery_setting(admin_client):
    response = admin_client.post(NEW, callout_form())

    assert response.status_code == 302
    assert Callout.objects.get().settings == {}


def test_create_writes_every_delivery_setting(admin_client, phnom_penh):
    response = admin_client.post(
        NEW,
        callout_form(
            priority="emergency",
            **{
                "calling_window-enabled": "1",
                "calling_window-from": "08:00",
                "calling_window-to": "20:00",
                "calling_window-days": ["fri", "mon", "wed"],
                "retry_policy-busy-mode": "delays",
                "retry_policy-busy-delays": "5m, 15m",
                "retry_policy-not_answered-mode": "delays",
                "retry_policy-not_answered-delays": "900 3600",
                "retry_policy-failed-mode": "never",
                "retry_policy-failed-delays": "ignored when never",
                "retry_policy-expired-mode": "delays",
                "retry_policy-expired-delays": "900",
                "start_at": "2026-12-24T08:00",
                "stop_at": "2026-12-24T18:30",
                "schedule_time_zone": "Asia/Phnom_Penh",
                "settings-key": ["max_phone_calls_for_callout_participation"],
                "settings-value": ["4"],
            },
        ),
    )

    assert response.status_code == 302
    assert Callout.objects.get().settings == {
        "priority": "emergency",
        "calling_window": {"from": "08:00", "to": "20:00", "days": ["mon", "wed", "fri"]},
        "retry_policy": {"busy": [300, 900], "not_answered": [900, 3600], "failed": [], "expired": [900]},
        "start_at": "2026-12-24T08:00:00+07:00",
        "stop_at": "2026-12-24T18:30:00+07:00",
        "max_phone_calls_for_callout_participation": "4",
    }


@pytest.mark.parametrize(
    "window,expected",
    [
        (
            {"calling_window-from": "20:00", "calling_window-to": "06:00", "calling_window-overnight": "1"},
            {"from": "20:00", "to": "06:00", "overnight": True},
        ),
        ({"calling_window-from": "08:00", "calling_window-to": "00:00"}, {"from": "08:00", "to": "24:00"}),
        (
            {"calling_window-from": "08:00:00", "calling_window-to": "12:30:00"},
            {"from": "08:00", "to": "12:30"},
        ),
    ],
    ids=["overnight", "until-midnight", "seconds-sent"],
)
def test_window_shapes(admin_client, window, expected):
    days = {"calling_window-days": ["sat", "sun"]}
    response = admin_client.post(NEW, callout_form(**{"calling_window-enabled": "1", **days, **window}))

    assert response.status_code == 302
    assert Callout.objects.get().settings == {"calling_window": {**expected, "days": ["sat", "sun"]}}


def test_an_unticked_window_is_not_written_whatever_its_hours(admin_client):
    admin_client.post(NEW, callout_form(**{"calling_window-from": "21:00", "calling_window-to": "03:00"}))

    assert Callout.objects.get().settings == {}


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        (
            {"retry_policy-busy-mode": "delays", "retry_policy-busy-delays": "5x, 10m"},
            "retry_policy-busy-mode",
            "Busy: “5x” is not a delay.",
        ),
        (
            {"retry_policy-failed-mode": "delays", "retry_policy-failed-delays": ""},
            "retry_policy-failed-mode",
            "Failed: give one or more delays, or choose “Never retry”.",
        ),
        (
            {"retry_policy-busy-mode": "delays", "retry_policy-busy-delays": "-300"},
            "retry_policy-busy-mode",
            "busy delays must not be negative",
        ),
        (
            {"retry_policy-busy-mode": "delays", "retry_policy-busy-delays": ", ".join(["1m"] * 11)},
            "retry_policy-busy-mode",
            "busy must be a list of at most 10 delays",
        ),
        (
            {"calling_window-enabled": "1", "calling_window-from": "20:00", "calling_window-to": "08:00"},
            "calling_window-from",
            "to must be after from",
        ),
        (
            {"calling_window-enabled": "1", "calling_window-days": []},
            "calling_window-from",
            "days must be a non-empty list",
        ),
        (
            {"calling_window-enabled": "1", "calling_window-from": ""},
            "calling_window-from",
            "Give the time the window opens and the time it closes.",
        ),
        (
            {
                "calling_window-enabled": "1",
                "calling_window-from": "06:00",
                "calling_window-to": "08:00",
                "calling_window-overnight": "1",
            },
            "calling_window-from",
            "an overnight window must end (to) before it starts (from)",
        ),
        ({"priority": "urgent"}, "priority", "must be one of emergency, high, normal, low"),
        (
            {"start_at": "2026-12-24T10:00", "stop_at": "2026-12-24T09:00"},
            "stop_at",
            "must be after start_at",
        ),
        ({"start_at": "tomorrow"}, "start_at", "“tomorrow” is not a date and time."),
        (
            {"start_at": "2026-12-24T10:00", "schedule_time_zone": "Mars/Olympus"},
            "schedule_time_zone",
            "Choose a time zone from the list",
        ),
        (
            {"settings-key": ["retry_policy"], "settings-value": ["busy"]},
            "settings-key",
            "Set “retry_policy” with its own field above.",
        ),
    ],
    ids=[
        "unreadable-delay",
        "no-delays",
        "negative-delay",
        "too-many-delays",
        "from-after-to",
        "no-days",
        "no-time",
        "overnight-that-is-not",
        "unknown-priority",
        "stop-before-start",
        "not-a-date",
        "unknown-zone",
        "row-shadows-a-widget",
    ],
)
def test_bad_input_is_shown_on_the_page_and_nothing_is_saved(admin_client, overrides, field, message):
    response = admin_client.post(NEW, callout_form(**overrides))

    html = response.content.decode()
    assert response.status_code == 422
    assert Callout.objects.count() == 0
    assert "form-errors" in html
    assert message in html.replace("&quot;", '"')
    if field != "settings-key":  # the rows have no invalid marking of their own
        assert field in invalid_names(html)


def test_bad_input_is_shown_again_as_typed(admin_client):
    html = admin_client.post(
        NEW,
        callout_form(
            priority="high",
            **{
                "calling_window-enabled": "1",
                "calling_window-from": "09:15",
                "calling_window-days": ["tue"],
                "retry_policy-busy-mode": "delays",
                "retry_policy-busy-delays": "5x",
                "retry_policy-failed-mode": "never",
                "start_at": "2026-12-24T10:00",
                "schedule_time_zone": "Asia/Bangkok",
            },
        ),
    ).content.decode()

    assert '<option value="high" selected>' in html
    assert 'name="calling_window-from" value="09:15"' in html
    assert re.search(r'name="calling_window-days" value="tue"\s+checked', html)
    assert not re.search(r'name="calling_window-days" value="mon"\s+checked', html)
    assert 'name="retry_policy-busy-delays" value="5x"' in html
    assert re.search(r'name="retry_policy-failed-mode".*?<option value="never" selected>', html, re.S)
    assert 'name="start_at" value="2026-12-24T10:00"' in html
    assert 'name="schedule_time_zone" value="Asia/Bangkok"' in html


@pytest.fixture
def configured_callout(phnom_penh):
    return factories.CalloutFactory(
        account=phnom_penh,
        settings={
            "priority": "high",
            "calling_window": {"from": "07:30", "to": "24:00", "days": ["sat", "sun"]},
            "retry_policy": {"busy": [300, 900], "errored": [], "expired": [5400]},
            "start_at": "2026-12-24T01:00:00Z",
            "stop_at": "2026-12-24T18:00:00+07:00",
            "max_phone_calls_for_callout_participation": 2,
            "tags": ["a", "b"],
        },
    )


def test_edit_shows_the_stored_delivery_settings(admin_client, configured_callout):
    html = admin_client.get(edit_url(configured_callout)).content.decode()

    assert '<option value="high" selected>' in html
    assert re.search(r'name="calling_window-enabled" value="1" data-window-toggle checked', html)
    assert 'name="calling_window-from" value="07:30"' in html
    assert 'name="calling_window-to" value="00:00"' in html
    assert re.search(r'name="calling_window-days" value="sat"\s+checked', html)
    assert 'name="retry_policy-busy-delays" value="5m, 15m"' in html
    assert 'name="retry_policy-expired-delays" value="90m"' in html
    assert re.search(r'name="retry_policy-errored-mode".*?<option value="never" selected>', html, re.S)
    assert re.search(r'name="retry_policy-failed-mode".*?<option value="default" selected>', html, re.S)
    assert 'name="start_at" value="2026-12-24T08:00"' in html  # 01:00 UTC in Phnom Penh
    assert 'name="stop_at" value="2026-12-24T18:00"' in html
    assert 'name="settings-key" value="priority"' not in html  # it has its own widget
    assert 'name="settings-key" value="max_phone_calls_for_callout_participation"' in html


def test_saving_the_edit_page_unchanged_writes_the_settings_exactly_as_stored(
    admin_client, configured_callout
):
    before = dict(configured_callout.settings)
    page = admin_client.get(edit_url(configured_callout)).content.decode()

    response = admin_client.post(edit_url(configured_callout), submitted_fields(page, CALLOUT_FORM))

    assert response.status_code == 302
    configured_callout.refresh_from_db()
    assert configured_callout.settings == before


def test_an_edit_changes_what_it_touches_and_keeps_the_rest(admin_client, configured_callout):
    page = admin_client.get(edit_url(configured_callout)).content.decode()
    data = submitted_fields(page, CALLOUT_FORM)
    data.update(
        {
            "priority": ["emergency"],
            "retry_policy-busy-mode": ["never"],
            "retry_policy-failed-mode": ["delays"],
            "retry_policy-failed-delays": ["30m"],
            "stop_at": [""],
        }
    )

    admin_client.post(edit_url(configured_callout), data)

    configured_callout.refresh_from_db()
    assert configured_callout.settings == {
        "priority": "emergency",
        "calling_window": {"from": "07:30", "to": "24:00", "days": ["sat", "sun"]},
        "retry_policy": {"busy": [], "failed": [1800], "errored": [], "expired": [5400]},
        "start_at": "2026-12-24T01:00:00Z",
        "max_phone_calls_for_callout_participation": 2,
        "tags": ["a", "b"],
    }


def test_an_edit_can_remove_every_delivery_setting(admin_client, configured_callout):
    data = submitted_fields(admin_client.get(edit_url(configured_callout)).content.decode(), CALLOUT_FORM)
    data.update({"priority": ["normal"], "start_at": [""], "stop_at": [""]})
    data.pop("calling_window-enabled")
    for outcome in OUTCOMES:
        data[f"retry_policy-{outcome}-mode"] = ["default"]

    admin_client.post(edit_url(configured_callout), data)

    configured_callout.refresh_from_db()
    assert configured_callout.settings == {"max_phone_calls_for_callout_participation": 2, "tags": ["a", "b"]}


def test_a_refused_edit_writes_nothing(admin_client, configured_callout):
    before = dict(configured_callout.settings)
    data = submitted_fields(admin_client.get(edit_url(configured_callout)).content.decode(), CALLOUT_FORM)
    data.update({"priority": ["low"], "calling_window-to": ["06:00"]})  # to before from, not overnight

    response = admin_client.post(edit_url(configured_callout), data)

    assert response.status_code == 422
    assert "to must be after from" in response.content.decode()
    configured_callout.refresh_from_db()
    assert configured_callout.settings == before


def test_the_delivery_widgets_are_in_khmer(admin_client, admin_user):
    admin_user.locale = "km"
    admin_user.save(update_fields=["locale"])

    html = admin_client.get(NEW).content.decode()

    for english in ("Priority", "Calling window", "Opens at", "Never retry", "Start dialing at", "Emergency"):
        assert english not in html


# --- the account's delivery settings ----------------------------------------------------------------


def account_form(**overrides) -> dict:
    data = {
        "platform_provider_name": "twilio",
        "call_flow_logic": "CallFlowLogic::HelloWorld",
        "from_phone_number": "",
        "phone_call_queue_limit": "",
        "max_phone_calls_for_callout_participation": "",
        "phone_call_retry_delay_seconds": "",
        "max_concurrent_calls": "",
        "time_zone": "",
        "calling_window-from": "08:00",
        "calling_window-to": "20:00",
        "calling_window-days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "settings-key": [],
        "settings-value": [],
    }
    data.update(overrides)
    return data


@pytest.fixture
def delivery_account(account):
    account.settings = {
        "phone_call_queue_limit": 120,
        "max_concurrent_calls": 30,
        "time_zone": "Asia/Phnom_Penh",
        "calling_window": {"from": "08:00", "to": "20:00"},
        "rapidpro": {"flow_id": "f"},
    }
    account.save()
    return account


def test_account_page_shows_its_delivery_settings(admin_client, delivery_account):
    html = admin_client.get(ACCOUNT).content.decode()

    assert 'type="number" name="max_concurrent_calls" value="30"' in html
    assert 'name="time_zone" value="Asia/Phnom_Penh" list="time-zones"' in html
    assert '<option value="Asia/Phnom_Penh">' in html
    assert re.search(r'name="calling_window-enabled" value="1" data-window-toggle checked', html)
    assert 'name="settings-key" value="calling_window' not in html


def test_account_page_saved_unchanged_writes_the_settings_exactly(admin_client, delivery_account):
    before = dict(delivery_account.settings)
    page = admin_client.get(ACCOUNT).content.decode()

    response = admin_client.post(ACCOUNT, submitted_fields(page, ACCOUNT_FORM))

    assert response.status_code == 302
    delivery_account.refresh_from_db()
    assert delivery_account.settings == before


def test_account_writes_and_removes_its_delivery_settings(admin_client, account):
    response = admin_client.post(
        ACCOUNT,
        account_form(
            max_concurrent_calls="12",
            time_zone="Asia/Bangkok",
            **{
                "calling_window-enabled": "1",
                "calling_window-from": "07:00",
                "calling_window-to": "21:00",
                "calling_window-days": ["mon", "tue", "wed", "thu", "fri"],
            },
        ),
    )

    assert response.status_code == 302
    settings = Account.objects.get(pk=account.pk).settings
    assert settings["max_concurrent_calls"] == 12
    assert settings["time_zone"] == "Asia/Bangkok"
    assert settings["calling_window"] == {
        "from": "07:00",
        "to": "21:00",
        "days": ["mon", "tue", "wed", "thu", "fri"],
    }

    admin_client.post(ACCOUNT, account_form())

    settings = Account.objects.get(pk=account.pk).settings
    assert not {"max_concurrent_calls", "time_zone", "calling_window"} & set(settings)


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone", "must be an IANA time zone name"),
        ({"max_concurrent_calls": "0"}, "max_concurrent_calls", "must be a whole number of at least 1."),
        ({"max_concurrent_calls": "many"}, "max_concurrent_calls", "must be a whole number of at least 1."),
        (
            {"calling_window-enabled": "1", "calling_window-from": "22:00", "calling_window-to": "05:00"},
            "calling_window-from",
            "to must be after from",
        ),
        ({"settings-key": ["calling_window"], "settings-value": ["x"]}, None, "with its own field above"),
    ],
    ids=["unknown-zone", "zero-cap", "not-a-number", "window", "row-shadows-a-field"],
)
def test_account_refuses_bad_delivery_settings(admin_client, delivery_account, overrides, field, message):
    before = dict(delivery_account.settings)

    response = admin_client.post(ACCOUNT, account_form(**overrides))

    html = response.content.decode()
    assert response.status_code == 422
    assert message in html
    if field:
        assert field in invalid_names(html)
    delivery_account.refresh_from_db()
    assert delivery_account.settings == before


def test_start_times_typed_on_a_new_callout_are_in_the_accounts_zone(admin_client, phnom_penh):
    data = submitted_fields(admin_client.get(NEW).content.decode(), CALLOUT_FORM)
    data["start_at"] = ["2026-12-24T08:00"]

    admin_client.post(NEW, data)

    assert Callout.objects.get().settings == {"start_at": "2026-12-24T08:00:00+07:00"}
