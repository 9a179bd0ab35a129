"""Callout populations (batch operations): their writes and the bulk population itself."""

from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from scfm.accounts.models import Account
from scfm.callouts.models import CALLOUT_POPULATION, BatchOperation, Callout, CalloutParticipation
from scfm.callouts.states import BATCH_OPERATION_MACHINE, BatchOperationStatus
from scfm.contacts.models import Contact
from scfm.core.errors import ValidationFailed
from scfm.core.locks import share_account_references
from scfm.core.metadata import deep_merge, merge_metadata
from scfm.core.validation import Errors
from scfm.filtering.compiler import apply_filters
from scfm.filtering.specs import CONTACT_FILTERS

ACCOUNT_DEFAULT_PARAMETERS_KEY = "batch_operation_callout_population_parameters"
QUEUED_PARAMETERS_MESSAGE = "cannot be changed once the population is queued"


def contacts_matching(*, account: Account, contact_filter_params: Any):
    """Return the account's contacts selected by a population's filter (the preview set)."""
    try:
        return apply_filters(
            Contact.objects.for_account(account), contact_filter_params or {}, CONTACT_FILTERS
        )
    except ValidationFailed as error:
        raise ValidationFailed.single("contact_filter_params", "is invalid") from error


def _validate_parameters(account: Account, parameters: Any, errors: Errors) -> None:
    if not isinstance(parameters, dict):
        errors.add("parameters", "is invalid")
        return
    params = parameters.get("contact_filter_params", {})
    if not isinstance(params, dict):
        errors.add("contact_filter_params", "is invalid")
        return
    try:
        contacts_matching(account=account, contact_filter_params=params)
    except ValidationFailed:
        errors.add("contact_filter_params", "is invalid")


@transaction.atomic
def create_population(*, account: Account, data: dict[str, Any], callout_id: Any) -> BatchOperation:
    errors = Errors()
    kind = data.get("type") or CALLOUT_POPULATION
    if kind != CALLOUT_POPULATION:
        errors.add("type", "is not included in the list")
    callout = None
    if callout_id not in (None, ""):
        try:
            callout = Callout.objects.for_account(account).filter(pk=int(callout_id)).first()
        except (TypeError, ValueError):
            callout = None
    if callout is None:
        errors.add("callout", "must exist")
    parameters = data.get("parameters", {})
    defaults = (
        account.settings.get(ACCOUNT_DEFAULT_PARAMETERS_KEY) if isinstance(account.settings, dict) else None
    )
    if isinstance(parameters, dict) and isinstance(defaults, dict):
        parameters = deep_merge(defaults, parameters)
    _validate_parameters(account, parameters, errors)
    metadata = merge_metadata({}, data.get("metadata", {}), data.get("metadata_merge_mode"))
    if not isinstance(metadata, dict):
        errors.add("metadata", "is invalid")
    errors.raise_if_any()
    return BatchOperation.objects.create(
        account=account, callout=callout, parameters=parameters, metadata=metadata, type=CALLOUT_POPULATION
    )


@transaction.atomic
def update_population(*, population: BatchOperation, data: dict[str, Any]) -> BatchOperation:
    """Change a population's metadata, and its parameters while it is a preview.

    Only the columns sent are written, never `status` or the engine's lease (`population` may be
    stale, and the populate loop moves those with conditional UPDATEs). New parameters are written
    only where the row is still a preview, so a population queued since it was read keeps the
    parameters it was queued with.
    """
    errors = Errors()
    assigned = []
    if "parameters" in data:
        if population.status != BatchOperationStatus.PREVIEW and data["parameters"] != population.parameters:
            # What was queued is what runs: the filter may not change under the engine.
            errors.add("parameters", QUEUED_PARAMETERS_MESSAGE)
        elif population.status == BatchOperationStatus.PREVIEW:
            _validate_parameters(population.account, data["parameters"], errors)
            population.parameters = data["parameters"]
            assigned.append("parameters")
    if "metadata" in data:
        population.metadata = merge_metadata(
            population.metadata, data["metadata"], data.get("metadata_merge_mode")
        )
        assigned.append("metadata")
        if not isinstance(population.metadata, dict):
            errors.add("metadata", "is invalid")
    errors.raise_if_any()
    rows = BatchOperation.objects.filter(pk=population.pk)
    if "parameters" in assigned:
        rows = rows.filter(status=BatchOperationStatus.PREVIEW)
    now = timezone.now()
    if not rows.update(**{field: getattr(population, field) for field in assigned}, updated_at=now):
        if BatchOperation.objects.filter(pk=population.pk).exists():
            raise ValidationFailed.single("parameters", QUEUED_PARAMETERS_MESSAGE)
        raise ValidationFailed.single("base", "has been deleted")  # by another request since it was read
    population.updated_at = now
    return population


