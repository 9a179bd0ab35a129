"""Dashboard callout pages: list with progress, form with audio, live summary, events, results CSV."""

import csv
import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from scfm.call_flows.logics import render_twiml
from scfm.callouts.models import Callout, CalloutParticipation
from scfm.calls.callout_summary import callout_summary
from scfm.calls.models import PhoneCall
from tests import factories
from tests.callouts.audio_samples import mp3_bytes, wav_bytes

SIGN_IN = "/users/sign_in"
WEBHOOK_URL = "https://scfm.example.org/twilio_webhooks/phone_call_events"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded audio goes to a temporary MEDIA_ROOT (FileSystemStorage follows the setting)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SCFM_PUBLIC_URL = "https://scfm.example.org"
    return tmp_path / "media"


@pytest.fixture
def callout(account):
    return factories.CalloutFactory(account=account)


@pytest.fixture
def other_callout(other_account):
    return factories.CalloutFactory(account=other_account)


def participant(callout, *, answered=False, attempts=1, statuses=(), metadata=None, durations=None):
    """A participation with one phone call per status (oldest first)."""
    contact = factories.ContactFactory(account=callout.account, metadata=metadata or {})
    participation = factories.CalloutParticipationFactory(
        callout=callout, contact=contact, answered=answered, phone_calls_count=attempts
    )
    for index, status in enumerate(statuses):
        factories.PhoneCallFactory(
            callout_participation=participation,
            status=status,
            duration=(durations or [0] * len(statuses))[index],
        )
    return participation


def detail_url(callout):
    return reverse("dashboard:callout_detail", args=[callout.pk])


def audio(name="hello.mp3", content=None, content_type="audio/mpeg"):
    return SimpleUploadedFile(name, mp3_bytes() if content is None else content, content_type=content_type)


def form_data(**overrides):
    data = {
        "call_flow_logic": "CallFlowLogic::PlayMessage",
        "audio_url": "",
        "settings-key": ["max_phone_calls_for_callout_participation", ""],
        "settings-value": ["2", ""],
        "metadata-key": ["campaign", "location:country"],
        "metadata-value": ["flood", "KH"],
    }
    data.update(overrides)
    return data


# --- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,needs_pk",
    [
        ("callouts", False),
        ("callout_new", False),
        ("callout_detail", True),
        ("callout_edit", True),
        ("callout_summary", True),
        ("callout_results", True),
    ],
)
def test_anonymous_is_sent_to_sign_in(client, callout, name, needs_pk):
    url = reverse(f"dashboard:{name}", args=[callout.pk] if needs_pk else [])

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN)


@pytest.mark.parametrize("name", ["callout_detail", "callout_edit", "callout_summary", "callout_results"])
def test_other_accounts_get_404(other_client, callout, name):
    assert other_client.get(reverse(f"dashboard:{name}", args=[callout.pk])).status_code == 404


@pytest.mark.parametrize("name", ["callout_delete", "callout_event", "callout_edit"])
def test_other_accounts_cannot_change_it(other_client, callout, name):
    response = other_client.post(reverse(f"dashboard:{name}", args=[callout.pk]), {"event": "start"})

    assert response.status_code == 404
    callout.refresh_from_db()
    assert callout.status == "initialized"
    assert Callout.objects.filter(pk=callout.pk).exists()


@pytest.mark.parametrize("name", ["callout_delete", "callout_event"])
def test_state_changes_are_post_only(admin_client, callout, name):
    response = admin_client.get(reverse(f"dashboard:{name}", args=[callout.pk]), {"event": "start"})

    assert response.status_code == 405
    callout.refresh_from_db()
    assert callout.status == "initialized"


def test_post_without_csrf_token_is_refused(admin_user, callout):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)

    response = client.post(reverse("dashboard:callout_event", args=[callout.pk]), {"event": "start"})

    assert response.status_code == 403
    callout.refresh_from_db()
    assert callout.status == "initialized"


