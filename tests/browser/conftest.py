"""Browser tests: Playwright drives Debian's chromium against the real web, engine and simulator."""

import os
from pathlib import Path

import pytest

from tests.e2e.stack import ROOT, Stack

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "var" / "test-artifacts" / "screenshots"


def _chromium_or_skip() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    message = f"{CHROMIUM} is missing (apt-get install chromium; `make test` does it as root)"
    if os.environ.get("CI"):
        pytest.fail(message)  # CI must run the browser tests, not skip them silently
    pytest.skip(message)


@pytest.fixture(scope="module")
def chromium():
    """One browser per test module. Playwright's sync API runs an event loop in this thread until
    the module ends (so later asyncio tests can run theirs); meanwhile the tests' own ORM calls,
    synchronous and safe, must be allowed by Django's async guard."""
    executable = _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, headless=True)
            yield browser
            browser.close()
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def stack(transactional_db):
    running = Stack(extra_env={"SCFM_SIGN_IN_MAX_FAILURES": "50"}).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def page_factory(chromium, stack):
    """New browser pages on the stack's web server; each keeps its own session cookies.

    Whatever the Content-Security-Policy blocks on any page (an inline script or style, an asset
    from elsewhere) fails the test: the browser reports it on the console.
    """
    contexts = []
    blocked: list[str] = []

    def new_page():
        context = chromium.new_context(base_url=stack.web_url, accept_downloads=True, locale="en-GB")
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                blocked.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        return page

    yield new_page
    for context in contexts:
        context.close()
    assert blocked == [], "the Content-Security-Policy blocked something"


def screenshot(page, name: str) -> None:
    """Keep a picture of a main page as a test artifact (var/test-artifacts/screenshots)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page, email: str, password: str) -> None:
    page.goto("/users/sign_in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard/callouts")


UNLABELLED_CONTROLS_JS = """
() => Array.from(document.querySelectorAll("input, select, textarea, button"))
  .filter((el) => el.type !== "hidden" && el.offsetParent !== null)
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
                  && !(el.tagName === "BUTTON" && el.textContent.trim()))
  .map((el) => el.outerHTML.slice(0, 120))
"""


def assert_controls_are_labelled(page) -> None:
    """Every visible form control has an accessible name (a label, aria-label or button text)."""
    assert page.evaluate(UNLABELLED_CONTROLS_JS) == []
