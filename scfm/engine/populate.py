"""The populate loop: run queued callout populations (queued → running → finished)."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from scfm.callouts.models import BatchOperation
from scfm.callouts.populations import (
    claimable_populations,
    finish_population,
    populate_callout,
    start_population,
)

logger = logging.getLogger(__name__)

# A population of a million contacts takes seconds; an engine holding one longer has died.
LEASE = timedelta(minutes=10)


def claim_population(*, worker: str, now: datetime) -> BatchOperation | None:
    """Take the oldest queued population, or a running one whose engine's lease ran out."""
    with transaction.atomic():
        population = claimable_populations(now=now).order_by("id").select_for_update(skip_locked=True).first()
        if population is None or not start_population(
            population_id=population.pk, worker=worker, now=now, lease_expires_at=now + LEASE
        ):
            return None
    population.refresh_from_db()
    return population


def tick(*, worker: str, now: datetime | None = None) -> bool:
    """Run one population to the end; return whether there was one."""
    population = claim_population(worker=worker, now=now or timezone.now())
    if population is None:
        return False
    with transaction.atomic():
        added = populate_callout(population=population)
        finish_population(population_id=population.pk, worker=worker, now=timezone.now())
    logger.info(
        "Population %s added %s participations to callout %s", population.pk, added, population.callout_id
    )
    return True