def test_members_use_every_page(member_client, callout):
    for url in (
        reverse("dashboard:callouts"),
        reverse("dashboard:callout_new"),
        detail_url(callout),
        reverse("dashboard:callout_edit", args=[callout.pk]),
        reverse("dashboard:callout_summary", args=[callout.pk]),
        reverse("dashboard:callout_results", args=[callout.pk]),
    ):
        assert member_client.get(url).status_code == 200, url
    response = member_client.post(reverse("dashboard:callout_event", args=[callout.pk]), {"event": "start"})
    assert response.status_code == 302
    callout.refresh_from_db()
    assert callout.status == "running"


# --- list ----------------------------------------------------------------------------------------


def test_list_shows_the_accounts_callouts_with_progress(admin_client, callout, other_callout):
    participant(callout, answered=True, statuses=["completed"])
    participant(callout, statuses=["busy"])
    participant(callout)
    running = factories.CalloutFactory(account=callout.account, status="running")

    response = admin_client.get(reverse("dashboard:callouts"))

    assert response.status_code == 200
    page = response.context["page"]
    assert [c.pk for c in page.items] == [running.pk, callout.pk]  # newest first, this account only
    row = page.items[1]
    assert (row.participants_count, row.answered_count, row.percent_answered) == (3, 1, 33)
    assert page.items[0].participants_count == 0
    html = response.content.decode()
    assert "1 / 3 (33%)" in html
    assert "0 / 0 (0%)" in html
    assert detail_url(other_callout) not in html


def test_list_filters_as_the_api_does(admin_client, callout):
    running = factories.CalloutFactory(account=callout.account, status="running")

    response = admin_client.get(reverse("dashboard:callouts"), {"q[status]": "running"})

    assert [c.pk for c in response.context["page"].items] == [running.pk]
    response = admin_client.get(reverse("dashboard:callouts"), {"q[status]": "initialized"})
    assert [c.pk for c in response.context["page"].items] == [callout.pk]


def test_list_queries_do_not_grow_with_rows(admin_client, account, django_assert_max_num_queries):
    def queries_for_page():
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(reverse("dashboard:callouts")).status_code == 200
        return len(captured)

    callout = factories.CalloutFactory(account=account)
    participant(callout, answered=True, statuses=["completed"])
    few = queries_for_page()
    for _ in range(30):
        callout = factories.CalloutFactory(account=account)
        participant(callout, answered=True, statuses=["completed"])
        participant(callout, statuses=["busy"])

    assert queries_for_page() == few
    # session, user, count, page (counts are subqueries of the page query)
    with django_assert_max_num_queries(4):
        response = admin_client.get(reverse("dashboard:callouts"))
    assert len(response.context["page"].items) == 25


# --- create / edit -------------------------------------------------------------------------------


def test_new_form_offers_translated_call_flows(admin_client):
    response = admin_client.get(reverse("dashboard:callout_new"))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="CallFlowLogic::PlayMessage"' in html
    assert "Play Message and Start RapidPro Flow" in html
    assert 'enctype="multipart/form-data"' in html


def test_new_form_offers_the_ivr_call_flows_in_khmer(admin_client, admin_user):
    admin_user.locale = "km"
    admin_user.save(update_fields=["locale"])

    html = admin_client.get(reverse("dashboard:callout_new")).content.decode()

    assert 'value="CallFlowLogic::EWSLaosRegistration"' in html
    assert "ការចុះឈ្មោះប្រព័ន្ធព្រមានជាមុននៅប្រទេសឡាវ" in html
    assert 'value="CallFlowLogic::MamaInfoRegistration"' in html
    assert "ការចុះឈ្មោះ Mama Info" in html
    assert 'value="CallFlowLogic::EWSRegistration"' in html


def test_create_callout_with_settings_and_nested_metadata(admin_client, admin_user, account):
    response = admin_client.post(
        reverse("dashboard:callout_new"), form_data(audio_url="https://example.com/a.mp3")
    )

    callout = Callout.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(callout)
    assert callout.account == account
    assert callout.created_by == admin_user
    assert callout.call_flow_logic == "CallFlowLogic::PlayMessage"
    assert callout.audio_url == "https://example.com/a.mp3"
    assert callout.settings == {"max_phone_calls_for_callout_participation": "2"}
    assert callout.metadata == {"campaign": "flood", "location": {"country": "KH"}}
    assert "Callout was successfully created." in admin_client.get(response["Location"]).content.decode()


