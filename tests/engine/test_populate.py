import datetime
import threading

import pytest
from django.db import close_old_connections
from django.utils import timezone

from scfm.callouts.models import BatchOperation, CalloutParticipation
from scfm.engine import dial, populate
from tests import factories
from tests.engine.conftest import add_participants

pytestmark = pytest.mark.django_db


def test_runs_a_queued_population_to_the_end(account):
    population = factories.BatchOperationFactory(
        callout__account=account,
        status="queued",
        parameters={"contact_filter_params": {"metadata": {"g": "f"}}},
    )
    factories.ContactFactory.create_batch(3, account=account, metadata={"g": "f"})
    assert populate.tick(worker="w")
    population.refresh_from_db()
    assert population.status == "finished"
    assert CalloutParticipation.objects.filter(callout_population=population).count() == 3
    assert not populate.tick(worker="w")


def test_preview_populations_are_left_alone(account):
    factories.BatchOperationFactory(callout__account=account)
    assert not populate.tick(worker="w")


def test_a_dead_engine_population_is_taken_over_after_its_lease(account):
    population = factories.BatchOperationFactory(
        callout__account=account,
        status="running",
        claimed_by="dead",
        claim_expires_at=timezone.now() + datetime.timedelta(minutes=5),
    )
    assert not populate.tick(worker="w")
    BatchOperation.objects.filter(pk=population.pk).update(
        claim_expires_at=timezone.now() - datetime.timedelta(1)
    )
    assert populate.tick(worker="w")
    population.refresh_from_db()
    assert population.status == "finished"


def race(target, count=2):
    results, errors = [], []

    def run():
        try:
            results.append(target())
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_two_engines_racing_run_a_population_once(account):
    population = factories.BatchOperationFactory(callout__account=account, status="queued")
    factories.ContactFactory.create_batch(5, account=account)
    results = race(lambda: populate.tick(worker=threading.current_thread().name))
    assert sorted(results) == [False, True]
    population.refresh_from_db()
    assert population.status == "finished"
    assert CalloutParticipation.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_two_engines_racing_never_claim_the_same_call(running_callout, somleng_account):
    somleng_account.settings["phone_call_queue_limit"] = 60000
    somleng_account.save()
    add_participants(running_callout, 30)
    later = timezone.now() + datetime.timedelta(seconds=10)
    results = race(
        lambda: [
            call_id
            for _ in range(20)
            for call_id in dial.claim_calls(
                account_id=somleng_account.pk,
                callout_ids=[running_callout.pk],
                worker=threading.current_thread().name,
                now=later,
                limit=5,
            )
        ]
    )
    claimed = [call_id for result in results for call_id in result]
    assert len(claimed) == len(set(claimed)) == 30
