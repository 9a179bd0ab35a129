from django.shortcuts import get_object_or_404
from rest_framework import serializers

from scfm.api.base import ResourceViewSet
from scfm.api.fields import HashField, IdField, MergeModeField, MsisdnField, StringField, TimestampField
from scfm.api.schema import documented
from scfm.callouts import services
from scfm.callouts.models import Callout, CalloutParticipation
from scfm.contacts.models import Contact
from scfm.filtering.specs import CALLOUT_PARTICIPATION_FILTERS


class CalloutParticipationOutput(serializers.ModelSerializer):
    created_at = TimestampField()
    updated_at = TimestampField()

    class Meta:
        model = CalloutParticipation
        fields = [
            "id",
            "callout_id",
            "contact_id",
            "callout_population_id",
            "msisdn",
            "call_flow_logic",
            "metadata",
            "created_at",
            "updated_at",
            "answered",
            "phone_calls_count",
        ]


class CalloutParticipationInput(serializers.Serializer):
    contact_id = IdField(required=False, help_text="Create only; ignored on update.")
    msisdn = MsisdnField(help_text="Defaults to the contact's phone number.")
    call_flow_logic = StringField(max_length=255, help_text="Defaults to the callout's.")
    metadata = HashField(required=False)
    metadata_merge_mode = MergeModeField()


@documented("Callout participations", input=CalloutParticipationInput, output=CalloutParticipationOutput)
class CalloutParticipationViewSet(ResourceViewSet):
    resource = "callout_participations"
    output_serializer_class = CalloutParticipationOutput
    input_serializer_class = CalloutParticipationInput
    filter_spec = CALLOUT_PARTICIPATION_FILTERS
    sortable_columns = (
        "id",
        "created_at",
        "updated_at",
        "callout_id",
        "contact_id",
        "callout_population_id",
        "msisdn",
        "call_flow_logic",
        "answered",
        "phone_calls_count",
    )

    def get_base_queryset(self):
        participations = CalloutParticipation.objects.for_account(self.account)
        if "callout_id" in self.kwargs:
            participations = participations.filter(callout=self.parent_callout())
        elif "contact_id" in self.kwargs:
            contact = get_object_or_404(
                Contact.objects.for_account(self.account), pk=self.kwargs["contact_id"]
            )
            participations = participations.filter(contact=contact)
        return participations

    def parent_callout(self) -> Callout:
        return get_object_or_404(Callout.objects.for_account(self.account), pk=self.kwargs["callout_id"])

    def create(self, request, *args, **kwargs):
        data = self.input()
        return self.created(services.create_participation(callout=self.parent_callout(), data=data))

    def update(self, request, *args, **kwargs):
        data = {key: value for key, value in self.input().items() if key != "contact_id"}
        return self.updated(services.update_participation(participation=self.get_object(), data=data))

    def destroy(self, request, *args, **kwargs):
        services.delete_participation(participation=self.get_object())
        return self.destroyed()
