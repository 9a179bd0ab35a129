"""PostgreSQL only: every query the engine and the webhooks run on phone_calls can use an index.

phone_calls keeps few indexes (each one costs every call a population inserts), so this checks
that the ones left serve the engine's claims and the CallSid lookups: each query is captured as
the engine runs it, then explained with sequential scans disabled.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from scfm.calls.models import PhoneCall
from scfm.core.rows import fetch_one
from scfm.engine import dial, rapidpro, reconcile, retry
from scfm.telephony import provider
from tests.engine.conftest import add_participants

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans are PostgreSQL's"),
]

MINUTE = datetime.timedelta(minutes=1)


def phone_call_reads(run) -> list[str]:
    """Run `run()` and return the SELECTs it sent that read phone_calls other than by primary key."""
    with CaptureQueriesContext(connection) as captured:
        run()
    return [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith("SELECT")
        and 'FROM "phone_calls"' in query["sql"]
        and '"phone_calls"."id" = ' not in query["sql"]
    ]


def assert_indexed(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # prove an index is usable, whatever the costs
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = on")
    assert "Seq Scan on phone_calls" not in plan, f"{sql}\n{plan}"


def test_the_indexes_left_on_phone_calls():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'phone_calls'")
        names = {row[0] for row in cursor.fetchall()}
    # Foreign keys are indexed by Django (their names end in a hash): participation and contact.
    assert {name for name in names if not name.startswith("phone_calls_callout_participation_id_")
            and not name.startswith("phone_calls_contact_id_")} == {
        "phone_calls_pkey",
        "phone_calls_callout_status",
        "phone_calls_account_status",
        "phone_calls_msisdn",
        "phone_calls_remote_call_id_unique",
        "phone_calls_rapidpro_due",
        "phone_calls_in_flight",
        "phone_calls_retry_due",
        "phone_calls_retry_pending",
        "phone_calls_dial_queue",
        "phone_calls_window_wait",
    }  # fmt: skip
    assert len(names) == 13


def test_engine_claims_use_indexes(running_callout, somleng_account, fake_provider):
    fake_provider.fetch_result = provider.OutcomeUnknown("ReadTimeout")
    calls = add_participants(running_callout, 3)
    now = timezone.now()
    queries = phone_call_reads(
        lambda: dial.claim_calls(
            account_id=somleng_account.pk, callout_ids=[running_callout.pk], worker="w", now=now, limit=5
        )
    )
    PhoneCall.objects.filter(pk=calls[1].pk).update(status="busy", retry_at=now - MINUTE)
    PhoneCall.objects.filter(pk=calls[2].pk).update(
        status="remotely_queued", remote_call_id="CA1", remotely_queued_at=now - 60 * MINUTE
    )
    queries += phone_call_reads(lambda: retry.tick(now))
    queries += phone_call_reads(lambda: reconcile.tick(now))
    queries += phone_call_reads(lambda: rapidpro.tick(now))
    assert len(queries) >= 5
    for sql in queries:
        assert_indexed(sql)


def test_call_sid_lookups_use_the_partial_unique_index(running_callout):
    (call,) = add_participants(running_callout, 1)
    PhoneCall.objects.filter(pk=call.pk).update(remote_call_id="CA42")
    with CaptureQueriesContext(connection) as captured:
        assert fetch_one(PhoneCall, "remote_call_id = %s", ["CA42"]).pk == call.pk
        assert list(PhoneCall.objects.filter(remote_call_id__in=["CA42", "CA43"])) == [call]
    for query in captured.captured_queries:
        assert_indexed(query["sql"])
