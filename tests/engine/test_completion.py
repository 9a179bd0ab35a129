"""The completion loop: stop_at cancels what was never sent, completed_at is set when everything is
final and cleared when work comes back (scfm.engine.complete, scfm.calls.callout_completion)."""

import datetime
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from scfm.callouts.models import Callout
from scfm.calls import callout_completion, lifecycle
from scfm.calls.models import PhoneCall
from scfm.calls.retries import schedule_retry
from scfm.engine import complete, retry
from tests import factories
from tests.engine.conftest import add_participants

pytestmark = pytest.mark.django_db

SECOND = datetime.timedelta(seconds=1)


def completed_at(callout):
    return Callout.objects.get(pk=callout.pk).completed_at


def finish(*calls, status="completed"):
    PhoneCall.objects.filter(pk__in=[call.pk for call in calls]).update(status=status)


def test_a_callout_whose_calls_are_all_final_is_completed_once(running_callout):
    answered, busy = add_participants(running_callout, 2)
    finish(answered)
    finish(busy, status="busy")
    now = timezone.now()
    assert complete.tick(now)
    assert completed_at(running_callout) == now
    assert not complete.tick(now + 5 * SECOND)  # found complete again: the first time stays
    assert completed_at(running_callout) == now


@pytest.mark.parametrize("status", ["created", "queued", "remotely_queued", "in_progress"])
def test_a_call_in_an_active_status_keeps_it_open(running_callout, status):
    done, active = add_participants(running_callout, 2)
    finish(done)
    finish(active, status=status)
    assert not complete.tick()
    assert completed_at(running_callout) is None


def test_a_pending_retry_keeps_it_open_until_the_retry_loop_decides(running_callout):
    (call,) = add_participants(running_callout, 1)
    finish(call, status="busy")
    schedule_retry(phone_call_id=call.pk, status="busy", now=timezone.now() - 3600 * SECOND)
    assert not complete.tick()
    assert completed_at(running_callout) is None
    retry.tick()  # the next attempt: a created call
    assert not complete.tick()
    next_attempt = PhoneCall.objects.get(callout=running_callout, status="created")
    finish(next_attempt, status="not_answered")  # the account allows 3 attempts: retried again
    schedule_retry(phone_call_id=next_attempt.pk, status="not_answered", now=timezone.now())
    assert not complete.tick()
    PhoneCall.objects.filter(pk=next_attempt.pk).update(status="completed", retry_at=None)
    assert complete.tick()


@pytest.mark.parametrize(
    ("population", "keeps_open"),
    [("preview", False), ("queued", True), ("running", True), ("finished", False)],
)
def test_a_population_that_may_still_add_participations_keeps_it_open(
    running_callout, population, keeps_open
):
    finish(*add_participants(running_callout, 1))
    factories.BatchOperationFactory(callout=running_callout, status=population)
    complete.tick()
    assert (completed_at(running_callout) is None) == keeps_open


@pytest.mark.parametrize("status", ["initialized", "paused", "stopped"])
def test_only_running_callouts_are_completed(somleng_account, status):
    callout = factories.CalloutFactory(account=somleng_account, status=status)
    finish(*add_participants(callout, 1))
    complete.tick()
    assert completed_at(callout) is None


def test_completion_is_cleared_when_a_participation_is_added(running_callout):
    finish(*add_participants(running_callout, 2))
    complete.tick()
    assert completed_at(running_callout) is not None
    add_participants(running_callout, 1)
    assert complete.tick()
    assert completed_at(running_callout) is None


def test_completion_is_cleared_when_a_population_is_queued(running_callout):
    finish(*add_participants(running_callout, 1))
    complete.tick()
    factories.BatchOperationFactory(callout=running_callout, status="queued")
    complete.tick()
    assert completed_at(running_callout) is None


def test_other_callouts_are_judged_on_their_own_calls(running_callout, somleng_account):
    other = factories.CalloutFactory(account=somleng_account, status="running")
    finish(*add_participants(running_callout, 2))
    add_participants(other, 1)
    complete.tick()
    assert completed_at(running_callout) is not None
    assert completed_at(other) is None


def set_stop_at(callout, moment):
    callout.settings = {**callout.settings, "stop_at": moment.isoformat()}
    callout.save()


