from django.db import models

from scfm.accounts.models import Account
from scfm.callouts.models import Callout, CalloutParticipation
from scfm.calls.states import PhoneCallStatus
from scfm.contacts.models import Contact
from scfm.core.models import AccountScopedQuerySet, TimeStampedModel


class PhoneCall(TimeStampedModel):
    callout_participation = models.ForeignKey(
        CalloutParticipation, null=True, blank=True, on_delete=models.PROTECT, related_name="phone_calls"
    )
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="phone_calls")
    status = models.CharField(
        max_length=32, choices=PhoneCallStatus.choices, default=PhoneCallStatus.CREATED, db_index=True
    )
    msisdn = models.CharField(max_length=32, db_index=True)
    remote_call_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    remote_status = models.CharField(max_length=64, null=True, blank=True)
    remote_direction = models.CharField(max_length=64, null=True, blank=True)
    remote_error_message = models.TextField(null=True, blank=True)
    metadata = models.JSONField(default=dict)
    remote_response = models.JSONField(default=dict)
    remote_queue_response = models.JSONField(default=dict)
    call_flow_logic = models.CharField(max_length=255)
    remotely_queued_at = models.DateTimeField(null=True, blank=True, db_index=True)
    duration = models.IntegerField(default=0)  # seconds
    lock_version = models.IntegerField(default=0)  # bumped by every conditional status UPDATE
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="phone_calls")
    remote_status_fetch_queued_at = models.DateTimeField(null=True, blank=True, db_index=True)
    callout = models.ForeignKey(
        Callout, null=True, blank=True, on_delete=models.PROTECT, related_name="phone_calls"
    )
    # Engine bookkeeping, not part of the API's JSON.
    claimed_by = models.CharField(max_length=255, null=True, blank=True)  # the engine handing it over
    claim_expires_at = models.DateTimeField(null=True, blank=True)  # after this, the hand-over is unknown
    retry_at = models.DateTimeField(null=True, blank=True)  # when the next attempt is due, if one is
    # When the engine started (or skipped) the RapidPro flow of a completed
    # PlayMessageStartRapidproFlow call; details go to metadata["rapidpro"] as in the reference.
    rapidpro_handled_at = models.DateTimeField(null=True, blank=True)

    objects = AccountScopedQuerySet.as_manager()

    class Meta:
        db_table = "phone_calls"
        indexes = [
            models.Index(fields=["callout", "status"], name="phone_calls_callout_status"),
            # Read by the engine's dial loop: created calls of an account, oldest first.
            models.Index(fields=["account", "status", "id"], name="phone_calls_account_status"),
            # Read by the engine's RapidPro loop: completed calls whose flow start is due.
            models.Index(
                fields=["id"],
                name="phone_calls_rapidpro_due",
                condition=models.Q(
                    call_flow_logic="CallFlowLogic::PlayMessageStartRapidproFlow",
                    status="completed",
                    rapidpro_handled_at__isnull=True,
                ),
            ),
            # Read by the engine's retry loop.
            models.Index(
                fields=["retry_at"], name="phone_calls_retry_due", condition=models.Q(retry_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"Phone call {self.pk}"


class RemotePhoneCallEventQuerySet(models.QuerySet):
    def for_account(self, account):
        return self.filter(phone_call__account=account)


class RemotePhoneCallEvent(TimeStampedModel):
    phone_call = models.ForeignKey(
        PhoneCall, on_delete=models.PROTECT, related_name="remote_phone_call_events"
    )
    details = models.JSONField(default=dict)
    metadata = models.JSONField(default=dict)
    remote_call_id = models.CharField(max_length=255)
    remote_direction = models.CharField(max_length=64)
    call_flow_logic = models.CharField(max_length=255)
    call_duration = models.IntegerField(default=0)

    objects = RemotePhoneCallEventQuerySet.as_manager()

    class Meta:
        db_table = "remote_phone_call_events"

    def __str__(self) -> str:
        return f"Phone call event {self.pk}"
