"""An operator sets a callout's delivery in a real browser: priority, calling window and retry ladders
through their widgets (time pickers, day boxes, the ladder editor), saved into the settings JSON."""

import pytest
from playwright.sync_api import expect

from scfm.accounts.models import UserRole
from scfm.callouts.models import Callout
from tests import factories
from tests.browser.conftest import assert_controls_are_labelled, screenshot, sign_in
from tests.e2e.conftest import simulator_account

pytestmark = pytest.mark.e2e

PASSWORD = "browser-pass-1"


def test_an_operator_edits_priority_window_and_ladders(stack, page_factory):
    account = simulator_account(stack, time_zone="Asia/Phnom_Penh")
    factories.UserFactory(
        account=account, email="operator@example.org", role=UserRole.ADMIN, password=PASSWORD
    )
    callout = factories.CalloutFactory(
        account=account,
        call_flow_logic="CallFlowLogic::PlayMessage",
        audio_url="https://example.com/alert.mp3",
        settings={"max_phone_calls_for_callout_participation": 2, "retry_policy": {"errored": []}},
    )
    page = page_factory()
    sign_in(page, "operator@example.org", PASSWORD)

    page.goto(f"/dashboard/callouts/{callout.pk}/edit")
    assert_controls_are_labelled(page)
    # The window's hours are sent only once its box is ticked, a ladder's delays with "After these delays".
    expect(page.get_by_label("Opens at")).to_be_disabled()
    expect(page.get_by_label("Delays after “Busy”")).to_be_disabled()
    expect(page.get_by_label("Retries after “Errored”")).to_have_value("never")

    page.get_by_label("Priority").select_option("emergency")
    page.get_by_label("Call only within these hours").check()
    page.get_by_label("Opens at").fill("07:00")
    page.get_by_label("Closes at").fill("19:30")
    page.get_by_label("Sat", exact=True).uncheck()
    page.get_by_label("Sun", exact=True).uncheck()
    page.get_by_label("Retries after “Busy”").select_option("delays")
    expect(page.get_by_label("Delays after “Busy”")).to_be_focused()
    page.get_by_label("Delays after “Busy”").fill("1m, 5m")
    page.get_by_label("Retries after “Not answered”").select_option("never")
    page.get_by_label("Start dialing at").fill("2030-01-15T08:00")
    screenshot(page, "callout-delivery-settings")
    page.get_by_role("button", name="Save").click()

    page.get_by_text("Callout was successfully updated.").wait_for()
    expect(page.locator("[data-statistics=priority]")).to_contain_text("Emergency")
    callout.refresh_from_db()
    assert callout.settings == {
        "max_phone_calls_for_callout_participation": 2,
        "priority": "emergency",
        "calling_window": {"from": "07:00", "to": "19:30", "days": ["mon", "tue", "wed", "thu", "fri"]},
        "retry_policy": {"busy": [60, 300], "not_answered": [], "errored": []},
        "start_at": "2030-01-15T08:00:00+07:00",
    }

    # The page shows what was saved; an unreadable delay is refused there and nothing is written.
    page.goto(f"/dashboard/callouts/{callout.pk}/edit")
    expect(page.get_by_label("Priority")).to_have_value("emergency")
    expect(page.get_by_label("Opens at")).to_have_value("07:00")
    expect(page.get_by_label("Sat", exact=True)).not_to_be_checked()
    expect(page.get_by_label("Delays after “Busy”")).to_have_value("1m, 5m")
    expect(page.get_by_label("Start dialing at")).to_have_value("2030-01-15T08:00")
    page.get_by_label("Delays after “Busy”").fill("5x")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".form-errors")).to_contain_text("Busy: “5x” is not a delay.")
    expect(page.get_by_label("Retries after “Busy”")).to_have_attribute("aria-invalid", "true")
    assert Callout.objects.get(pk=callout.pk).settings == callout.settings