def test_create_with_errors_shows_them(admin_client):
    response = admin_client.post(
        reverse("dashboard:callout_new"),
        form_data(call_flow_logic="CallFlowLogic::Nope", **{"metadata-key": ["a", "a:b"]}),
    )

    assert response.status_code == 422
    assert Callout.objects.count() == 0
    html = response.content.decode()
    assert "form-errors" in html
    assert "clashes with another key" in html


def test_create_with_service_error_shows_it(admin_client):
    response = admin_client.post(
        reverse("dashboard:callout_new"), form_data(call_flow_logic="CallFlowLogic::Nope")
    )

    assert response.status_code == 422
    assert "is not included in the list" in response.content.decode()
    assert Callout.objects.count() == 0


def test_audio_upload_is_stored_and_played_from_its_absolute_url(admin_client, media_root):
    response = admin_client.post(reverse("dashboard:callout_new"), {**form_data(), "audio_file": audio()})

    assert response.status_code == 302
    callout = Callout.objects.get()
    name = callout.audio_file.name
    assert name.startswith("callouts/audio/") and name.endswith("-hello.mp3")
    assert default_storage.exists(name)
    assert (media_root / name).read_bytes() == mp3_bytes()
    # The upload fills `audio_url`, as the reference's processor did.
    assert callout.audio_url == f"https://scfm.example.org/media/{name}"

    participation = participant(callout, statuses=["created"])
    phone_call = participation.phone_calls.get()
    phone_call.call_flow_logic = "CallFlowLogic::PlayMessage"
    twiml = render_twiml(phone_call, current_url=WEBHOOK_URL)
    assert f"<Play>https://scfm.example.org/media/{name}</Play>" in twiml

    html = admin_client.get(detail_url(callout)).content.decode()
    assert f"/media/{name}" in html


@pytest.mark.parametrize(
    "upload",
    [
        audio("page.html", b"<script>alert(1)</script>", "text/html"),
        audio("message.mp3", b"<script>", "text/html"),
        audio("message.exe", b"MZ", "audio/mpeg"),
        audio("message.mp3", b"<!DOCTYPE html><html><body>not audio</body></html>", "audio/mpeg"),
        audio("message.ogg", b"OggS\x00\x02" + b"\x00" * 40, "audio/ogg"),
    ],
    ids=["html", "html-content-type", "exe", "html-named-mp3", "ogg"],
)
def test_non_audio_upload_is_refused(admin_client, media_root, upload):
    response = admin_client.post(reverse("dashboard:callout_new"), {**form_data(), "audio_file": upload})

    assert response.status_code == 422
    assert "The audio file must be one the phone providers play: MP3, WAV, AIFF" in response.content.decode()
    assert Callout.objects.count() == 0
    assert not (media_root / "callouts").exists()


def test_too_large_audio_is_refused(admin_client, settings, media_root):
    settings.SCFM_MAX_AUDIO_UPLOAD_BYTES = 10

    response = admin_client.post(
        reverse("dashboard:callout_new"), {**form_data(), "audio_file": audio(content=b"x" * 11)}
    )

    assert response.status_code == 422
    assert "The audio file is too large" in response.content.decode()
    assert Callout.objects.count() == 0


def test_audio_file_and_url_together_are_refused(admin_client):
    response = admin_client.post(
        reverse("dashboard:callout_new"),
        {**form_data(audio_url="https://example.com/a.mp3"), "audio_file": audio()},
    )

    assert response.status_code == 422
    assert "not both" in response.content.decode()


def test_audio_url_must_be_http(admin_client):
    response = admin_client.post(reverse("dashboard:callout_new"), form_data(audio_url="javascript:alert(1)"))

    assert response.status_code == 422
    assert Callout.objects.count() == 0


