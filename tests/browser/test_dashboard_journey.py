"""An operator's day in a real browser: sign in, import contacts, create a callout with audio,
populate it after checking the preview, run it against the simulator, export the results,
switch to Khmer. And a member who may not open the API keys."""

import csv
import io
import math
import struct
import time
import wave

import pytest
from playwright.sync_api import expect

from scfm.accounts.models import UserRole
from scfm.callouts.models import Callout, CalloutParticipation
from scfm.calls.models import PhoneCall
from scfm.calls.states import FINAL_STATUSES
from scfm.contacts.models import Contact
from tests import factories
from tests.browser.conftest import assert_controls_are_labelled, screenshot, sign_in
from tests.e2e.conftest import simulator_account

pytestmark = pytest.mark.e2e

PASSWORD = "browser-pass-1"


def contacts_csv(path, count: int = 50):
    """`count` contacts, half of them women: the callout will call those."""
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["msisdn", "gender", "location:province"])
        for number in range(count):
            writer.writerow([f"+85597{2345000 + number:07d}", "f" if number % 2 else "m", "Kandal"])
    return path


def tone_wav(path, seconds: float = 0.5):
    """A short 440 Hz beep, so the upload is a real audio file."""
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        frames = int(8000 * seconds)
        audio.writeframes(
            b"".join(
                struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 8000))) for i in range(frames)
            )
        )
    return path


def wait_for_final_calls(callout: Callout, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        calls = PhoneCall.objects.filter(callout=callout)
        if calls.exists() and not calls.exclude(status__in=FINAL_STATUSES).exists():
            return
        time.sleep(0.5)
    raise TimeoutError("calls did not all reach a final status")


def test_an_operator_runs_a_callout_from_the_browser(stack, page_factory, tmp_path):
    stack.configure_simulator(seed=7, ring_seconds=0.2, mix={"answered": 0.8, "busy": 0.2})
    account = simulator_account(stack)
    factories.UserFactory(
        account=account, email="operator@example.org", role=UserRole.ADMIN, password=PASSWORD
    )
    page = page_factory()
    page.on("dialog", lambda dialog: dialog.accept())  # the "are you sure?" confirmations

    sign_in(page, "operator@example.org", PASSWORD)
    screenshot(page, "callouts-empty")

    # Import 50 contacts from a CSV file, after the preview.
    page.get_by_role("link", name="Contacts", exact=True).click()
    page.get_by_role("button", name="Import CSV").click()
    page.get_by_label("CSV file").set_input_files(str(contacts_csv(tmp_path / "contacts.csv")))
    page.get_by_role("button", name="Preview").click()
    page.get_by_text("50 rows can be imported (50 new contacts, 0 updates)").wait_for()
    screenshot(page, "contacts-import-preview")
    page.get_by_role("button", name="Import", exact=True).click()
    page.get_by_text("Import finished: 50 created, 0 updated, 0 rows skipped.").wait_for()
    assert Contact.objects.filter(account=account).count() == 50
    screenshot(page, "contacts")

    # A callout that plays an uploaded audio file.
    page.get_by_role("link", name="Callouts", exact=True).click()
    page.get_by_role("button", name="New callout").click()
    assert_controls_are_labelled(page)
    screenshot(page, "callout-new")
    page.get_by_label("Play Message", exact=True).check()
    page.get_by_label("Audio file").set_input_files(str(tone_wav(tmp_path / "alert.wav")))
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Callout was successfully created.").wait_for()
    callout = Callout.objects.get(account=account)
    assert callout.call_flow_logic == "CallFlowLogic::PlayMessage"
    assert callout.audio_file.name.endswith(".wav")
    audio = page.request.get(callout.audio_file.url)
    assert audio.ok and audio.body()[:4] == b"RIFF"

    # Populate it from a filter, checking the live preview count first.
    page.get_by_role("link", name="New population").click()
    page.get_by_label("Metadata key").first.fill("gender")
    page.locator("[name=filter-value]").first.fill("f")
    page.locator("[data-preview-count]").filter(has_text="25").wait_for()
    # A second condition narrows the count; removing it brings the count back.
    page.get_by_role("button", name="Add condition").click()
    page.get_by_label("Metadata key").nth(1).fill("location:province")
    page.locator("[name=filter-value]").nth(1).fill("Takeo")
    page.locator("[data-preview-count]").filter(has_text="0").wait_for()
    page.get_by_role("button", name="Remove condition").nth(1).click()
    page.locator("[data-preview-count]").filter(has_text="25").wait_for()
    assert not CalloutParticipation.objects.exists()  # the preview wrote nothing
    assert_controls_are_labelled(page)
    screenshot(page, "population-preview")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("button", name="Start").click()
    page.locator("#population-progress").get_by_text("25 participations were created.").wait_for(
        timeout=30_000
    )
    assert CalloutParticipation.objects.filter(callout=callout).count() == 25

    # Start the callout and watch the progress reach 100 %.
    page.goto(f"/dashboard/callouts/{callout.pk}")
    page.get_by_role("button", name="Start").click()
    page.get_by_role("button", name="Pause").wait_for()  # only what the new status allows
    assert page.get_by_role("button", name="Start").count() == 0
    page.get_by_text("100% of participants done").wait_for(timeout=90_000)
    wait_for_final_calls(callout)
    screenshot(page, "callout-done")

    # The results file: one row per participant, as the database has it.
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download results (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(download_info.value.path().read_text())))
    assert len(rows) == 25
    expected = {p.msisdn: p for p in CalloutParticipation.objects.filter(callout=callout)}
    assert {row["phone_number"] for row in rows} == set(expected)
    for row in rows:
        participation = expected[row["phone_number"]]
        assert row["answered"] == ("true" if participation.answered else "false")
        assert int(row["attempts"]) == participation.phone_calls_count
        assert row["gender"] == "f"
    assert {row["final_status"] for row in rows} <= {"completed", "busy"}
    assert any(row["final_status"] == "completed" for row in rows)

    # The other main pages, for the record.
    for name, url in (
        ("phone-calls", "/dashboard/phone_calls"),
        ("participations", "/dashboard/callout_participations"),
        ("users", "/dashboard/users"),
        ("api-keys", "/dashboard/access_tokens"),
        ("account-settings", "/dashboard/account"),
    ):
        page.goto(url)
        assert_controls_are_labelled(page)
        screenshot(page, name)

    # Khmer, chosen once and kept.
    page.goto(f"/dashboard/callouts/{callout.pk}")
    page.get_by_label("Language").select_option("km")  # submits itself
    expect(page.locator("html")).to_have_attribute("lang", "km")
    assert "ការហៅចេញ" in page.locator("aside").inner_text()
    screenshot(page, "callout-khmer")

    # On a phone's screen the sidebar goes above the content.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/dashboard/contacts")
    assert page.locator("aside").bounding_box()["width"] <= 390
    screenshot(page, "contacts-phone")


def test_a_member_cannot_open_the_api_keys(stack, page_factory):
    account = simulator_account(stack)
    factories.UserFactory(account=account, email="admin@example.org", role=UserRole.ADMIN, password=PASSWORD)
    factories.UserFactory(
        account=account, email="member@example.org", role=UserRole.MEMBER, password=PASSWORD
    )
    page = page_factory()
    sign_in(page, "member@example.org", PASSWORD)
    assert page.get_by_role("link", name="API keys").count() == 0  # not offered
    response = page.goto("/dashboard/access_tokens")
    assert response.status == 403  # and refused when typed in
    screenshot(page, "member-api-keys-forbidden")
