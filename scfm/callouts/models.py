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
    # The account's call flow (call flows as data) its calls run, with `call_flow_logic`
    # CallFlowLogic::DataFlow; None for the built-in logics.
    call_flow = models.ForeignKey(
        "CallFlow", null=True, blank=True, on_delete=models.PROTECT, related_name="callouts"
    )
    metadata = models.JSONField(default=dict)
    audio_url = models.CharField(max_length=2048, null=True, blank=True)
    audio_file = models.FileField(upload_to="callouts/audio/", null=True, blank=True)
    settings = models.JSONField(default=dict)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Set by the engine when every participation of the started callout is final (answered, out of
    # attempts, never to be retried, or past `stop_at`); cleared if new calls are added after.
    completed_at = models.DateTimeField(null=True, blank=True)

    objects = AccountScopedQuerySet.as_manager()

    class Meta:
        db_table = "callouts"

    def __str__(self) -> str:
        return f"Callout {self.pk}"


class CallFlow(TimeStampedModel):
    """An account's call flow written in the call flow language (scfm.call_flows.flow_schema).

    Never edited in place: each update adds a version, and a call keeps the version it started
    with (pinned in its metadata by scfm.calls.dialogs), so an edit cannot change a call midway.
    """

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="call_flows")
    name = models.CharField(max_length=255)
    version = models.PositiveIntegerField(default=1)  # the number of the latest version
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = AccountScopedQuerySet.as_manager()

    class Meta:
        db_table = "call_flows"

    def __str__(self) -> str:
        return self.name


class CallFlowVersion(models.Model):
    call_flow = models.ForeignKey(CallFlow, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    document = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "call_flow_versions"
        constraints = [
            models.UniqueConstraint(fields=["call_flow", "number"], name="call_flow_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.call_flow_id} v{self.number}"


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
    # No database constraint on the three references below: a population inserts a million
    # participations at once and PostgreSQL would check each constraint row by row (a constraint
    # on contact and callout cost 40 % of the population's time). Integrity holds without them:
    # - callout, contact: inserted under the account's shared reference lock, and
    #   delete_contact / delete_callout take it exclusively and refuse while dependents exist
    #   (scfm.core.locks);
    # - callout_population: only a population sets it, on the participations it inserts while it
    #   is running, and delete_population locks the population and refuses while it is running or
    #   has participations.
    # Django's PROTECT still guards deletes made through the ORM.
    # No index of their own either: the unique constraints below lead with each of them.
    callout = models.ForeignKey(
        Callout,
        on_delete=models.PROTECT,
        related_name="callout_participations",
        db_index=False,
        db_constraint=False,
    )
    contact = models.ForeignKey(
        Contact,
        on_delete=models.PROTECT,
        related_name="callout_participations",
        db_index=False,
        db_constraint=False,
    )
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
                fields=["contact", "callout"], name="participations_contact_callout_unique"
            ),
            models.UniqueConstraint(
                fields=["callout", "msisdn"], name="participations_callout_msisdn_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"Callout participation {self.pk}"
