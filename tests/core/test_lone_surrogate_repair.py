"""The migration that repairs rows stored with a lone surrogate before the API refused them."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from scfm.contacts.models import Contact
from tests import factories

pytestmark = pytest.mark.django_db

repair = importlib.import_module("scfm.core.migrations.0001_replace_lone_surrogates")


def test_replaced_keeps_emoji_and_replaces_lone_surrogates():
    value = {"a\ud800": ["x\udfffy", {"mood": "😀"}], "n": 1}
    assert repair.replaced(value) == {"a\ufffd": ["x\ufffdy", {"mood": "😀"}], "n": 1}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL's jsonb never held one")
def test_poisoned_sqlite_rows_become_readable(account, api):
    poisoned = factories.ContactFactory(account=account, msisdn="+855972345601", metadata={"x": 1})
    emoji = factories.ContactFactory(account=account, msisdn="+855972345602", metadata={"mood": "😀"})
    with connection.cursor() as cursor:  # as the API stored it before: JSON text with the escape
        cursor.execute(
            "UPDATE contacts SET metadata = %s WHERE id = %s", ['{"name": "Da\\ud800ra"}', poisoned.pk]
        )
    api.raise_request_exception = False
    assert api.get("/api/contacts").status_code == 500  # what such a row did to the account's list

    # The migration only uses the editor's connection (SQLite opens no schema editor in a transaction).
    repair.replace_lone_surrogates(apps, SimpleNamespace(connection=connection))

    assert Contact.objects.get(pk=poisoned.pk).metadata == {"name": "Da\ufffdra"}
    assert Contact.objects.get(pk=emoji.pk).metadata == {"mood": "😀"}
    assert api.get("/api/contacts").status_code == 200
