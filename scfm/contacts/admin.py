"""Read-only admin over every account's contacts (a table of millions of rows)."""

from django.contrib import admin
from django.utils.html import format_html

from scfm.accounts.admin import BigTableAdmin, ExactSearchMixin, changelist_link, id_link_column
from scfm.accounts.models import Account
from scfm.contacts.models import Contact


@admin.register(Contact)
class ContactAdmin(ExactSearchMixin, BigTableAdmin):
    list_display = ("id", "msisdn", "account_link", "created_at")
    list_filter = ("created_at",)
    list_select_related = False
    exact_search_fields = ("id", "msisdn")
    search_help_text = "Exact MSISDN (with or without the leading +) or contact id."
    fields = ("id", "account", "msisdn", "metadata", "related_records", "created_at", "updated_at")
    readonly_fields = fields

    account_link = id_link_column(Account, "account_id", "account")

    @admin.display(description="related records")
    def related_records(self, obj):
        from scfm.callouts.models import CalloutParticipation
        from scfm.calls.models import PhoneCall

        return format_html(
            "{} · {}",
            changelist_link(CalloutParticipation, "callout participations", contact__id__exact=obj.pk),
            changelist_link(PhoneCall, "phone calls", contact__id__exact=obj.pk),
        )
