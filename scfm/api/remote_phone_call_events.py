from django.shortcuts import get_object_or_404
from rest_framework import serializers

from scfm.api.base import ResourceViewSet
from scfm.api.fields import HashField, MergeModeField, TimestampField
from scfm.api.schema import documented
from scfm.callouts.models import Callout, CalloutParticipation
from scfm.calls.models import PhoneCall, RemotePhoneCallEvent
from scfm.contacts.models import Contact
from scfm.core.metadata import update_metadata
from scfm.filtering.specs import REMOTE_PHONE_CALL_EVENT_FILTERS


class RemotePhoneCallEventOutput(serializers.ModelSerializer):
    created_at = TimestampField()
    updated_at = TimestampField()

    class Meta:
        model = RemotePhoneCallEvent
        fields = [
            "id",
            "phone_call_id",
            "details",
            "metadata",
            "remote_call_id",
            "remote_direction",
            "call_flow_logic",
            "created_at",
            "updated_at",
            "call_duration",
        ]


class RemotePhoneCallEventInput(serializers.Serializer):
    metadata = HashField(required=False)
    metadata_merge_mode = MergeModeField()


@documented(
    "Remote phone call events",
    input=RemotePhoneCallEventInput,
    output=RemotePhoneCallEventOutput,
    actions=("list", "retrieve", "update"),
)
class RemotePhoneCallEventViewSet(ResourceViewSet):
    """Events are created by the provider's signed webhooks; clients may only annotate them."""

    resource = "remote_phone_call_events"
    output_serializer_class = RemotePhoneCallEventOutput
    input_serializer_class = RemotePhoneCallEventInput
    filter_spec = REMOTE_PHONE_CALL_EVENT_FILTERS
    sortable_columns = (
        "id",
        "created_at",
        "updated_at",
        "phone_call_id",
        "remote_call_id",
        "remote_direction",
        "call_flow_logic",
        "call_duration",
    )

    PARENTS = (
        ("phone_call_id", PhoneCall, "phone_call"),
        ("callout_participation_id", CalloutParticipation, "phone_call__callout_participation"),
        ("callout_id", Callout, "phone_call__callout"),
        ("contact_id", Contact, "phone_call__contact"),
    )

    def get_base_queryset(self):
        events = RemotePhoneCallEvent.objects.for_account(self.account)
        for kwarg, model, lookup in self.PARENTS:
            if kwarg in self.kwargs:
                parent = get_object_or_404(model.objects.for_account(self.account), pk=self.kwargs[kwarg])
                return events.filter(**{lookup: parent})
        return events

    def update(self, request, *args, **kwargs):
        event = self.get_object()
        update_metadata(instance=event, data=self.input())
        return self.updated(event)
