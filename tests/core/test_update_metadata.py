"""The generic metadata update merges into the row as stored, not into a stale copy of it."""

import pytest

from scfm.calls.models import RemotePhoneCallEvent
from scfm.core.metadata import update_metadata
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_merge_from_a_stale_read_keeps_keys_merged_meanwhile():
    event = factories.RemotePhoneCallEventFactory(metadata={"source": "twilio"})
    stale = RemotePhoneCallEvent.objects.get(pk=event.pk)
    update_metadata(instance=RemotePhoneCallEvent.objects.get(pk=event.pk), data={"metadata": {"a": 1}})
    update_metadata(instance=stale, data={"metadata": {"b": 2}})
    assert RemotePhoneCallEvent.objects.get(pk=event.pk).metadata == {"source": "twilio", "a": 1, "b": 2}
