"""Browser tests: Playwright drives Debian's chromium against the real web, engine and simulator."""

import os
from pathlib import Path

import pytest

from tests.e2e.stack import ROOT, Stack

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "var" / "test-artifacts" / "screenshots"

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still
# synchronous and safe, so let Django allow them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _chromium_or_skip() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    message = f"{CHROMIUM} is missing (apt-get install chromium; `make test` does it as root)"
    if os.environ.get("CI"):
        pytest.fail(message)  # CI must run the browser tests, not skip them silently
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium():
    executable = _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def stack(transactional_db):
    running = Stack(extra_env={"SCFM_SIGN_IN_MAX_FAILURES": "50"}).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def page_factory(chromium, stack):
    """New browser pages on the stack's web server; each keeps its own session cookies."""
    contexts = []

    def new_page():
        context = chromium.new_context(base_url=stack.web_url, accept_downloads=True, locale="en-GB")
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield new_page
    for context in contexts:
        context.close()


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
