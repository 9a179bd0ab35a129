"""Read-only admin over every account's callouts, populations and participations."""

from django.contrib import admin
from django.utils.html import format_html

from scfm.accounts.admin import CallFlowLogicFilter
from scfm.accounts.models import Account, User
from scfm.callouts.models import BatchOperation, Callout, CalloutParticipation
from scfm.contacts.models import Contact
from scfm.core.admin import (
    BigTableAdmin,
    ExactSearchMixin,
    ReadOnlyAdmin,
    change_link,
    changelist_link,
    id_link_column,
)


@admin.register(Callout)
class CalloutAdmin(ExactSearchMixin, ReadOnlyAdmin):
    list_display = ("id", "account_link", "status", "call_flow_logic", "created_by_email", "created_at")
    list_filter = ("status", CallFlowLogicFilter, "account__platform_provider_name", "created_at")
    list_select_related = ("created_by",)
    exact_search_fields = ("id", "account")
    contains_search_fields = ("audio_url",)
    search_help_text = "Callout or account id, or part of the audio URL."
    fields = (
        "id",
        "account",
        "status",
        "call_flow_logic",
        "audio_url",
        "audio_file",
        "metadata",
        "settings",
        "created_by",
        "related_records",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    account_link = id_link_column(Account, "account_id", "account")

    @admin.display(description="created by")
    def created_by_email(self, obj):
        if obj.created_by is None:
            return "-"
        return change_link(User, obj.created_by_id, obj.created_by.email)

    @admin.display(description="related records")
    def related_records(self, obj):
        return format_html(
            "{} · {} · {}",
            changelist_link(BatchOperation, "populations", callout__id__exact=obj.pk),
            changelist_link(CalloutParticipation, "participations", callout__id__exact=obj.pk),
            # Phone calls sit above callouts: reached through the reverse relation, not imported.
            changelist_link(obj.phone_calls.model, "phone calls", callout__id__exact=obj.pk),
        )


@admin.register(BatchOperation)
class BatchOperationAdmin(ExactSearchMixin, ReadOnlyAdmin):
    list_display = ("id", "type", "status", "account_link", "callout_link", "claimed_by", "created_at")
    list_filter = ("status", "type", "created_at")
    list_select_related = False
    exact_search_fields = ("id", "account", "callout")
    search_help_text = "Population, account or callout id."
    fields = (
        "id",
        "type",
        "status",
        "account",
        "callout",
        "parameters",
        "metadata",
        "claimed_by",
        "claim_expires_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    account_link = id_link_column(Account, "account_id", "account")

    callout_link = id_link_column(Callout, "callout_id", "callout")


@admin.register(CalloutParticipation)
class CalloutParticipationAdmin(ExactSearchMixin, BigTableAdmin):
    list_display = (
        "id",
        "msisdn",
        "callout_link",
        "contact_link",
        "answered",
        "phone_calls_count",
        "call_flow_logic",
        "created_at",
    )
    list_filter = ("answered", CallFlowLogicFilter, "created_at")
    list_select_related = False
    exact_search_fields = ("id", "msisdn")
    search_help_text = "Exact MSISDN (with or without the leading +) or participation id."
    fields = (
        "id",
        "callout",
        "contact",
        "callout_population",
        "msisdn",
        "call_flow_logic",
        "answered",
        "phone_calls_count",
        "metadata",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    callout_link = id_link_column(Callout, "callout_id", "callout")

    contact_link = id_link_column(Contact, "contact_id", "contact")
