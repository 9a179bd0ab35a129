"""Dashboard: the callout page shows the delivery statistics — the ETA, the calls waiting for their calling
window, the calls in progress, the priority, and "Completed" once the engine has recorded it."""

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from scfm.calls.callout_statistics import callout_statistics
from scfm.dashboard.templatetags.dashboard import eta_duration
from tests import factories


def detail_url(callout):
    return reverse("dashboard:callout_detail", args=[callout.pk])


def summary_url(callout):
    return reverse("dashboard:callout_summary", args=[callout.pk])


def add_call(callout, **fields):
    participation = factories.CalloutParticipationFactory(callout=callout, phone_calls_count=1)
    return factories.PhoneCallFactory(callout_participation=participation, **fields)


def shown(html: str, name: str) -> str:
    """The text of the element marked data-statistics="name", tags removed and spaces collapsed."""
    opening = re.search(rf'<(\w+) data-statistics="{name}">', html)
    assert opening, f"no {name} on the page"
    tag, depth, position = opening.group(1), 1, opening.end()
    for nested in re.compile(rf"<(/?){tag}\b[^>]*>").finditer(html, position):
        depth += -1 if nested.group(1) else 1
        if depth == 0:
            return " ".join(re.sub(r"<[^>]+>", " ", html[position : nested.start()]).split())
    raise AssertionError(f"{name} is not closed")


@pytest.fixture
def running(account):
    account.settings = {**account.settings, "phone_call_queue_limit": 60}
    account.save()
    return factories.CalloutFactory(account=account, status="running", settings={"priority": "high"})


@pytest.mark.parametrize(
    "seconds,text",
    [
        (0, "less than a minute"),
        (59, "less than a minute"),
        (720, "about 12 min"),
        (3 * 3600 + 300, "about 3 h 5 min"),
        (47 * 3600 + 59 * 60, "about 47 h 59 min"),
        (2 * 86400 + 4 * 3600, "about 2 d 4 h"),
    ],
)
def test_eta_durations_read_as_people_say_them(seconds, text):
    assert eta_duration(seconds) == text


def test_an_eta_time_is_a_clock_time_the_browser_localizes():
    today = timezone.now().replace(hour=14, minute=32)
    later = datetime(2031, 5, 6, 7, 8, tzinfo=UTC)
    template = Template("{% load dashboard %}{% local_clock_time today %} {% local_clock_time later %}")

    html = template.render(Context({"today": today, "later": later}))

    iso = today.isoformat().replace("+00:00", "Z")
    assert f'<time datetime="{iso}" data-local-time="clock">14:32 UTC</time>' in html
    assert '<time datetime="2031-05-06T07:08:00Z" data-local-time="clock">2031-05-06 07:08 UTC</time>' in html


def test_a_running_callout_shows_its_eta_waiting_and_calls_in_progress(admin_client, running):
    now = timezone.now()
    for _ in range(30):
        add_call(running)  # open now: 30 calls at one a second
    add_call(running, window_opens_at=now + timedelta(hours=3))
    add_call(running, window_opens_at=now + timedelta(hours=3))
    add_call(running, status="queued")
    add_call(running, status="in_progress", remotely_queued_at=now - timedelta(seconds=20))

    html = admin_client.get(detail_url(running)).content.decode()

    assert shown(html, "waiting_for_window") == "2"
    assert shown(html, "calls_in_progress") == "2"
    assert shown(html, "calls_per_minute") == "1"
    assert shown(html, "priority") == "Priority High"
    eta = re.search(r'data-statistics="eta">.*?(about \d+ h \d+ min), ~<time datetime="([^"]+)"', html, re.S)
    assert eta, "no ETA on the page"
    # The two calls waiting for their window open in three hours: the callout is done after that.
    eta_at = datetime.fromisoformat(eta.group(2).replace("Z", "+00:00"))
    assert now + timedelta(hours=3) < eta_at < now + timedelta(hours=3, minutes=5)
    assert eta.group(1).startswith("about 3 h ")
    assert "Completed</span>" not in html


def test_the_page_shows_the_estimate_as_computed(admin_client, running, monkeypatch):
    eta_at = timezone.now().replace(microsecond=0) + timedelta(minutes=12)
    statistics = replace(callout_statistics(running), eta_seconds=12 * 60 + 10, eta_at=eta_at)
    monkeypatch.setattr("scfm.dashboard.views.callouts.callout_statistics", lambda callout: statistics)

    html = admin_client.get(summary_url(running)).content.decode()

    iso = eta_at.isoformat().replace("+00:00", "Z")
    assert f'about 12 min, ~<time datetime="{iso}" data-local-time="clock">' in html


def test_a_running_callout_without_an_estimate_says_so(admin_client, running):
    assert shown(admin_client.get(detail_url(running)).content.decode(), "eta") == "Done in not known yet"


def test_a_callout_that_is_not_running_is_not_estimated(admin_client, account):
    callout = factories.CalloutFactory(account=account, status="paused")
    add_call(callout)

    html = admin_client.get(detail_url(callout)).content.decode()

    assert shown(html, "eta") == "Done in not estimated while the callout is not running"
    assert shown(html, "priority") == "Priority Normal"


def test_a_completed_callout_says_when_and_keeps_its_status(admin_client, running):
    running.completed_at = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    running.save()
    add_call(running, status="completed")

    html = admin_client.get(detail_url(running)).content.decode()

    assert shown(html, "completed") == "Completed 2026-12-02 09:30 UTC"
    assert '<time datetime="2026-12-02T09:30:00Z" data-local-time>' in html
    assert 'data-statistics="eta"' not in html
    assert '<span class="badge badge-running">Running</span>' in html  # the four reference statuses
    assert 'hx-trigger="every 2s"' in html  # still polled: work may come back


def test_the_polled_summary_carries_the_statistics(admin_client, running):
    add_call(running, window_opens_at=timezone.now() + timedelta(hours=1))

    partial = admin_client.get(summary_url(running), HTTP_HX_REQUEST="true").content.decode()

    assert "<html" not in partial
    assert 'hx-trigger="every 2s"' in partial
    assert shown(partial, "waiting_for_window") == "1"
    assert shown(partial, "eta").startswith("Done in about 1 h")


def test_an_emergency_callout_says_so(admin_client, account):
    callout = factories.CalloutFactory(account=account, settings={"priority": "emergency"})

    assert shown(admin_client.get(detail_url(callout)).content.decode(), "priority") == "Priority Emergency"


def test_the_statistics_are_in_khmer(admin_client, admin_user, running):
    admin_user.locale = "km"
    admin_user.save(update_fields=["locale"])
    running.completed_at = timezone.now()
    running.save()

    html = admin_client.get(detail_url(running)).content.decode()

    for english in ("Completed", "Priority", "Calls in progress", "Calls waiting for their calling window"):
        assert english not in html
