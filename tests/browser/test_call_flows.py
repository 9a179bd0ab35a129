"""Call flows in a real browser: write one in the editor (its errors shown where they are), then
walk it in the "try it" panel, with nothing blocked by the Content-Security-Policy."""

import json

import pytest

from scfm.accounts.models import UserRole
from scfm.callouts.models import CallFlow
from tests import factories
from tests.browser.conftest import assert_controls_are_labelled, screenshot, sign_in

pytestmark = pytest.mark.e2e

PASSWORD = "browser-pass-1"
MENU = {
    "start": "ask",
    "steps": [
        {
            "id": "ask",
            "type": "gather",
            "prompts": [{"type": "say", "text": "Press 1"}],
            "branches": {"1": "save"},
        },
        {"id": "save", "type": "set_metadata", "values": {"pressed": "one"}, "next": "bye"},
        {"id": "bye", "type": "say", "text": "Thanks"},
    ],
}


def test_write_a_call_flow_and_try_it(stack, page_factory):
    account = factories.AccountFactory()
    factories.UserFactory(
        account=account, email="member@example.org", role=UserRole.MEMBER, password=PASSWORD
    )
    page = page_factory()
    sign_in(page, "member@example.org", PASSWORD)
    page.get_by_role("link", name="Call flows").click()
    page.get_by_role("button", name="New call flow").click()
    assert_controls_are_labelled(page)
    page.get_by_label("Name").fill("Menu")
    page.get_by_role("textbox", name="Document").fill('{\n  "start": "ask",\n  "steps": [}')
    page.get_by_role("button", name="Save").click()
    assert "line 3, column 13" in page.locator("#document-errors").inner_text()

    broken = {**MENU, "steps": [*MENU["steps"][:2], {"id": "bye", "type": "say"}]}
    page.get_by_role("textbox", name="Document").fill(json.dumps(broken, indent=2))
    page.get_by_role("button", name="Save").click()
    assert "#/steps/2: 'text' is a required property" in page.locator("#document-errors").inner_text()

    page.get_by_role("textbox", name="Document").fill(json.dumps(MENU, indent=2))
    page.get_by_role("button", name="Save").click()
    call_flow = CallFlow.objects.get(account=account)
    page.wait_for_url(f"**/dashboard/call_flows/{call_flow.pk}")
    screenshot(page, "call_flow_editor")

    page.get_by_role("button", name="Try it").click()
    assert "<Say>Press 1</Say>" in page.locator("#twiml").inner_text()
    assert_controls_are_labelled(page)
    page.get_by_label("Digits pressed (empty: none)").fill("1")
    page.get_by_role("button", name="Next request").click()
    assert "<Say>Thanks</Say>" in page.locator("#twiml").inner_text()
    assert page.locator("#dialog-state").inner_text() == "The call has ended."
    assert '"pressed": "one"' in page.get_by_label("Contact metadata").input_value()
    screenshot(page, "call_flow_try_it")
