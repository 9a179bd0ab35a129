"""Callout and batch-operation state machines as pure transition tables."""

from django.db import models


class CalloutStatus(models.TextChoices):
    INITIALIZED = "initialized"  # created; nothing is dialed
    RUNNING = "running"  # the engine hands its created calls to the provider
    PAUSED = "paused"  # no new hand-overs; calls already with the provider go on
    STOPPED = "stopped"  # like paused, but meant as the end; may still be resumed


# event -> (allowed sources, target)
CALLOUT_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "start": (frozenset({CalloutStatus.INITIALIZED}), CalloutStatus.RUNNING),
    "pause": (frozenset({CalloutStatus.RUNNING}), CalloutStatus.PAUSED),
    "resume": (frozenset({CalloutStatus.PAUSED, CalloutStatus.STOPPED}), CalloutStatus.RUNNING),
    "stop": (frozenset({CalloutStatus.RUNNING, CalloutStatus.PAUSED}), CalloutStatus.STOPPED),
}


class BatchOperationStatus(models.TextChoices):
    PREVIEW = "preview"  # parameters may change; nothing written
    QUEUED = "queued"  # waiting for the engine's populate loop
    RUNNING = "running"  # the engine is populating
    FINISHED = "finished"  # participations and first calls written


BATCH_OPERATION_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "queue": (frozenset({BatchOperationStatus.PREVIEW}), BatchOperationStatus.QUEUED),
    "start": (
        frozenset({BatchOperationStatus.QUEUED, BatchOperationStatus.RUNNING}),
        BatchOperationStatus.RUNNING,
    ),
    "finish": (frozenset({BatchOperationStatus.RUNNING}), BatchOperationStatus.FINISHED),
}
# Only `queue` may be fired through the API and dashboard; the engine fires the others.
PUBLIC_BATCH_OPERATION_EVENTS = ("queue",)


def available_events(transitions: dict[str, tuple[frozenset[str], str]], status: str) -> list[str]:
    """Return the events that have a transition from `status`."""
    return [event for event, (sources, _) in transitions.items() if status in sources]
