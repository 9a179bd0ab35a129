#!/usr/bin/env python
"""Benchmark `GET /api/contacts` with metadata filters over 1,000,000 contacts on PostgreSQL.

Run from the repository root:

    .venv/bin/python bench/contacts_list.py            # seed once (reused later), then measure
    .venv/bin/python bench/contacts_list.py --reseed   # drop and rebuild the bench database
    .venv/bin/python bench/contacts_list.py --index-key date_of_birth   # add a btree key index first
    .venv/bin/python bench/contacts_list.py --drop-index-key date_of_birth   # measure without it
    .venv/bin/python bench/contacts_list.py --explain  # also print the plans of both queries

It creates (or reuses) the database `scfm_bench` on the local PostgreSQL, seeds one account with
1M contacts in one set-based INSERT, starts `scfm serve --workers 2` on a free loopback port and
sends sequential requests over one keep-alive connection: a gender + one-month date-of-birth range
filter (a different month per request) and a plain gender filter. It prints p50/p90/p99 latency
and the `Total` header values. Target: p50 <= 50 ms for the date-range list, Total exact.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import statistics
import subprocess
import sys
import time
from urllib.parse import urlencode

import psycopg
from _common import (
    HOST,
    REPO,
    VENV_BIN,
    create_database,
    database_exists,
    database_url,
    load_average,
    running_server,
    setup_django,
    summary_ms,
)

BENCH_MARK = {"bench": "contacts_list"}
PROVINCES = [
    "Banteay Meanchey", "Battambang", "Kampong Cham", "Kampong Chhnang", "Kampong Speu",
    "Kampong Thom", "Kampot", "Kandal", "Koh Kong", "Kratie", "Mondulkiri", "Phnom Penh",
    "Preah Vihear", "Prey Veng", "Pursat", "Ratanakiri", "Siem Reap", "Preah Sihanouk",
    "Stung Treng", "Svay Rieng", "Takeo", "Oddar Meanchey", "Kep", "Pailin", "Tbong Khmum",
]  # fmt: skip
DOB_START = dt.date(1965, 1, 1)
DOB_DAYS = 14_610  # ~40 years

SEED_SQL = """
INSERT INTO contacts (account_id, msisdn, metadata, created_at, updated_at)
SELECT %(account_id)s,
       '+8551' || lpad(s.i::text, 8, '0'),
       jsonb_build_object(
           'name', 'Contact ' || s.i,
           'gender', CASE WHEN s.r_gender < 0.5 THEN 'f' ELSE 'm' END,
           'date_of_birth', to_char(%(dob_start)s::date + floor(s.r_dob * %(dob_days)s)::int, 'YYYY-MM-DD'),
           'province', (%(provinces)s::text[])[s.province],
           'registered_districts', jsonb_build_array(
               s.province * 100 + 1 + floor(s.r_d1 * 8)::int,
               s.province * 100 + 1 + floor(s.r_d2 * 8)::int
           )
       ),
       now() - make_interval(secs => %(rows)s - s.i),
       now() - make_interval(secs => %(rows)s - s.i)
