from django.db import models

from scfm.accounts.models import Account
from scfm.core.models import AccountScopedQuerySet, TimeStampedModel


class Contact(TimeStampedModel):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="contacts")
    msisdn = models.CharField(max_length=32)  # E.164 with '+'; inbound callers may be raw caller IDs
    metadata = models.JSONField(default=dict)

    objects = AccountScopedQuerySet.as_manager()

    class Meta:
        db_table = "contacts"
        constraints = [
            models.UniqueConstraint(fields=["account", "msisdn"], name="contacts_account_msisdn_unique"),
        ]
        # On PostgreSQL a jsonb_path_ops GIN index on metadata is added by migration 0002.

    def __str__(self) -> str:
        return self.msisdn