@transaction.atomic
def delete_population(*, population: BatchOperation) -> None:
    # Locked, then read again: participations' population has no database constraint (see
    # CalloutParticipation), so no population may start between this check and the delete.
    population = BatchOperation.objects.select_for_update().filter(pk=population.pk).first() or population
    if population.callout_participations.exists():
        raise ValidationFailed.single(
            "base", "Cannot delete record because dependent callout participations exist"
        )
    if population.status == BatchOperationStatus.RUNNING:
        raise ValidationFailed.single("base", "Cannot delete record because status is running")
    population.delete()


def fire_population_event(*, population: BatchOperation, event: Any) -> BatchOperation:
    """Queue a population (preview → queued); the engine's populate loop runs it."""
    if event not in BATCH_OPERATION_MACHINE.events_from(population.status, public_only=True):
        raise ValidationFailed.single("event", "is not included in the list")
    now = timezone.now()
    rows = BatchOperation.objects.filter(pk=population.pk)
    if not BATCH_OPERATION_MACHINE.fire(rows, event, updated_at=now):
        # Another request or the engine moved it between the read and this write.
        raise ValidationFailed.single("event", "is not included in the list")
    population.status, population.updated_at = BATCH_OPERATION_MACHINE.target(event), now
    return population


def claimable_populations(*, now: datetime) -> QuerySet[BatchOperation]:
    """Return the populations an engine may start: queued ones, and running ones whose lease ran
    out (the engine holding them died)."""
    return BatchOperation.objects.filter(
        Q(status=BatchOperationStatus.QUEUED)
        | Q(status=BatchOperationStatus.RUNNING, claim_expires_at__lt=now)
    )


def start_population(*, population_id: int, worker: str, now: datetime, lease_expires_at: datetime) -> bool:
    """Fire `start` for the populate loop: the population runs under `worker`'s lease.

    Return False when it is no longer claimable (another engine took it first, or it was deleted).
    """
    rows = claimable_populations(now=now).filter(pk=population_id)
    return bool(
        BATCH_OPERATION_MACHINE.fire(
            rows, "start", claimed_by=worker, claim_expires_at=lease_expires_at, updated_at=now
        )
    )


def finish_population(*, population_id: int, worker: str, now: datetime) -> bool:
    """Fire `finish` for the engine holding the lease and release it; False if it holds it no more."""
    rows = BatchOperation.objects.filter(pk=population_id, claimed_by=worker)
    return bool(
        BATCH_OPERATION_MACHINE.fire(rows, "finish", claimed_by=None, claim_expires_at=None, updated_at=now)
    )


_PARTICIPATION_COLUMNS = (
    "callout_id, contact_id, callout_population_id, msisdn, call_flow_logic, metadata,"
    " answered, phone_calls_count, created_at, updated_at"
)
_PHONE_CALL_COLUMNS = (
    "callout_participation_id, contact_id, status, msisdn, metadata, remote_response,"
    " remote_queue_response, call_flow_logic, duration, lock_version, account_id, callout_id,"
    " created_at, updated_at"
)


