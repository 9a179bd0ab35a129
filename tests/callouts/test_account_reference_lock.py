"""Participations reference their contact and callout without database constraints (see
scfm.core.locks): these tests race a writer against a delete on PostgreSQL, where the two really
run at once, and check that no participation or call ever points at a deleted row."""

import threading
import time

import pytest
from django.db import close_old_connections, connection, transaction

from scfm.callouts.models import CalloutParticipation
from scfm.callouts.populations import populate_callout
from scfm.callouts.services import create_participation, delete_callout
from scfm.calls.models import PhoneCall
from scfm.contacts.models import Contact
from scfm.contacts.services import delete_contact
from scfm.core.errors import ValidationFailed
from scfm.core.locks import share_account_references
from tests import factories

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite never runs two writers at once"),
]


class Step(threading.Thread):
    """Run `work` in its own connection and keep what it returned or raised."""

    def __init__(self, work):
        super().__init__(daemon=True)
        self.work, self.result, self.error = work, None, None

    def run(self):
        try:
            self.result = self.work()
        except Exception as error:
            self.error = error
        finally:
            close_old_connections()


def wait_for_a_blocked_advisory_lock():
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.02)
    raise AssertionError("nobody waited for the account reference lock")


def start_held_open(work) -> tuple[Step, threading.Event]:
    """Start `work` in a transaction kept open until the returned event is set; return once done."""
    inside, release = threading.Event(), threading.Event()

    def run():
        with transaction.atomic():
            result = work()
            inside.set()
            assert release.wait(10)
        return result

    step = Step(run)
    step.start()
    assert inside.wait(10)
    return step, release


def race(first, then) -> tuple[Step, Step]:
    """Do `first` up to its commit, start `then`, see it wait for the account lock, let `first` commit."""
    holding, release = start_held_open(first)
    waiting = Step(then)
    waiting.start()
    wait_for_a_blocked_advisory_lock()
    release.set()
    holding.join(10)
    waiting.join(10)
    return holding, waiting


def test_a_contact_delete_waits_for_a_running_population_then_refuses(account):
    contact = factories.ContactFactory(account=account)
    population = factories.BatchOperationFactory(callout__account=account, status="running")
    populating, deleting = race(
        lambda: populate_callout(population=population), lambda: delete_contact(contact=contact)
    )
    assert populating.error is None and populating.result == 1
    assert isinstance(deleting.error, ValidationFailed)
    assert deleting.error.errors == {
        "base": ["Cannot delete record because dependent callout participations exist"]
    }
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_a_callout_delete_waits_for_a_new_participation_then_refuses(account):
    contact = factories.ContactFactory(account=account)
    callout = factories.CalloutFactory(account=account)
    adding, deleting = race(
        lambda: create_participation(callout=callout, data={"contact_id": contact.pk}),
        lambda: delete_callout(callout=callout),
    )
    assert adding.error is None
    assert isinstance(deleting.error, ValidationFailed)
    assert PhoneCall.objects.get(callout_participation=adding.result).callout_id == callout.pk


def test_a_participation_waits_for_a_contact_delete_then_finds_no_contact(account):
    contact = factories.ContactFactory(account=account)
    callout = factories.CalloutFactory(account=account)
    deleting, adding = race(
        lambda: delete_contact(contact=contact),
        lambda: create_participation(callout=callout, data={"contact_id": contact.pk}),
    )
    assert deleting.error is None
    assert isinstance(adding.error, ValidationFailed)
    assert adding.error.errors["contact"] == ["must exist"]
    assert not CalloutParticipation.objects.exists() and not PhoneCall.objects.exists()


def test_a_population_after_a_contact_delete_does_not_add_it(account):
    kept, deleted = factories.ContactFactory.create_batch(2, account=account)
    population = factories.BatchOperationFactory(callout__account=account, status="running")
    deleting, populating = race(
        lambda: delete_contact(contact=deleted), lambda: populate_callout(population=population)
    )
    assert deleting.error is None and populating.error is None
    assert list(CalloutParticipation.objects.values_list("contact_id", flat=True)) == [kept.pk]


def test_populations_of_one_account_do_not_wait_for_each_other(account):
    factories.ContactFactory(account=account)
    first, second = (
        factories.BatchOperationFactory(callout__account=account, status="running") for _ in range(2)
    )
    holding, release = start_held_open(lambda: populate_callout(population=first))
    other = Step(lambda: populate_callout(population=second))
    other.start()
    other.join(10)
    finished_while_the_first_was_open = not other.is_alive()
    release.set()
    holding.join(10)
    assert finished_while_the_first_was_open
    assert holding.result == other.result == 1


def test_participations_have_no_foreign_key_constraints_and_lean_indexes():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint"
            " WHERE conrelid = 'callout_participations'::regclass AND contype = 'f'"
        )
        assert cursor.fetchall() == []
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'callout_participations'")
        names = {row[0] for row in cursor.fetchall()}
    # The population's own index is Django's (its name ends in a hash).
    population_index = "callout_participations_callout_population_id_"
    assert {name for name in names if not name.startswith(population_index)} == {
        "callout_participations_pkey",
        "participations_contact_callout_unique",
        "participations_callout_msisdn_unique",
    }
    assert len(names) == 4


def test_the_lock_outside_a_transaction_is_a_programming_error(account):
    # In autocommit PostgreSQL would release it at once, protecting nothing.
    with pytest.raises(RuntimeError):
        share_account_references(account.pk)
