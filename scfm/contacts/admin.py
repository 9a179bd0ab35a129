"""Read-only admin over every account's contacts (a table of millions of rows)."""

from django.contrib import admin
from django.utils.html import format_html

from scfm.accounts.models import Account
from scfm.contacts.models import Contact
from scfm.core.admin import BigTableAdmin, ExactSearchMixin, changelist_link, id_link_column


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
        # Participations and phone calls sit above contacts: reached through the reverse
        # relations, not imported.
        participations = obj.callout_participations.model
        return format_html(
            "{} · {}",
            changelist_link(participations, "callout participations", contact__id__exact=obj.pk),
            changelist_link(obj.phone_calls.model, "phone calls", contact__id__exact=obj.pk),
        )
