"""PostgreSQL only: metadata equality, `in` and `any` filters are served by the GIN index."""

import pytest
from django.db import connection

from scfm.contacts.models import Contact
from scfm.filtering.compiler import apply_filters
from scfm.filtering.specs import CONTACT_FILTERS

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="jsonb_path_ops GIN index is PostgreSQL only"
    ),
]


@pytest.fixture
def many_contacts(account):
    Contact.objects.bulk_create(
        (
            Contact(
                account=account,
                msisdn=f"+85530{index:06d}",
                metadata={
                    "district": f"d{index % 500}",
                    "age": index % 90,
                    "tags": [f"t{index % 700}"],
                    "address": {"0": f"street {index % 300}"},
                },
            )
            for index in range(20_000)
        ),
        batch_size=2_000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE contacts")


@pytest.mark.parametrize(
    ("metadata_filter", "expected_count"),
    [
        ({"district": "d7"}, 40),
        ({"age": "42"}, 222),
        ({"district.in": ["d7", "d8"]}, 80),
        ({"tags.any": ["t1", "t2"]}, 58),
        ({"address": {"0": "street 5"}}, 67),
    ],
)
def test_equality_in_and_any_use_the_gin_index(account, many_contacts, metadata_filter, expected_count):
    # Unscoped, so that the account index is no alternative: the question is whether the filter
    # condition itself can use the GIN index, not which index the planner prefers for one account.
    queryset = apply_filters(Contact.objects.all(), {"metadata": metadata_filter}, CONTACT_FILTERS)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # prove the index is usable, whatever the costs
    plan = queryset.explain()
    assert "Bitmap Index Scan on contacts_metadata_path_ops" in plan, plan
    assert queryset.count() == expected_count