FROM (
    SELECT i, random() AS r_gender, random() AS r_dob, 1 + floor(random() * 25)::int AS province,
           random() AS r_d1, random() AS r_d2
    FROM generate_series(1, %(rows)s) AS i
) AS s
"""


def seeded_state(db_name: str, rows: int) -> tuple[int, str] | None:
    """Return (account id, token) when the bench database already holds the seeded contacts."""
    if not database_exists(db_name):
        return None
    try:
        with psycopg.connect(database_url(db_name)) as conn:
            found = conn.execute(
                "SELECT a.id, t.token FROM accounts a JOIN access_tokens t ON t.resource_owner_id = a.id "
                "WHERE a.metadata @> %s::jsonb ORDER BY a.id LIMIT 1",
                (json.dumps(BENCH_MARK),),
            ).fetchone()
            if found is None:
                return None
            (count,) = conn.execute(
                "SELECT count(*) FROM contacts WHERE account_id = %s", (found[0],)
            ).fetchone()
            return (found[0], found[1]) if count == rows else None
    except psycopg.Error:
        return None


def seed(db_name: str, rows: int) -> tuple[int, str]:
    from scfm.accounts.models import AccessToken, Account
    from scfm.accounts.permissions import ALL_TOKEN_PERMISSIONS_MASK

    account = Account.objects.create(metadata=BENCH_MARK)
    token = AccessToken.objects.create(
        resource_owner=account, created_by=account, permissions=ALL_TOKEN_PERMISSIONS_MASK
    )
    started = time.monotonic()
    with psycopg.connect(database_url(db_name), autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '512MB'")
        # Building the GIN index once after the load is several times faster than maintaining it.
        conn.execute("DROP INDEX IF EXISTS contacts_metadata_path_ops")
        conn.execute("SELECT setseed(0.42)")
        conn.execute(
            SEED_SQL,
            {
                "account_id": account.pk,
                "rows": rows,
                "dob_start": DOB_START,
                "dob_days": DOB_DAYS,
                "provinces": PROVINCES,
            },
        )
        inserted = time.monotonic()
        conn.execute(
            "CREATE INDEX contacts_metadata_path_ops ON contacts USING gin (metadata jsonb_path_ops)"
        )
        indexed = time.monotonic()
        conn.execute("VACUUM (ANALYZE) contacts")
    done = time.monotonic()
    print(
        f"seeded {rows:,} contacts: insert {inserted - started:.1f} s, GIN index {indexed - inserted:.1f} s, "
        f"vacuum+analyze {done - indexed:.1f} s"
    )
    return account.pk, token.token


def month_ranges(count: int) -> list[tuple[str, str]]:
    """Return `count` one-month [start, end) ranges spread over the 40 seeded years."""
    ranges = []
    months = DOB_DAYS * 12 // 365
    for index in range(count):
        offset = (index * 37) % months  # 37 is coprime with 480: every month before any repeats
        year, month = DOB_START.year + offset // 12, 1 + offset % 12
        start = dt.date(year, month, 1)
        end = dt.date(year + month // 12, month % 12 + 1, 1)
        ranges.append((start.isoformat(), end.isoformat()))
    return ranges


def range_query(start: str, end: str) -> dict[str, str]:
    return {
        "q[metadata][gender]": "f",
        "q[metadata][date_of_birth.date.gteq]": start,
        "q[metadata][date_of_birth.date.lt]": end,
    }


def get(conn: http.client.HTTPConnection, token: str, params: dict[str, str]) -> tuple[float, int, int, int]:
    """Return (seconds, status, Total, items on the page) for one list request."""
    started = time.perf_counter()
    conn.request("GET", "/api/contacts?" + urlencode(params), headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status}: {body[:300]!r}")
    return elapsed, response.status, int(response.getheader("Total")), len(json.loads(body))


def measure(port: int, token: str, label: str, queries: list[dict[str, str]], warmup: int) -> None:
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        for params in queries[:warmup]:
            get(conn, token, params)
        latencies, totals, page_sizes = [], [], []
        deadline = time.monotonic() + 600  # bounded even if the server is pathologically slow
        for params in queries:
            if time.monotonic() > deadline:
                print(f"  stopped after {len(latencies)} requests: 600 s budget spent")
                break
            elapsed, _status, total, items = get(conn, token, params)
            latencies.append(elapsed)
            totals.append(total)
            page_sizes.append(items)
    finally:
        conn.close()
    print(f"{label}")
    print(f"  latency: {summary_ms(latencies)}")
    print(
        f"  Total: min={min(totals):,} median={statistics.median(totals):,.0f} max={max(totals):,} "
        f"(first five: {', '.join(f'{t:,}' for t in totals[:5])}); "
        f"page sizes {min(page_sizes)}..{max(page_sizes)}"
    )


def explain(account_id: int, start: str, end: str) -> None:
    """Print the plans of the two queries a list request runs: the exact count and the page."""
    from django.db import connection

    from scfm.contacts.models import Contact
    from scfm.filtering.compiler import apply_filters
    from scfm.filtering.specs import CONTACT_FILTERS

    for label, q in [
        (
            "range",
            {"metadata": {"gender": "f", "date_of_birth.date.gteq": start, "date_of_birth.date.lt": end}},
        ),
        ("gender", {"metadata": {"gender": "f"}}),
    ]:
        queryset = apply_filters(Contact.objects.filter(account_id=account_id), q, CONTACT_FILTERS)
        sql, params = queryset.order_by().values("id").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) SELECT count(*) FROM ({sql}) AS counted", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        print(f"--- {label}: count\n{plan}")
        print(f"--- {label}: page of 25")
        print(queryset.order_by("-id")[:25].explain(analyze=True, buffers=True))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default="scfm_bench")
    parser.add_argument("--reseed", action="store_true", help="drop and rebuild the bench database")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--plain-requests", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--index-key", action="append", default=[], help="run `scfm index_metadata_key KEY` first"
    )
    parser.add_argument(
        "--drop-index-key", action="append", default=[], help="run `scfm index_metadata_key KEY --drop` first"
    )
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of both queries")
    args = parser.parse_args()

    state = None if args.reseed else seeded_state(args.db, args.rows)
    create_database(args.db, drop=state is None)
    setup_django(args.db)
    if state is None:
        state = seed(args.db, args.rows)
    else:
        print(f"reusing seeded database {args.db} ({args.rows:,} contacts); --reseed to rebuild")
    account_id, token = state

    for key, extra in [*((k, ["--drop"]) for k in args.drop_index_key), *((k, []) for k in args.index_key)]:
        started = time.monotonic()
        subprocess.run(
            [str(VENV_BIN / "scfm"), "index_metadata_key", key, *extra],
            cwd=REPO,
            env={**os.environ, "DATABASE_URL": database_url(args.db)},
            check=True,
            timeout=900,
        )
        print(f"index_metadata_key {key} {' '.join(extra)}: {time.monotonic() - started:.1f} s")
    with psycopg.connect(database_url(args.db)) as conn:
        indexes = [
            row[0]
            for row in conn.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'contacts' ORDER BY indexname"
            )
        ]
    print(f"contacts indexes: {', '.join(indexes)}")

    ranges = month_ranges(args.requests)
    if args.explain:
        explain(account_id, *ranges[0])

    with running_server(args.db, workers=args.workers) as server:
        port = server.port
        print(f"scfm serve --workers {args.workers} on {HOST}:{port}; {args.requests} sequential requests")
        print(f"load average before: {load_average()} (other work on this machine skews latencies)")
        measure(
            port,
            token,
            "gender=f AND date_of_birth in a one-month range (page 25 + exact Total)",
            [range_query(*r) for r in ranges],
            warmup=5,
        )
        measure(
            port,
            token,
            "gender=f (page 25 + exact Total)",
            [{"q[metadata][gender]": "f"}] * args.plain_requests,
            warmup=3,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