@transaction.atomic
def populate_callout(*, population: BatchOperation) -> int:
    """Add every matching contact to the callout with a first `created` call; return how many.

    Set-based statements, never a Python loop over contacts. Contacts already in the callout
    (by contact or msisdn) are skipped, so running it again is harmless.

    On PostgreSQL one statement inserts the participations and their calls, skipping contacts
    already in the callout with anti-joins rather than `ON CONFLICT` (whose speculative insertion
    costs about a third of the participations' INSERT). Should a participation added meanwhile
    by someone else still collide, that statement is rolled back to its savepoint and the
    `ON CONFLICT DO NOTHING` statements below run instead; the result is the same either way.
    """
    callout = population.callout
    # Stands in for the participations' foreign keys to contacts and callouts (see core.locks).
    share_account_references(population.account_id)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    contacts = (
        contacts_matching(account=population.account, contact_filter_params=population.contact_filter_params)
        .order_by()
        .values("id", "msisdn")
    )
    contacts_sql, contacts_params = contacts.query.sql_with_params()
    participations = connection.ops.quote_name(CalloutParticipation._meta.db_table)
    if connection.vendor == "postgresql":
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                # The anti-joins must be hash (or merge) joins. A callout's participations are
                # often estimated at one row (a fresh or just-truncated table, a new callout), and a
                # nested loop rescanning the very table being filled would take hours, not seconds.
                cursor.execute(
                    "SELECT current_setting('enable_nestloop'), set_config('enable_nestloop', 'off', true)"
                )
                nestloop = cursor.fetchone()[0]
                cursor.execute(
                    f"""
                    WITH added AS (
                        INSERT INTO {participations} ({_PARTICIPATION_COLUMNS})
                        SELECT %s, matching.id, %s, matching.msisdn, %s, '{{}}', false, 1, %s, %s
                        FROM ({contacts_sql}) AS matching
                        WHERE NOT EXISTS (
                                  SELECT 1 FROM {participations} AS existing
                                  WHERE existing.callout_id = %s AND existing.contact_id = matching.id
                              )
                          AND NOT EXISTS (
                                  SELECT 1 FROM {participations} AS existing
                                  WHERE existing.callout_id = %s AND existing.msisdn = matching.msisdn
                              )
                        RETURNING id, contact_id, msisdn, call_flow_logic, callout_id
                    )
                    INSERT INTO phone_calls ({_PHONE_CALL_COLUMNS})
                    SELECT added.id, added.contact_id, 'created', added.msisdn, '{{}}', '{{}}', '{{}}',
                           added.call_flow_logic, 0, 0, %s, added.callout_id, %s, %s
                    FROM added
                    """,
                    [
                        *(callout.pk, population.pk, callout.call_flow_logic, now, now),
                        *contacts_params,
                        *(callout.pk, callout.pk),
                        *(population.account_id, now, now),
                    ],
                )
                added = cursor.rowcount
                cursor.execute("SELECT set_config('enable_nestloop', %s, true)", [nestloop])
                return added
        except IntegrityError:
            pass  # a participation added meanwhile collided: take the ON CONFLICT way below
    with connection.cursor() as cursor:
        # `WHERE true` keeps SQLite from reading ON CONFLICT as part of a join.
        cursor.execute(
            f"""
            INSERT INTO {participations} ({_PARTICIPATION_COLUMNS})
            SELECT %s, matching.id, %s, matching.msisdn, %s, '{{}}', false, 1, %s, %s
            FROM ({contacts_sql}) AS matching
            WHERE true
            ON CONFLICT DO NOTHING
            """,
            [callout.pk, population.pk, callout.call_flow_logic, now, now, *contacts_params],
        )
        added = cursor.rowcount
        cursor.execute(
            f"""
            INSERT INTO phone_calls ({_PHONE_CALL_COLUMNS})
            SELECT participation.id, participation.contact_id, 'created', participation.msisdn,
                   '{{}}', '{{}}', '{{}}', participation.call_flow_logic, 0, 0, %s,
                   participation.callout_id, %s, %s
            FROM {participations} AS participation
            WHERE participation.callout_population_id = %s
              AND NOT EXISTS (
                  SELECT 1 FROM phone_calls AS existing
                  WHERE existing.callout_participation_id = participation.id
              )
            """,
            [population.account_id, now, now, population.pk],
        )
    return added
