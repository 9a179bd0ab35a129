from django.db import models

from scfm.accounts.models import Account
from scfm.callouts.models import Callout, CalloutParticipation
from scfm.calls.recording_storage import recording_storage
from scfm.calls.states import IN_FLIGHT_STATUSES, INITIAL_STATUS, PhoneCallStatus
from scfm.contacts.models import Contact
from scfm.core.models import AccountScopedQuerySet, TimeStampedModel


class PhoneCall(TimeStampedModel):
    # No database constraint on the four references below: a population inserts a million calls
    # at once and PostgreSQL checks each constraint row by row (a third of the population's time).
    # Integrity holds without them:
    # - callout_participation: a call is inserted in the same statement or transaction as its
    #   participation (population, API), or while the participation is locked FOR UPDATE (retry);
    #   calls are never deleted, and delete_participation locks the participation and refuses
    #   while it has calls.
    # - callout, contact, account of a participation's call are copies of the participation's
    #   callout and contact (kept by the account reference lock, see scfm.core.locks) and of that
    #   callout's account.
    # - contact and account of an inbound call: the call is inserted under the account's shared
    #   reference lock, and delete_contact takes it exclusively and refuses while the contact has
    #   calls; an account with contacts cannot be deleted.
    callout_participation = models.ForeignKey(
        CalloutParticipation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="phone_calls",
        db_constraint=False,
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.PROTECT, related_name="phone_calls", db_constraint=False
    )
    status = models.CharField(max_length=32, choices=PhoneCallStatus.choices, default=INITIAL_STATUS)
    msisdn = models.CharField(max_length=32)
    remote_call_id = models.CharField(max_length=255, null=True, blank=True)
    remote_status = models.CharField(max_length=64, null=True, blank=True)
    remote_direction = models.CharField(max_length=64, null=True, blank=True)
    remote_error_message = models.TextField(null=True, blank=True)
    metadata = models.JSONField(default=dict)
    remote_response = models.JSONField(default=dict)
    remote_queue_response = models.JSONField(default=dict)
    call_flow_logic = models.CharField(max_length=255)
    remotely_queued_at = models.DateTimeField(null=True, blank=True)
    duration = models.IntegerField(default=0)  # seconds
    lock_version = models.IntegerField(default=0)  # bumped by every conditional status UPDATE
    # Indexed by phone_calls_account_status (account first), as callout by phone_calls_callout_status.
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="phone_calls", db_index=False, db_constraint=False
    )
    remote_status_fetch_queued_at = models.DateTimeField(null=True, blank=True)
    callout = models.ForeignKey(
        Callout,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="phone_calls",
        db_index=False,
        db_constraint=False,
    )
    # Engine bookkeeping, not part of the API's JSON.
    claimed_by = models.CharField(max_length=255, null=True, blank=True)  # the engine handing it over
    claim_expires_at = models.DateTimeField(null=True, blank=True)  # after this, the hand-over is unknown
    retry_at = models.DateTimeField(null=True, blank=True)  # when the next attempt is due, if one is
    # Set by the dial loop on a `created` call it found outside its calling window: when the window
    # opens (real time). The call is not claimed before then.
    window_opens_at = models.DateTimeField(null=True, blank=True)
    # When the engine started (or skipped) the RapidPro flow of a completed
    # PlayMessageStartRapidproFlow call; details go to metadata["rapidpro"] as in the reference.
    rapidpro_handled_at = models.DateTimeField(null=True, blank=True)
    # Not indexed: no query reads calls by their timestamps alone (every index costs each insert).
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AccountScopedQuerySet.as_manager()

    class Meta:
        db_table = "phone_calls"
        constraints = [
            # Calls are looked up by CallSid (webhooks, reconciliation); most have none yet, and
            # a partial index costs them nothing.
            models.UniqueConstraint(
                fields=["remote_call_id"],
                name="phone_calls_remote_call_id_unique",
                condition=models.Q(remote_call_id__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["callout", "status"], name="phone_calls_callout_status"),
            # The API's msisdn filter.
            models.Index(fields=["msisdn"], name="phone_calls_msisdn"),
            # Calls of an account by status: the API's lists, the concurrency cap's count.
            models.Index(fields=["account", "status", "id"], name="phone_calls_account_status"),
            # Read by the engine's dial loop: a callout's created calls, oldest first, apart from
            # those held for their calling window (indexed below by when it opens).
            models.Index(
                fields=["callout", "id"],
                name="phone_calls_dial_queue",
                condition=models.Q(status=INITIAL_STATUS, window_opens_at__isnull=True),
            ),
            models.Index(
                fields=["callout", "window_opens_at"],
                name="phone_calls_window_wait",
                condition=models.Q(status=INITIAL_STATUS, window_opens_at__isnull=False),
            ),
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
            # Read by the engine's reconcile loop: calls at the provider, not yet final.
            models.Index(
                fields=["id"], name="phone_calls_in_flight", condition=models.Q(status__in=IN_FLIGHT_STATUSES)
            ),
            # Read by the engine's retry loop.
            models.Index(
                fields=["retry_at"], name="phone_calls_retry_due", condition=models.Q(retry_at__isnull=False)
            ),
            # Read by the completion loop (scfm.calls.callout_completion): does a callout still have
            # a pending retry? Partial: it costs a population's inserts nothing.
            models.Index(
                fields=["callout"],
                name="phone_calls_retry_pending",
                condition=models.Q(retry_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Phone call {self.pk}"


class RemotePhoneCallEventQuerySet(models.QuerySet["RemotePhoneCallEvent"]):
    def for_account(self, account: Account) -> "RemotePhoneCallEventQuerySet":
        return self.filter(phone_call__account=account)


class RemotePhoneCallEvent(TimeStampedModel):
    phone_call = models.ForeignKey(
        PhoneCall, on_delete=models.PROTECT, related_name="remote_phone_call_events"
    )
    details = models.JSONField(default=dict)  # the reference's nine params, as the API shows them
    # Every parameter of the provider's request, as sent (SipResponseCode, RecordingUrl, Timestamp…).
    # Not in the API's JSON: the reference's shape stays as clients know it.
    provider_params = models.JSONField(default=dict)
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


class Recording(TimeStampedModel):
    """A recording the provider made on a call (a `<Record>` verb), and its audio once fetched.

    The provider's recording status callback creates the row; the engine's recordings loop then
    downloads the audio with the account's credentials into `audio_file` (private storage, see
    scfm.calls.recording_storage), retrying with a growing delay while the provider fails.
    """

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="recordings")
    phone_call = models.ForeignKey(PhoneCall, on_delete=models.PROTECT, related_name="recordings")
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="recordings")
    external_recording_id = models.CharField(max_length=255)  # the provider's RecordingSid
    external_recording_url = models.CharField(max_length=1000)  # RecordingUrl, without an extension
    duration = models.IntegerField(default=0)  # seconds
    audio_file = models.FileField(storage=recording_storage, max_length=255, blank=True)
    audio_content_type = models.CharField(max_length=64, blank=True, default="")
    # Engine bookkeeping for the audio download, not part of the API's JSON.
    audio_fetch_attempts = models.IntegerField(default=0)
    audio_fetch_due_at = models.DateTimeField(null=True, blank=True)  # null once fetched or given up
    audio_fetch_error = models.TextField(blank=True, default="")

    objects = AccountScopedQuerySet.as_manager()

    class Meta:
        db_table = "recordings"
        constraints = [
            # A provider repeats a callback it got no answer to: one recording per RecordingSid.
            models.UniqueConstraint(fields=["external_recording_id"], name="recordings_external_id_unique"),
        ]
        indexes = [
            # Read by the engine's recordings loop: recordings whose audio is due to be fetched.
            models.Index(
                fields=["audio_fetch_due_at"],
                name="recordings_audio_fetch_due",
                condition=models.Q(audio_fetch_due_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Recording {self.pk}"