def test_edit_replaces_settings_and_metadata(admin_client, account):
    callout = factories.CalloutFactory(
        account=account, settings={"old": "1"}, metadata={"keep": "no", "location": {"city": "PP"}}
    )

    form = admin_client.get(reverse("dashboard:callout_edit", args=[callout.pk]))
    assert form.status_code == 200
    assert 'value="location:city"' in form.content.decode()

    response = admin_client.post(reverse("dashboard:callout_edit", args=[callout.pk]), form_data())

    assert response.status_code == 302
    callout.refresh_from_db()
    assert callout.settings == {"max_phone_calls_for_callout_participation": "2"}
    assert callout.metadata == {"campaign": "flood", "location": {"country": "KH"}}
    assert callout.created_by is None  # editing does not claim it


def test_edit_replaces_and_removes_the_audio_file(
    admin_client, callout, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("dashboard:callout_edit", args=[callout.pk]), {**form_data(), "audio_file": audio()}
        )
    callout.refresh_from_db()
    first = callout.audio_file.name

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("dashboard:callout_edit", args=[callout.pk]),
            {**form_data(), "audio_file": audio("two.wav", wav_bytes(), "audio/wav")},
        )
    callout.refresh_from_db()
    assert callout.audio_file.name.endswith("-two.wav")
    assert not default_storage.exists(first)
    second = callout.audio_file.name

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("dashboard:callout_edit", args=[callout.pk]), {**form_data(), "remove_audio_file": "1"}
        )
    callout.refresh_from_db()
    assert not callout.audio_file
    assert not default_storage.exists(second)


# --- detail, summary and events ------------------------------------------------------------------


def test_detail_shows_attributes_links_and_allowed_events(admin_client, admin_user, account):
    callout = factories.CalloutFactory(
        account=account,
        created_by=admin_user,
        audio_url="https://example.com/a.mp3",
        metadata={"campaign": "flood"},
    )

    response = admin_client.get(detail_url(callout))

    html = response.content.decode()
    assert response.status_code == 200
    assert [event for event, _label in response.context["events"]] == ["start"]
    assert 'data-event="start"' in html
    for event in ("pause", "resume", "stop"):
        assert f'data-event="{event}"' not in html
    assert "admin@example.com" in html
    assert "https://example.com/a.mp3" in html
    assert "flood" in html
    assert f"?q[callout_id]={callout.pk}" in html
    assert reverse("dashboard:participations") in html
    assert reverse("dashboard:phone_calls") in html
    assert reverse("dashboard:populations") in html
    assert reverse("dashboard:callout_results", args=[callout.pk]) in html
    assert reverse("dashboard:population_new", args=[callout.pk]) in html
    assert 'hx-trigger="every 2s"' not in html  # not running: no polling


@pytest.mark.parametrize(
    "status,events",
    [
        ("initialized", ["start"]),
        ("running", ["pause", "stop"]),
        ("paused", ["resume", "stop"]),
        ("stopped", ["resume"]),
    ],
)
def test_only_allowed_event_buttons_are_shown(admin_client, account, status, events):
    callout = factories.CalloutFactory(account=account, status=status)

    html = admin_client.get(detail_url(callout)).content.decode()

    for event in ("start", "pause", "resume", "stop"):
        assert (f'data-event="{event}"' in html) == (event in events)


def test_events_move_the_callout(admin_client, callout):
    url = reverse("dashboard:callout_event", args=[callout.pk])
    for event, status in (
        ("start", "running"),
        ("pause", "paused"),
        ("resume", "running"),
        ("stop", "stopped"),
    ):
        response = admin_client.post(url, {"event": event})
        assert response.status_code == 302
        assert response["Location"] == detail_url(callout)
        callout.refresh_from_db()
        assert callout.status == status
    assert "Event was successfully created." in admin_client.get(detail_url(callout)).content.decode()


def test_event_in_the_query_string_as_the_reference_sends_it(admin_client, callout):
    admin_client.post(reverse("dashboard:callout_event", args=[callout.pk]) + "?event=start")

    callout.refresh_from_db()
    assert callout.status == "running"


@pytest.mark.parametrize("event", ["resume", "stop", "pause", "bogus", ""])
def test_event_not_allowed_is_refused_without_change(admin_client, callout, event):
    response = admin_client.post(
        reverse("dashboard:callout_event", args=[callout.pk]), {"event": event}, follow=True
    )

    callout.refresh_from_db()
    assert callout.status == "initialized"
    assert "Event could not be created" in response.content.decode()


