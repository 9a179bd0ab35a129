"""Shared kernel: timestamps and account scoping used by every tenant-owned model."""

from typing import Self

from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True


class AccountScopedQuerySet(models.QuerySet):
    def for_account(self, account) -> Self:
        return self.filter(account=account)
