"""The callout and batch-operation machines: one table answers Python and SQL alike."""

import datetime

import pytest
from django.utils import timezone

from scfm.callouts.models import BatchOperation, Callout
from scfm.callouts.populations import finish_population, fire_population_event
from scfm.callouts.states import (
    BATCH_OPERATION_MACHINE,
    CALLOUT_MACHINE,
    BatchOperationStatus,
    CalloutStatus,
)
from scfm.core.errors import ValidationFailed
from scfm.engine import populate
from tests import factories

pytestmark = pytest.mark.django_db


def test_every_status_is_reached_and_left_by_the_tables():
    for machine, statuses, initial in (
        (CALLOUT_MACHINE, CalloutStatus, CalloutStatus.INITIALIZED),
        (BATCH_OPERATION_MACHINE, BatchOperationStatus, BatchOperationStatus.PREVIEW),
    ):
        targets = {machine.target(event) for event in machine.transitions}
        sources = set().union(*(machine.sources(event) for event in machine.transitions))
        assert targets | {initial} == set(statuses.values)
        assert sources <= set(statuses.values)


def test_fire_moves_only_rows_in_a_source_status(account):
    initialized = factories.CalloutFactory(account=account)
    paused = factories.CalloutFactory(account=account, status="paused")
    moved = CALLOUT_MACHINE.fire(Callout.objects.filter(pk__in=[initialized.pk, paused.pk]), "start")
    assert moved == 1
    assert dict(Callout.objects.values_list("pk", "status")) == {
        initialized.pk: "running",
        paused.pk: "paused",
    }


def test_clients_may_only_queue_a_population(account):
    population = factories.BatchOperationFactory(callout__account=account, status="queued")
    assert BATCH_OPERATION_MACHINE.events_from("queued") == ["start"]
    assert BATCH_OPERATION_MACHINE.events_from("queued", public_only=True) == []
    with pytest.raises(ValidationFailed):
        fire_population_event(population=population, event="start")
    assert BatchOperation.objects.get(pk=population.pk).status == "queued"


def test_queueing_a_population_queued_meanwhile_is_stale(account):
    population = factories.BatchOperationFactory(callout__account=account)
    stale = BatchOperation.objects.get(pk=population.pk)
    fire_population_event(population=population, event="queue")
    with pytest.raises(ValidationFailed) as refused:
        fire_population_event(population=stale, event="queue")
    assert refused.value.errors == {"event": ["is not included in the list"]}


def test_the_engine_takes_over_a_population_only_once_its_lease_ran_out(account):
    now = timezone.now()
    population = factories.BatchOperationFactory(
        callout__account=account,
        status="running",
        claimed_by="engine-1",
        claim_expires_at=now + datetime.timedelta(minutes=1),
    )
    assert populate.claim_population(worker="engine-2", now=now) is None
    assert not finish_population(population_id=population.pk, worker="engine-2", now=now)
    later = now + datetime.timedelta(minutes=2)
    assert populate.claim_population(worker="engine-2", now=later).claimed_by == "engine-2"
    assert not finish_population(population_id=population.pk, worker="engine-1", now=later)
