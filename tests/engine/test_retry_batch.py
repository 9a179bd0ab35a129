"""The retry loop handles a batch of due calls in one transaction, with the one-call rule's outcome."""

import datetime

import pytest
from django.utils import timezone

from scfm.calls.models import PhoneCall
from scfm.calls.retries import create_next_attempts
from scfm.engine import retry
from tests import factories
from tests.engine.conftest import add_participants

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)


def due(*calls, status="busy"):
    PhoneCall.objects.filter(pk__in=[call.pk for call in calls]).update(
        status=status, retry_at=timezone.now() - MINUTE
    )


def attempts(call):
    return list(
        PhoneCall.objects.filter(callout_participation_id=call.callout_participation_id)
        .order_by("id")
        .values_list("status", flat=True)
    )


def test_each_due_participation_gets_its_next_attempt(running_callout):
    calls = add_participants(running_callout, 5)
    due(*calls)
    assert retry.tick()
    for call in calls:
        assert attempts(call) == ["busy", "created"]
        call.callout_participation.refresh_from_db()
        assert call.callout_participation.phone_calls_count == 2
    new = PhoneCall.objects.filter(status="created").select_related("callout_participation")
    assert {(c.account_id, c.callout_id, c.contact_id, c.msisdn) for c in new} == {
        (running_callout.account_id, running_callout.pk, c.contact_id, c.msisdn) for c in calls
    }
    assert PhoneCall.objects.filter(retry_at__isnull=False).count() == 0
    assert not retry.tick()


def test_the_rule_is_applied_per_participation_within_one_batch(running_callout):
    ok, answered, used_up, active = add_participants(running_callout, 4)
    answered.callout_participation.answered = True
    answered.callout_participation.save()
    used_up.callout_participation.phone_calls_count = 3  # the account allows 3
    used_up.callout_participation.save()
    factories.PhoneCallFactory(callout_participation=active.callout_participation, status="queued")
    due(ok, answered, used_up, active)
    retry.tick()
    assert attempts(ok) == ["busy", "created"]
    assert attempts(answered) == ["busy"]
    assert attempts(used_up) == ["busy"]
    assert attempts(active) == ["busy", "queued"]
    assert PhoneCall.objects.filter(retry_at__isnull=False).count() == 0  # every due marker consumed


def test_two_due_calls_of_one_participation_give_one_attempt(running_callout):
    (first,) = add_participants(running_callout, 1)
    second = factories.PhoneCallFactory(callout_participation=first.callout_participation)
    due(first, second)
    retry.tick()
    assert attempts(first) == ["busy", "busy", "created"]
    first.callout_participation.refresh_from_db()
    assert first.callout_participation.phone_calls_count == 2


def test_calls_no_longer_due_are_left_alone(running_callout):
    taken, still_due = add_participants(running_callout, 2)
    due(taken, still_due)
    ids = [taken.pk, still_due.pk]
    PhoneCall.objects.filter(pk=taken.pk).update(retry_at=None)  # another engine handled it
    created = create_next_attempts(phone_call_ids=ids)
    assert [call.callout_participation_id for call in created] == [still_due.callout_participation_id]
    assert attempts(taken) == ["busy"]


def test_a_batch_takes_a_fixed_number_of_queries(running_callout, django_assert_max_num_queries):
    calls = add_participants(running_callout, 30)
    due(*calls)
    with django_assert_max_num_queries(10):
        retry.tick()
    assert PhoneCall.objects.filter(status="created").count() == 30