def test_summary_counts(account):
    callout = factories.CalloutFactory(
        account=account, settings={"max_phone_calls_for_callout_participation": "2"}
    )
    participant(callout, answered=True, attempts=1, statuses=["completed"])
    participant(callout, answered=True, attempts=2, statuses=["busy", "completed"])
    participant(callout, attempts=2, statuses=["not_answered", "failed"])  # out of attempts
    retrying = participant(callout, attempts=1, statuses=["errored"])  # a retry is pending
    retrying.phone_calls.update(retry_at=timezone.now())
    participant(callout, attempts=1, statuses=["errored"])  # never retried (terminal, or a ladder's end)
    participant(callout, attempts=1, statuses=["created"])  # still to be called
    participant(callout, attempts=2, statuses=["busy", "in_progress"])  # on its last attempt
    participant(factories.CalloutFactory(account=account), statuses=["completed"])  # another callout

    with CaptureQueriesContext(connection) as captured:
        summary = callout_summary(callout)

    assert len(captured) == 3
    assert summary.participants == 7
    assert summary.participants_still_to_be_called == 2
    assert summary.answered_participants == 2
    assert summary.participants_on_last_call == 1
    assert summary.participants_done == 4  # answered, or nothing left to try with the last one over
    assert summary.percent_done == 57
    assert summary.max_phone_calls == 2
    assert (
        summary.completed_calls,
        summary.not_answered_calls,
        summary.busy_calls,
        summary.failed_calls,
        summary.errored_calls,
        summary.other_calls,
        summary.phone_calls,
    ) == (2, 1, 2, 1, 2, 2, 10)
    assert summary.call_segments()[0] == ("completed", 2, round(200 / 10, 2))


def test_summary_of_an_empty_callout(callout):
    summary = callout_summary(callout)

    assert (summary.participants, summary.percent_done, summary.phone_calls) == (0, 0, 0)
    assert all(percent == 0 for _status, _count, percent in summary.call_segments())


