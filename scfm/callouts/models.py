from django.db import models

from scfm.accounts.models import Account, User
from scfm.callouts.states import BatchOperationStatus, CalloutStatus
from scfm.contacts.models import Contact
from scfm.core.models import AccountScopedQuerySet, TimeStampedModel

CALLOUT_POPULATION = "BatchOperation::CalloutPopulation"


class Callout(TimeStampedModel):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="callouts")
    status = models.CharField(
        max_length=32, choices=CalloutStatus.choices, default=CalloutStatus.INITIALIZED, db_index=True
    )
    call_flow_logic = models.CharField(max_length=255)
    metadata = models.JSONField(default=dict)
    audio_url = models.CharField(max_length=2048, null=True, blank=True)
    audio_file = models.FileField(upload_to="callouts/audio/", null=True, blank=True)
    settings = models.JSONField(default=dict)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = AccountScopedQuerySet.as_manager()

    class Meta:
        db_table = "callouts"

    def __str__(self) -> str:
        return f"Callout {self.pk}"


class BatchOperation(TimeStampedModel):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="batch_operations")
    callout = models.ForeignKey(Callout, null=True, on_delete=models.PROTECT, related_name="batch_operations")
    parameters = models.JSONField(default=dict)
    metadata = models.JSONField(default=dict)
    status = models.CharField(
        max_length=32,
        choices=BatchOperationStatus.choices,
        default=BatchOperationStatus.PREVIEW,
        db_index=True,
    )
    type = models.CharField(max_length=255, default=CALLOUT_POPULATION)
    # Lease held by the engine's populate loop while it runs this operation.
    claimed_by = models.CharField(max_length=255, null=True, blank=True)
    claim_expires_at = models.DateTimeField(null=True, blank=True)

    objects = AccountScopedQuerySet.as_manager()

    class Meta:
        db_table = "batch_operations"

    def __str__(self) -> str:
        return f"Callout population {self.pk}"

    @property
    def contact_filter_params(self) -> dict:
        params = self.parameters.get("contact_filter_params") if isinstance(self.parameters, dict) else None
        return params if isinstance(params, dict) else {}


class CalloutParticipationQuerySet(models.QuerySet):
    def for_account(self, account):
        return self.filter(callout__account=account)


class CalloutParticipation(TimeStampedModel):
    # Indexed by participations_callout_contact_unique (callout first).
    callout = models.ForeignKey(
        Callout, on_delete=models.PROTECT, related_name="callout_participations", db_index=False
    )
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="callout_participations")
    # No database constraint: only a population sets it, on the participations it inserts while it
    # is running, and delete_population locks the population and refuses while it is running or
    # has participations. PostgreSQL would check it row by row for a million participations.
    callout_population = models.ForeignKey(
        BatchOperation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="callout_participations",
        db_constraint=False,
    )
    msisdn = models.CharField(max_length=32)
    call_flow_logic = models.CharField(max_length=255)
    metadata = models.JSONField(default=dict)
    answered = models.BooleanField(default=False)
    phone_calls_count = models.IntegerField(default=0)
    # Not indexed: no query reads participations by their timestamps alone.
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CalloutParticipationQuerySet.as_manager()

    class Meta:
        db_table = "callout_participations"
        constraints = [
            models.UniqueConstraint(
                fields=["callout", "contact"], name="participations_callout_contact_unique"
            ),
            models.UniqueConstraint(
                fields=["callout", "msisdn"], name="participations_callout_msisdn_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"Callout participation {self.pk}"
