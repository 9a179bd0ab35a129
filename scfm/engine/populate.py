"""The populate loop: run queued callout populations (queued → running → finished)."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from scfm.callouts.models import BatchOperation
from scfm.callouts.populations import populate_callout
from scfm.callouts.states import BatchOperationStatus

logger = logging.getLogger(__name__)

# A population of a million contacts takes seconds; an engine holding one longer has died.
LEASE = timedelta(minutes=10)


def claim_population(*, worker: str, now: datetime) -> BatchOperation | None:
    """Take the oldest queued population, or a running one whose engine's lease ran out."""
    claimable = Q(status=BatchOperationStatus.QUEUED) | Q(
        status=BatchOperationStatus.RUNNING, claim_expires_at__lt=now
    )
    with transaction.atomic():
        population = (
            BatchOperation.objects.filter(claimable)
            .order_by("id")
            .select_for_update(skip_locked=True)
            .first()
        )
        if population is None:
            return None
        BatchOperation.objects.filter(pk=population.pk).update(
            status=BatchOperationStatus.RUNNING,
            claimed_by=worker,
            claim_expires_at=now + LEASE,
            updated_at=now,
        )
    population.refresh_from_db()
    return population


def tick(*, worker: str, now: datetime | None = None) -> bool:
    """Run one population to the end; return whether there was one."""
    population = claim_population(worker=worker, now=now or timezone.now())
    if population is None:
        return False
    with transaction.atomic():
        added = populate_callout(population=population)
        BatchOperation.objects.filter(
            pk=population.pk, status=BatchOperationStatus.RUNNING, claimed_by=worker
        ).update(
            status=BatchOperationStatus.FINISHED,
            claimed_by=None,
            claim_expires_at=None,
            updated_at=timezone.now(),
        )
    logger.info(
        "Population %s added %s participations to callout %s", population.pk, added, population.callout_id
    )
    return True
