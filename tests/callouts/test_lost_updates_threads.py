"""The lost-update races of test_lost_updates.py with both writers really at once (PostgreSQL):
an edit is paused inside its service, after it read the row and before it writes, while the
engine (or another request) commits its move from another connection."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from scfm.callouts import populations, services
from scfm.callouts.models import BatchOperation, Callout, CalloutParticipation
from scfm.engine import populate, retry
from tests import factories
from tests.callouts.test_account_reference_lock import Step

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite never runs two writers at once"),
]


def paused_edit(monkeypatch, module, edit) -> tuple[Step, threading.Event]:
    """Start `edit` in its own connection and return once it is paused in `module.merge_metadata`
    (it has read the row and not yet written); setting the returned event lets it go on."""
    inside, release = threading.Event(), threading.Event()
    merge = module.merge_metadata

    def merge_then_wait(*args, **kwargs):
        inside.set()
        assert release.wait(10)
        return merge(*args, **kwargs)

    monkeypatch.setattr(module, "merge_metadata", merge_then_wait)
    step = Step(edit)
    step.start()
    assert inside.wait(10)
    return step, release


def finish(step: Step, release: threading.Event) -> None:
    release.set()
    step.join(10)
    assert not step.is_alive() and step.error is None, step.error


def test_the_engines_claim_survives_a_population_edit_under_way(account, monkeypatch):
    population = factories.BatchOperationFactory(callout__account=account, status="queued")
    editing, release = paused_edit(
        monkeypatch,
        populations,
        lambda: populations.update_population(
            population=BatchOperation.objects.get(pk=population.pk), data={"metadata": {"note": "weekly"}}
        ),
    )
    claimed = populate.claim_population(worker="engine-1", now=timezone.now())
    finish(editing, release)
    assert claimed is not None
    stored = BatchOperation.objects.get(pk=population.pk)
    assert (stored.status, stored.claimed_by, stored.metadata) == ("running", "engine-1", {"note": "weekly"})


def test_the_retry_loops_count_survives_a_participation_edit_under_way(account, monkeypatch):
    participation = factories.CalloutParticipationFactory(
        callout=factories.CalloutFactory(account=account, status="running"), phone_calls_count=1
    )
    factories.PhoneCallFactory(callout_participation=participation, status="busy", retry_at=timezone.now())
    editing, release = paused_edit(
        monkeypatch,
        services,
        lambda: services.update_participation(
            participation=CalloutParticipation.objects.get(pk=participation.pk),
            data={"metadata": {"seen": True}},
        ),
    )
    assert retry.tick()
    finish(editing, release)
    stored = CalloutParticipation.objects.get(pk=participation.pk)
    assert (stored.phone_calls_count, stored.metadata) == (2, {"seen": True})


def test_a_pause_survives_a_callout_edit_under_way(account, monkeypatch):
    callout = factories.CalloutFactory(account=account, status="running")
    editing, release = paused_edit(
        monkeypatch,
        services,
        lambda: services.update_callout(
            callout=Callout.objects.get(pk=callout.pk), data={"metadata": {"name": "flood alert"}}
        ),
    )
    services.fire_callout_event(callout=Callout.objects.get(pk=callout.pk), event="pause")
    finish(editing, release)
    stored = Callout.objects.get(pk=callout.pk)
    assert (stored.status, stored.metadata) == ("paused", {"name": "flood alert"})
