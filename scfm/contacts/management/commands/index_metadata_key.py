"""PostgreSQL: index the text of one contact metadata key so `.date` range filters on it use an index.

`q[metadata][date_of_birth.date.gteq]=…` compares the date part of the value; alongside that
test the filter compiler emits a plain comparison of the value's text that a btree index on
`((metadata ->> 'date_of_birth') COLLATE "C")` serves (scfm.filtering.json_filters). This command
creates that index without blocking writes (CONCURRENTLY), then analyzes the table (with a fine
histogram for the key) so the planner knows how the key's values are spread.
"""

import hashlib
import json
import re

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from scfm.contacts.models import Contact

_SLUG = re.compile(r"[^a-z0-9]+")
STATISTICS_TARGET = 1000


def index_name(path: list[str]) -> str:
    slug = _SLUG.sub("_", "_".join(path).lower()).strip("_")[:30] or "key"
    digest = hashlib.sha1(json.dumps(path).encode()).hexdigest()[:8]
    return f"contacts_metadata_key_{slug}_{digest}"


def key_expression(path: list[str], quote) -> str:
    """Return `metadata -> 'a' ->> 'b'` exactly as the filter compiler writes it, with literals."""
    *parents, last = path
    steps = "".join(f" -> {quote(segment)}::text" for segment in parents)
    return f'((metadata{steps} ->> {quote(last)}::text) COLLATE "C")'


class Command(BaseCommand):
    help = (
        "PostgreSQL only: create (CONCURRENTLY) a btree index on the text of the contact metadata "
        "key KEY (nested keys as separate arguments), so `q[metadata][KEY.date.*]` range filters "
        "use it. --drop removes it."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="+", metavar="KEY", help="metadata key; nested keys in order")
        parser.add_argument("--drop", action="store_true", help="drop the index instead")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("index_metadata_key needs PostgreSQL; SQLite filters do not use such an index")
        path = options["path"]
        if any(not segment or "\x00" in segment for segment in path):
            raise CommandError("keys must be non-empty and must not contain NUL characters")
        name = index_name(path)
        table = connection.ops.quote_name(Contact._meta.db_table)
        quoted_name = connection.ops.quote_name(name)
        # CONCURRENTLY cannot run inside a transaction; management commands run in autocommit.
        with connection.cursor() as cursor:
            if options["drop"]:
                cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {quoted_name}")
                self.stdout.write(f"Dropped index {name} (if it existed)")
                return
            cursor.execute(
                "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE c.relname = %s AND c.relnamespace = current_schema()::regnamespace",
                [name],
            )
            found = cursor.fetchone()
            if found is not None and not found[0]:
                # A concurrent build that failed leaves an invalid index behind: rebuild it.
                cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {quoted_name}")
                found = None
            if found is None:
                expression = key_expression(path, lambda text: _literal(cursor, text))
                cursor.execute(
                    f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {quoted_name} ON {table} ({expression})"
                )
                # A fine histogram of the key's values: with the default 100 buckets a one-month
                # range over decades of birth dates is misestimated by 2x, enough for the planner
                # to also scan a large GIN match (`gender=f`) and AND the bitmaps, 5x slower.
                cursor.execute(f"ALTER INDEX {quoted_name} ALTER COLUMN 1 SET STATISTICS {STATISTICS_TARGET}")
                cursor.execute(f"ANALYZE {table}")
                self.stdout.write(f"Created index {name} on {expression}")
            else:
                self.stdout.write(f"Index {name} already exists")


def _literal(cursor, text: str) -> str:
    """Quote `text` as an SQL string literal with the server's own rules."""
    cursor.execute("SELECT quote_literal(%s::text)", [text])
    return cursor.fetchone()[0]
