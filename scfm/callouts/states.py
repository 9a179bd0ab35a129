"""The callout and batch-operation status machines: each transition table, written once.

A table maps an event to the statuses it may leave and the status it reaches. The same table
answers the Python side (which events a status offers, for the API, the dashboard and their
422s) and the SQL side: `StatusMachine.fire` is the only way a status moves, one conditional
`UPDATE … SET status = target WHERE status IN (sources)`, and 0 rows updated means the caller's
view was stale. This module imports no model, so every layer may use it.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import models
from django.db.models import QuerySet


class CalloutStatus(models.TextChoices):
    INITIALIZED = "initialized"  # created; nothing is dialed
    RUNNING = "running"  # the engine hands its created calls to the provider
    PAUSED = "paused"  # no new hand-overs; calls already with the provider go on
    STOPPED = "stopped"  # like paused, but meant as the end; may still be resumed


class BatchOperationStatus(models.TextChoices):
    PREVIEW = "preview"  # parameters may change; nothing written
    QUEUED = "queued"  # waiting for the engine's populate loop
    RUNNING = "running"  # an engine holds its lease and is populating
    FINISHED = "finished"  # participations and first calls written


# event -> (allowed sources, target)
Transitions = Mapping[str, tuple[frozenset[str], str]]


@dataclass(frozen=True)
class StatusMachine:
    """A transition table and the one conditional UPDATE that moves a row by it."""

    transitions: Transitions
    # Events clients may fire (API and dashboard); the others belong to the engine.
    public_events: tuple[str, ...]

    def events_from(self, status: str, *, public_only: bool = False) -> list[str]:
        """Return the events that have a transition from `status`."""
        events = available_events(self.transitions, status)
        return [event for event in events if event in self.public_events] if public_only else events

    def sources(self, event: str) -> frozenset[str]:
        """Return the statuses `event` may move a row from."""
        return self.transitions[event][0]

    def target(self, event: str) -> str:
        """Return the status `event` moves a row to."""
        return self.transitions[event][1]

    def fire(self, rows: QuerySet, event: str, **changes) -> int:
        """Move `rows` by `event` with one conditional UPDATE (plus `changes`); return how many moved.

        Rows whose status is not a source of `event` are left alone: 0 means whoever asked read
        a status that has changed since.
        """
        sources, target = self.transitions[event]
        return rows.filter(status__in=sources).update(status=target, **changes)


def available_events(transitions: Transitions, status: str) -> list[str]:
    """Return the events that have a transition from `status`."""
    return [event for event, (sources, _) in transitions.items() if status in sources]


# Who fires each event: `start`, `pause`, `resume`, `stop` — clients (API, dashboard), through
# scfm.callouts.services.fire_callout_event. The engine only reads the status (dials `running`).
CALLOUT_TRANSITIONS: Transitions = {
    "start": (frozenset({CalloutStatus.INITIALIZED}), CalloutStatus.RUNNING),
    "pause": (frozenset({CalloutStatus.RUNNING}), CalloutStatus.PAUSED),
    "resume": (frozenset({CalloutStatus.PAUSED, CalloutStatus.STOPPED}), CalloutStatus.RUNNING),
    "stop": (frozenset({CalloutStatus.RUNNING, CalloutStatus.PAUSED}), CalloutStatus.STOPPED),
}
CALLOUT_MACHINE = StatusMachine(CALLOUT_TRANSITIONS, public_events=tuple(CALLOUT_TRANSITIONS))

# Who fires each event (scfm.callouts.populations):
# - `queue`: clients (API, dashboard), fire_population_event;
# - `start`: the engine's populate loop claiming a queued population, or taking over a running
#   one whose engine's lease ran out (running → running, with the new owner), claim_population;
# - `finish`: the engine that holds the lease, once the population is written, finish_population.
BATCH_OPERATION_TRANSITIONS: Transitions = {
    "queue": (frozenset({BatchOperationStatus.PREVIEW}), BatchOperationStatus.QUEUED),
    "start": (
        frozenset({BatchOperationStatus.QUEUED, BatchOperationStatus.RUNNING}),
        BatchOperationStatus.RUNNING,
    ),
    "finish": (frozenset({BatchOperationStatus.RUNNING}), BatchOperationStatus.FINISHED),
}
BATCH_OPERATION_MACHINE = StatusMachine(BATCH_OPERATION_TRANSITIONS, public_events=("queue",))
PUBLIC_BATCH_OPERATION_EVENTS = BATCH_OPERATION_MACHINE.public_events