def test_summary_on_the_page_and_polled_while_running(admin_client, account):
    callout = factories.CalloutFactory(account=account, status="running")
    participant(callout, answered=True, statuses=["completed"])
    retried = participant(callout, statuses=["busy"])
    retried.phone_calls.update(retry_at=timezone.now())  # a retry is pending: still to be called
    summary_url = reverse("dashboard:callout_summary", args=[callout.pk])

    page = admin_client.get(detail_url(callout)).content.decode()
    assert f'hx-get="{summary_url}" hx-trigger="every 2s"' in page
    assert '<strong data-summary="participants">2</strong>' in page
    assert '<strong data-summary="participants_still_to_be_called">1</strong>' in page
    assert '<strong data-summary="completed">1</strong>' in page
    assert '<strong data-summary="busy">1</strong>' in page
    assert "50% of participants done" in page
    assert 'class="segment-completed" data-percent="50.00"' in page

    partial = admin_client.get(summary_url, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    html = partial.content.decode()
    assert "<html" not in html
    assert 'hx-trigger="every 2s"' in html

    callout.status = "paused"
    callout.save()
    html = admin_client.get(summary_url).content.decode()
    assert "hx-trigger" not in html  # stops polling
    assert '<strong data-summary="participants">2</strong>' in html


def test_summary_partial_query_budget(admin_client, account, django_assert_max_num_queries):
    callout = factories.CalloutFactory(account=account, status="running")
    for _ in range(30):
        participant(callout, statuses=["busy"])

    # session, user, callout (+account), the summary's three aggregates, and at most eight for the
    # statistics and the ETA (scfm.calls.callout_statistics): a fixed number whatever the size
    with django_assert_max_num_queries(14):
        admin_client.get(reverse("dashboard:callout_summary", args=[callout.pk]))
    for _ in range(30):
        participant(callout, statuses=["created"])
    with django_assert_max_num_queries(14):
        admin_client.get(reverse("dashboard:callout_summary", args=[callout.pk]))


# --- delete ----------------------------------------------------------------------------------------


def test_delete_a_callout_without_dependents(admin_client, callout):
    response = admin_client.post(reverse("dashboard:callout_delete", args=[callout.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:callouts")
    assert not Callout.objects.filter(pk=callout.pk).exists()


def test_delete_a_callout_with_participations_is_refused(admin_client, callout):
    participant(callout, statuses=["completed"])

    response = admin_client.post(reverse("dashboard:callout_delete", args=[callout.pk]), follow=True)

    assert Callout.objects.filter(pk=callout.pk).exists()
    assert "Callout could not be deleted" in response.content.decode()


# --- results CSV ----------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_results_csv_one_row_per_participant(admin_client, callout):
    first = participant(
        callout,
        answered=True,
        attempts=2,
        statuses=["busy", "completed"],
        durations=[0, 42],
        metadata={"name": "Dara", "location": {"country": "KH"}},
    )
    second = participant(
        callout,
        attempts=3,
        statuses=["not_answered", "failed", "not_answered"],
        durations=[0, 0, 3],
        metadata={"name": "Sok", "age": 30},
    )
    third = participant(callout, attempts=0)  # no call yet
    participant(factories.CalloutFactory(account=callout.account), statuses=["completed"])  # another callout

    response = admin_client.get(reverse("dashboard:callout_results", args=[callout.pk]))

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="callout-{callout.pk}-results.csv"' in response["Content-Disposition"]
    assert read_csv(response) == [
        [
            "phone_number",
            "age",
            "location:country",
            "name",
            "attempts",
            "final_status",
            "answered",
            "duration",
            "participation_id",
        ],
        [first.msisdn, "", "KH", "Dara", "2", "completed", "true", "42", str(first.pk)],
        [second.msisdn, "30", "", "Sok", "3", "not_answered", "false", "3", str(second.pk)],
        [third.msisdn, "", "", "", "0", "", "false", "", str(third.pk)],
    ]


def test_results_duration_of_the_answered_call_even_if_not_the_latest(admin_client, callout):
    participation = participant(
        callout, answered=True, attempts=2, statuses=["completed", "canceled"], durations=[17, 0]
    )

    rows = read_csv(admin_client.get(reverse("dashboard:callout_results", args=[callout.pk])))

    assert rows[1] == [participation.msisdn, "2", "canceled", "true", "17", str(participation.pk)]


def test_results_queries_do_not_grow_with_participants(admin_client, callout):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = admin_client.get(reverse("dashboard:callout_results", args=[callout.pk]))
            rows = read_csv(response)
        return len(captured), len(rows)

    participant(callout, statuses=["completed"], metadata={"a": "1"})
    few, _rows = queries()
    for index in range(40):
        participant(callout, statuses=["busy", "completed"], metadata={"a": str(index), "b": {"c": "d"}})

    many, rows = queries()
    assert rows == 42
    assert many == few
    assert many <= 6  # session, user, callout, metadata columns, participations, phone calls


def test_results_of_an_empty_callout(admin_client, callout):
    rows = read_csv(admin_client.get(reverse("dashboard:callout_results", args=[callout.pk])))

    assert rows == [["phone_number", "attempts", "final_status", "answered", "duration", "participation_id"]]


def test_phone_calls_are_not_written_by_pages(admin_client, callout):
    participant(callout, statuses=["created"])
    before = (PhoneCall.objects.count(), CalloutParticipation.objects.count())

    for url in (detail_url(callout), reverse("dashboard:callout_summary", args=[callout.pk])):
        admin_client.get(url)

    assert (PhoneCall.objects.count(), CalloutParticipation.objects.count()) == before


def test_results_merge_participants_with_and_without_calls(admin_client, callout):
    first = participant(callout, attempts=0)
    second = participant(callout, attempts=1, statuses=["busy"], durations=[0])
    third = participant(callout, attempts=0)
    fourth = participant(callout, answered=True, attempts=1, statuses=["completed"], durations=[9])

    rows = read_csv(admin_client.get(reverse("dashboard:callout_results", args=[callout.pk])))

    assert [row[1:4] + row[4:] for row in rows[1:]] == [
        ["0", "", "false", "", str(first.pk)],
        ["1", "busy", "false", "0", str(second.pk)],
        ["0", "", "false", "", str(third.pk)],
        ["1", "completed", "true", "9", str(fourth.pk)],
    ]