def test_at_stop_at_unsent_calls_are_canceled_and_retries_dropped(running_callout):
    unsent, waiting, ringing, retrying = add_participants(running_callout, 4)
    now = timezone.now()
    PhoneCall.objects.filter(pk=waiting.pk).update(window_opens_at=now + 3600 * SECOND)
    finish(ringing, status="in_progress")
    finish(retrying, status="busy")
    PhoneCall.objects.filter(pk=retrying.pk).update(retry_at=now + 60 * SECOND)
    set_stop_at(running_callout, now - SECOND)

    complete.tick(now)

    calls = {call.pk: call for call in PhoneCall.objects.filter(callout=running_callout)}
    assert [calls[c.pk].status for c in (unsent, waiting, ringing, retrying)] == [
        "canceled",
        "canceled",
        "in_progress",  # under way: it finishes
        "busy",
    ]
    assert calls[unsent.pk].remote_error_message == "the callout's stop_at passed"
    assert not any(call.retry_at for call in calls.values())
    assert completed_at(running_callout) is None  # the ringing call is not final yet

    # It ends busy: no retry past stop_at, and the callout is complete.
    finish(ringing, status="busy")
    schedule_retry(phone_call_id=ringing.pk, status="busy", now=timezone.now())
    assert PhoneCall.objects.get(pk=ringing.pk).retry_at is None
    later = timezone.now()
    complete.tick(later)
    assert completed_at(running_callout) == later


def test_unsent_calls_are_canceled_in_batches(running_callout, somleng_account):
    calls = add_participants(running_callout, 7)
    other = factories.CalloutFactory(account=somleng_account, status="running")
    (elsewhere,) = add_participants(other, 1)

    assert (
        lifecycle.cancel_unsent(callout_id=running_callout.pk, reason="stop", now=timezone.now(), batch=3)
        == 7
    )

    assert set(PhoneCall.objects.filter(pk__in=[c.pk for c in calls]).values_list("status", flat=True)) == {
        "canceled"
    }
    assert PhoneCall.objects.get(pk=elsewhere.pk).status == "created"


def test_before_stop_at_nothing_is_canceled(running_callout):
    (call,) = add_participants(running_callout, 1)
    set_stop_at(running_callout, timezone.now() + 60 * SECOND)
    complete.tick()
    assert PhoneCall.objects.get(pk=call.pk).status == "created"


def test_stop_at_is_read_on_the_calendar_clock(running_callout, settings):
    (call,) = add_participants(running_callout, 1)
    set_stop_at(running_callout, timezone.now() + 3600 * SECOND)
    settings.SCFM_CLOCK_OFFSET_SECONDS = 3601
    complete.tick()
    assert PhoneCall.objects.get(pk=call.pk).status == "canceled"


def test_start_at_does_not_matter_to_completion(running_callout):
    running_callout.settings = {"start_at": (timezone.now() + 86400 * SECOND).isoformat()}
    running_callout.save()
    (call,) = add_participants(running_callout, 1)
    assert not complete.tick()  # its call waits for start_at: not complete
    finish(call)
    assert complete.tick()


def test_a_tick_takes_a_fixed_number_of_queries(somleng_account, django_assert_max_num_queries):
    for _ in range(10):
        callout = factories.CalloutFactory(account=somleng_account, status="running")
        finish(*add_participants(callout, 2))
    with django_assert_max_num_queries(3):
        complete.tick()
    assert Callout.objects.filter(completed_at__isnull=False).count() == 10


@pytest.mark.django_db(transaction=True)
def test_engines_completing_side_by_side_record_one_time(somleng_account):
    callout = factories.CalloutFactory(account=somleng_account, status="running")
    finish(*add_participants(callout, 1))
    start = threading.Barrier(4)
    counts = []
    moments = [timezone.now() + n * SECOND for n in range(4)]

    def engine(moment):
        try:
            start.wait()
            counts.append(callout_completion.record_completions(now=moment))
        finally:
            connection.close()

    threads = [threading.Thread(target=engine, args=(moment,)) for moment in moments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts) == [0, 0, 0, 1]
    assert completed_at(callout) in moments


@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans are PostgreSQL's")
def test_completion_statements_use_indexes(running_callout):
    finish(*add_participants(running_callout, 2))
    set_stop_at(running_callout, timezone.now() - SECOND)
    with CaptureQueriesContext(connection) as captured:
        complete.tick()
        complete.tick()  # the second sees it complete: the clearing statement's probes
    statements = [query["sql"] for query in captured.captured_queries if "phone_calls" in query["sql"]]
    assert len(statements) >= 4
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # prove an index is usable, whatever the costs
        for sql in statements:
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Seq Scan on phone_calls" not in plan, f"{sql}\n{plan}"
