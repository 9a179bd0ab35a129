"""Read-only admin over every account's phone calls and provider events (millions of rows)."""

from django.contrib import admin

from scfm.accounts.admin import CallFlowLogicFilter
from scfm.accounts.models import Account
from scfm.callouts.models import Callout
from scfm.calls.models import PhoneCall, Recording, RemotePhoneCallEvent
from scfm.core.admin import (
    BigTableAdmin,
    ExactSearchMixin,
    FixedChoicesFilter,
    changelist_link,
    id_link_column,
)


class RemoteDirectionFilter(FixedChoicesFilter):
    title = "remote direction"
    parameter_name = field_name = "remote_direction"
    options = (("inbound", "inbound"), ("outbound-api", "outbound-api"), ("outbound-dial", "outbound-dial"))


@admin.register(PhoneCall)
class PhoneCallAdmin(ExactSearchMixin, BigTableAdmin):
    list_display = (
        "id",
        "msisdn",
        "status",
        "remote_status",
        "account_link",
        "callout_link",
        "call_flow_logic",
        "duration",
        "remotely_queued_at",
        "created_at",
    )
    list_filter = (
        "status",
        "account__platform_provider_name",
        RemoteDirectionFilter,
        CallFlowLogicFilter,
        "created_at",
    )
    list_select_related = False
    sortable_by = ("id", "created_at", "remotely_queued_at")
    exact_search_fields = ("id", "msisdn", "remote_call_id")
    search_help_text = "Exact MSISDN (with or without the leading +), provider call SID or phone call id."
    fields = (
        "id",
        "account",
        "callout",
        "callout_participation",
        "contact",
        "msisdn",
        "status",
        "call_flow_logic",
        "remote_call_id",
        "remote_status",
        "remote_direction",
        "remote_error_message",
        "duration",
        "remotely_queued_at",
        "remote_status_fetch_queued_at",
        "retry_at",
        "rapidpro_handled_at",
        "claimed_by",
        "claim_expires_at",
        "lock_version",
        "metadata",
        "remote_response",
        "remote_queue_response",
        "events",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    account_link = id_link_column(Account, "account_id", "account")

    callout_link = id_link_column(Callout, "callout_id", "callout")

    @admin.display(description="provider events")
    def events(self, obj):
        return changelist_link(RemotePhoneCallEvent, "provider events", phone_call__id__exact=obj.pk)


@admin.register(RemotePhoneCallEvent)
class RemotePhoneCallEventAdmin(ExactSearchMixin, BigTableAdmin):
    list_display = (
        "id",
        "phone_call_link",
        "remote_call_id",
        "remote_direction",
        "call_duration",
        "call_flow_logic",
        "created_at",
    )
    list_filter = (RemoteDirectionFilter, CallFlowLogicFilter, "created_at")
    list_select_related = False
    exact_search_fields = ("id", "remote_call_id", "phone_call")
    search_help_text = "Provider call SID, event id or phone call id."
    fields = (
        "id",
        "phone_call",
        "remote_call_id",
        "remote_direction",
        "call_flow_logic",
        "call_duration",
        "details",
        "provider_params",
        "metadata",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    phone_call_link = id_link_column(PhoneCall, "phone_call_id", "phone call")


@admin.register(Recording)
class RecordingAdmin(ExactSearchMixin, BigTableAdmin):
    list_display = (
        "id",
        "phone_call_link",
        "account_link",
        "external_recording_id",
        "duration",
        "stored_audio",
        "audio_fetch_attempts",
        "created_at",
    )
    list_filter = ("created_at",)
    list_select_related = False
    exact_search_fields = ("id", "external_recording_id", "phone_call")
    search_help_text = "Provider recording SID, recording id or phone call id."
    fields = (
        "id",
        "account",
        "phone_call",
        "contact",
        "external_recording_id",
        "external_recording_url",
        "duration",
        "stored_audio",
        "audio_content_type",
        "audio_fetch_attempts",
        "audio_fetch_due_at",
        "audio_fetch_error",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    phone_call_link = id_link_column(PhoneCall, "phone_call_id", "phone call")
    account_link = id_link_column(Account, "account_id", "account")

    @admin.display(description="audio file")
    def stored_audio(self, obj):
        # The name only: Django would link the file's URL, and private storage has none.
        return obj.audio_file.name or "—"
