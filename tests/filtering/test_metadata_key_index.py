"""`scfm index_metadata_key`: a btree index on a metadata key's text serves `.date` range filters."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from scfm.contacts.management.commands.index_metadata_key import index_name
from scfm.contacts.models import Contact
from scfm.filtering.compiler import apply_filters
from scfm.filtering.specs import CONTACT_FILTERS

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")

# Values around the bound 2022-01-15: times on that day, text after the date, non-dates, numbers.
DATES = [
    "2022-01-14",
    "2022-01-15",
    "2022-01-15T10:00:00Z",
    "2022-01-15 23:59",
    "2022-01-15x",
    "2022-01-16",
    "2022-01-1",
    "2022-02-30",
    "2022-01-19",
    "2022-01-1:",
    20220115,
    None,
]
EXPECTED = {
    ("gteq", "2022-01-15"): {1, 2, 3, 4, 5, 8},
    ("gt", "2022-01-15"): {5, 8},
    ("lt", "2022-01-15"): {0},
    ("lteq", "2022-01-15"): {0, 1, 2, 3, 4},
    ("lteq", "2022-01-19"): {0, 1, 2, 3, 4, 5, 8},
    ("lt", "2022-01-19"): {0, 1, 2, 3, 4, 5},
    ("gt", "2022-01-19"): set(),
}


def _dated_contacts(account) -> list[Contact]:
    return Contact.objects.bulk_create(
        Contact(account=account, msisdn=f"+85570{index:06d}", metadata={"dob": value, "p": {"dob": value}})
        for index, value in enumerate(DATES)
    )


def _selected(account, created, metadata_filter) -> set[int]:
    queryset = apply_filters(
        Contact.objects.for_account(account), {"metadata": metadata_filter}, CONTACT_FILTERS
    )
    ids = set(queryset.values_list("id", flat=True))
    return {index for index, contact in enumerate(created) if contact.id in ids}


@pytest.mark.django_db
@pytest.mark.parametrize(("operator", "bound"), list(EXPECTED))
def test_date_comparisons_keep_their_meaning(account, operator, bound):
    created = _dated_contacts(account)
    expected = EXPECTED[(operator, bound)]
    assert _selected(account, created, {f"dob.date.{operator}": bound}) == expected
    assert _selected(account, created, {"p": {f"dob.date.{operator}": bound}}) == expected


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_the_index_serves_date_ranges_and_changes_no_result(account):
    created = _dated_contacts(account)
    before = {key: _selected(account, created, {f"dob.date.{key[0]}": key[1]}) for key in EXPECTED}
    call_command("index_metadata_key", "dob")
    call_command("index_metadata_key", "p", "dob")
    call_command("index_metadata_key", "dob")  # again: nothing to do
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'contacts'")
            names = {row[0] for row in cursor.fetchall()}
        assert {index_name(["dob"]), index_name(["p", "dob"])} <= names
        for key in EXPECTED:
            assert _selected(account, created, {f"dob.date.{key[0]}": key[1]}) == before[key] == EXPECTED[key]
        for path, metadata_filter in [
            (["dob"], {"dob.date.gteq": "2022-01-15", "dob.date.lt": "2022-01-16"}),
            (["p", "dob"], {"p": {"dob.date.lteq": "2022-01-15"}}),
        ]:
            queryset = apply_filters(Contact.objects.all(), {"metadata": metadata_filter}, CONTACT_FILTERS)
            with connection.cursor() as cursor:
                cursor.execute("SET enable_seqscan = off")
                try:
                    plan = queryset.explain()
                finally:
                    cursor.execute("RESET enable_seqscan")
            assert index_name(path) in plan, plan
    finally:
        call_command("index_metadata_key", "dob", "--drop")
        call_command("index_metadata_key", "p", "dob", "--drop")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'contacts'")
        assert index_name(["dob"]) not in {row[0] for row in cursor.fetchall()}


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite only")
@pytest.mark.django_db
def test_the_command_refuses_sqlite():
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("index_metadata_key", "dob")
