import pytest

from scfm.contacts.models import Contact
from scfm.filtering.compiler import apply_filters
from scfm.filtering.specs import CONTACT_FILTERS


@pytest.fixture
def contacts(account):
    """Create one contact per metadata document and return them in order."""

    def create(*documents: dict) -> list[Contact]:
        return Contact.objects.bulk_create(
            Contact(account=account, msisdn=f"+85510{index:06d}", metadata=document)
            for index, document in enumerate(documents)
        )

    return create


@pytest.fixture
def matching(account):
    """Return the positions (in `created`) of contacts that `q[metadata]` selects."""

    def select(created: list[Contact], metadata_filter) -> list[int]:
        queryset = apply_filters(
            Contact.objects.for_account(account), {"metadata": metadata_filter}, CONTACT_FILTERS
        )
        ids = set(queryset.values_list("id", flat=True))
        return [index for index, contact in enumerate(created) if contact.id in ids]

    return select
