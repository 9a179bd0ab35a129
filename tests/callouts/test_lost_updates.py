"""An edit made from a stale read writes only what it changes: the status, lease and counters
that the engine (or another request) moved meanwhile survive it. Each test reads a row, lets the
other writer move it as it really does, then runs the stale edit through the service."""

import pytest
from django.db.models import F
from django.utils import timezone

from scfm.callouts.models import BatchOperation, Callout, CalloutParticipation
from scfm.callouts.populations import update_population
from scfm.callouts.services import fire_callout_event, update_callout, update_participation
from scfm.core.errors import ValidationFailed
from scfm.engine import populate, retry
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_stale_callout_edit_keeps_the_status_another_request_set(account):
    stale = factories.CalloutFactory(account=account)
    fire_callout_event(callout=Callout.objects.get(pk=stale.pk), event="start")
    update_callout(callout=stale, data={"metadata": {"name": "flood alert"}})
    stored = Callout.objects.get(pk=stale.pk)
    assert stored.status == "running"
    assert stored.metadata == {"name": "flood alert"}


def test_a_stale_participation_edit_keeps_the_engines_attempt_count(account):
    callout = factories.CalloutFactory(account=account, status="running")
    participation = factories.CalloutParticipationFactory(callout=callout, phone_calls_count=1)
    factories.PhoneCallFactory(callout_participation=participation, status="failed", retry_at=timezone.now())
    stale = CalloutParticipation.objects.get(pk=participation.pk)
    assert retry.tick()  # the retry loop adds the next attempt and counts it
    update_participation(participation=stale, data={"metadata": {"seen": True}})
    stored = CalloutParticipation.objects.get(pk=participation.pk)
    assert stored.phone_calls_count == 2
    assert stored.metadata == {"seen": True}


def test_a_stale_participation_edit_keeps_answered(account):
    participation = factories.CalloutParticipationFactory(callout__account=account)
    stale = CalloutParticipation.objects.get(pk=participation.pk)
    # What a `completed` status callback runs on the participation.
    CalloutParticipation.objects.filter(pk=participation.pk, answered=False).update(
        answered=True, phone_calls_count=F("phone_calls_count") + 1
    )
    update_participation(participation=stale, data={"call_flow_logic": "CallFlowLogic::PlayMessage"})
    stored = CalloutParticipation.objects.get(pk=participation.pk)
    assert stored.answered is True and stored.phone_calls_count == 1
    assert stored.call_flow_logic == "CallFlowLogic::PlayMessage"


def test_a_stale_population_edit_keeps_the_engines_claim(account):
    population = factories.BatchOperationFactory(callout__account=account, status="queued")
    stale = BatchOperation.objects.get(pk=population.pk)
    claimed = populate.claim_population(worker="engine-1", now=timezone.now())
    assert claimed is not None and claimed.pk == population.pk
    update_population(population=stale, data={"metadata": {"note": "weekly"}})
    stored = BatchOperation.objects.get(pk=population.pk)
    assert (stored.status, stored.claimed_by, stored.metadata) == ("running", "engine-1", {"note": "weekly"})
    assert stored.claim_expires_at is not None


def test_a_stale_population_edit_does_not_unfinish_it(account):
    population = factories.BatchOperationFactory(callout__account=account, status="queued")
    stale = BatchOperation.objects.get(pk=population.pk)
    assert populate.tick(worker="engine-1")
    update_population(population=stale, data={"metadata": {"note": "weekly"}})
    assert BatchOperation.objects.get(pk=population.pk).status == "finished"
    assert not populate.tick(worker="engine-2")  # it is not run a second time


def test_parameters_read_as_a_preview_do_not_change_once_queued_meanwhile(account):
    queued_with = {"contact_filter_params": {"metadata": {"province": "1"}}}
    population = factories.BatchOperationFactory(callout__account=account, parameters=queued_with)
    stale = BatchOperation.objects.get(pk=population.pk)
    BatchOperation.objects.filter(pk=population.pk).update(status="queued")  # another request queued it
    with pytest.raises(ValidationFailed) as refused:
        update_population(
            population=stale, data={"parameters": {"contact_filter_params": {"metadata": {"province": "2"}}}}
        )
    assert refused.value.errors == {"parameters": ["cannot be changed once the population is queued"]}
    stored = BatchOperation.objects.get(pk=population.pk)
    assert (stored.status, stored.parameters) == ("queued", queued_with)
