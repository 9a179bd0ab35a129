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
            cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            if cursor.fetchone()[0]:
                return
        time.sleep(0.02)
    raise AssertionError("nobody waited for the account reference lock")


def hold_open(work, inside: threading.Event, release: threading.Event):
    """Do `work` in a transaction, then keep it open until `release` is set."""

    def run():
        with transaction.atomic():
            result = work()
            inside.set()
            assert release.wait(10)
        return result

    return run


def test_a_contact_delete_waits_for_a_running_population_then_refuses(account):
    contact = factories.ContactFactory(account=account)
    population = factories.BatchOperationFactory(callout__account=account, status="running")
    inside, release = threading.Event(), threading.Event()
    populating = Step(hold_open(lambda: populate_callout(population=population), inside, release))
    populating.start()
    assert inside.wait(10)
    deleting = Step(lambda: delete_contact(contact=contact))
    deleting.start()
    wait_for_a_blocked_advisory_lock()
    assert deleting.is_alive()
    release.set()
    populating.join(10)
    deleting.join(10)
    assert populating.error is None and populating.result == 1
    assert isinstance(deleting.error, ValidationFailed)
    assert deleting.error.errors == {
        "base": ["Cannot delete record because dependent callout participations exist"]
    }
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_a_callout_delete_waits_for_a_new_participation_then_refuses(account):
    contact = factories.ContactFactory(account=account)
    callout = factories.CalloutFactory(account=account)
    inside, release = threading.Event(), threading.Event()
    add = lambda: create_participation(callout=callout, data={"contact_id": contact.pk})  # noqa: E731
    adding = Step(hold_open(add, inside, release))
    adding.start()
    assert inside.wait(10)
    deleting = Step(lambda: delete_callout(callout=callout))
    deleting.start()
    wait_for_a_blocked_advisory_lock()
    release.set()
    adding.join(10)
    deleting.join(10)
    assert adding.error is None
    assert isinstance(deleting.error, ValidationFailed)
    assert PhoneCall.objects.get(callout_participation=adding.result).callout_id == callout.pk


def test_a_participation_waits_for_a_contact_delete_then_finds_no_contact(account):
    contact = factories.ContactFactory(account=account)
    callout = factories.CalloutFactory(account=account)
    inside, release = threading.Event(), threading.Event()
    deleting = Step(hold_open(lambda: delete_contact(contact=contact), inside, release))
    deleting.start()
    assert inside.wait(10)
    adding = Step(lambda: create_participation(callout=callout, data={"contact_id": contact.pk}))
    adding.start()
    wait_for_a_blocked_advisory_lock()
    release.set()
    deleting.join(10)
    adding.join(10)
    assert deleting.error is None
    assert isinstance(adding.error, ValidationFailed)
    assert adding.error.errors["contact"] == ["must exist"]
    assert not CalloutParticipation.objects.exists() and not PhoneCall.objects.exists()


def test_a_population_after_a_contact_delete_does_not_add_it(account):
    kept, deleted = factories.ContactFactory.create_batch(2, account=account)
    population = factories.BatchOperationFactory(callout__account=account, status="running")
    inside, release = threading.Event(), threading.Event()
    deleting = Step(hold_open(lambda: delete_contact(contact=deleted), inside, release))
    deleting.start()
    assert inside.wait(10)
    populating = Step(lambda: populate_callout(population=population))
    populating.start()
    wait_for_a_blocked_advisory_lock()
    release.set()
    deleting.join(10)
    populating.join(10)
    assert deleting.error is None and populating.error is None
    assert list(CalloutParticipation.objects.values_list("contact_id", flat=True)) == [kept.pk]


def test_populations_of_one_account_do_not_wait_for_each_other(account):
    factories.ContactFactory(account=account)
    first, second = (
        factories.BatchOperationFactory(callout__account=account, status="running") for _ in range(2)
    )
    inside, release = threading.Event(), threading.Event()
    holding = Step(hold_open(lambda: populate_callout(population=first), inside, release))
    holding.start()
    assert inside.wait(10)
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
