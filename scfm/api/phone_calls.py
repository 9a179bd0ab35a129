from django.shortcuts import get_object_or_404
from rest_framework import serializers

from scfm.api.base import ResourceViewSet
from scfm.api.fields import TimestampField
from scfm.api.schema import documented
from scfm.callouts.models import Callout, CalloutParticipation
from scfm.calls.models import PhoneCall
from scfm.contacts.models import Contact
from scfm.filtering.specs import PHONE_CALL_FILTERS


class PhoneCallOutput(serializers.ModelSerializer):
    remotely_queued_at = TimestampField()
    created_at = TimestampField()
    updated_at = TimestampField()
    remote_status_fetch_queued_at = TimestampField()

    class Meta:
        model = PhoneCall
        fields = [
            "id",
            "callout_participation_id",
            "contact_id",
            "status",
            "msisdn",
            "remote_call_id",
            "remote_status",
            "remote_direction",
            "remote_error_message",
            "metadata",
            "remote_response",
            "remote_queue_response",
            "call_flow_logic",
            "remotely_queued_at",
            "created_at",
            "updated_at",
            "duration",
            "lock_version",
            "account_id",
            "remote_status_fetch_queued_at",
            "callout_id",
        ]


@documented("Phone calls", output=PhoneCallOutput, actions=("list", "retrieve"))
class PhoneCallViewSet(ResourceViewSet):
    """Phone calls are read-only: the engine and the provider's webhooks write them."""

    resource = "phone_calls"
    output_serializer_class = PhoneCallOutput
    filter_spec = PHONE_CALL_FILTERS
    sortable_columns = (
        "id",
        "created_at",
        "updated_at",
        "status",
        "msisdn",
        "duration",
        "callout_id",
        "callout_participation_id",
        "contact_id",
        "account_id",
        "remote_call_id",
        "remote_status",
        "remote_direction",
        "remote_error_message",
        "remotely_queued_at",
        "remote_status_fetch_queued_at",
        "call_flow_logic",
        "lock_version",
    )

    def get_base_queryset(self):
        calls = PhoneCall.objects.for_account(self.account)
        # One parent at a time, most specific first, as the reference resolves nested routes.
        if "callout_participation_id" in self.kwargs:
            parent = get_object_or_404(
                CalloutParticipation.objects.for_account(self.account),
                pk=self.kwargs["callout_participation_id"],
            )
            calls = calls.filter(callout_participation=parent)
        elif "callout_id" in self.kwargs:
            parent = get_object_or_404(
                Callout.objects.for_account(self.account), pk=self.kwargs["callout_id"]
            )
            calls = calls.filter(callout=parent)
        elif "contact_id" in self.kwargs:
            parent = get_object_or_404(
                Contact.objects.for_account(self.account), pk=self.kwargs["contact_id"]
            )
            calls = calls.filter(contact=parent)
        return calls
