"""The account reference lock: what stands in for the foreign keys bulk writes cannot afford.

Participations and phone calls point at their contact and callout without a database constraint:
PostgreSQL checks a foreign key row by row, locking every referenced contact, which cost a
million-contact population 6 of its 15 seconds. Integrity is kept instead by one lock per account,
held until the transaction ends:

- whoever inserts rows that reference an account's contacts or callouts holds it *shared*
  (populations, API participations, inbound calls) — any number of them at once;
- deleting a contact or a callout holds it *exclusively* before looking for dependents, so it
  waits for those writers to commit and then sees their rows (and refuses), while a writer that
  comes after it no longer sees what it deleted.

SQLite needs nothing: every transaction there starts by taking the database's write lock
(transaction_mode IMMEDIATE), so no writer ever overlaps another.
"""

from django.db import connection

# The first key of PostgreSQL's two-key advisory locks: tells this lock from any other one.
_ACCOUNT_REFERENCES = 0x5CF0001


def _lock_account_references(account_id: int, function: str) -> None:
    if connection.vendor != "postgresql":
        return
    if not connection.in_atomic_block:
        # In autocommit the lock would be released at once, protecting nothing.
        raise RuntimeError("the account reference lock must be taken inside a transaction")
    with connection.cursor() as cursor:
        # The second key is an int4: larger ids wrap, which can only make two accounts share a lock.
        cursor.execute(f"SELECT {function}(%s, %s)", [_ACCOUNT_REFERENCES, account_id & 0x7FFFFFFF])


def share_account_references(account_id: int) -> None:
    """Before inserting rows that reference the account's contacts or callouts."""
    _lock_account_references(account_id, "pg_advisory_xact_lock_shared")


def lock_account_references(account_id: int) -> None:
    """Before deleting one of the account's contacts or callouts (then look for dependents)."""
    _lock_account_references(account_id, "pg_advisory_xact_lock")
