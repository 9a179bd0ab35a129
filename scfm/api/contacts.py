from django.shortcuts import get_object_or_404
from rest_framework import serializers

from scfm.api.base import ResourceViewSet
from scfm.api.fields import HashField, MergeModeField, MsisdnField, RequiredMsisdnField, TimestampField
from scfm.api.schema import documented
from scfm.callouts.models import Callout
from scfm.contacts import services
from scfm.contacts.models import Contact
from scfm.filtering.specs import CONTACT_FILTERS


class ContactOutput(serializers.ModelSerializer):
    created_at = TimestampField()
    updated_at = TimestampField()

    class Meta:
        model = Contact
        fields = ["id", "msisdn", "metadata", "created_at", "updated_at", "account_id"]


class ContactInput(serializers.Serializer):
    msisdn = MsisdnField(help_text="Phone number in E.164 format")
    metadata = HashField(required=False)
    metadata_merge_mode = MergeModeField()


@documented("Contacts", input=ContactInput, output=ContactOutput)
class ContactViewSet(ResourceViewSet):
    resource = "contacts"
    output_serializer_class = ContactOutput
    input_serializer_class = ContactInput
    filter_spec = CONTACT_FILTERS
    sortable_columns = ("id", "created_at", "updated_at", "msisdn", "account_id")

    def get_base_queryset(self):
        contacts = Contact.objects.for_account(self.account)
        if "callout_id" in self.kwargs:
            callout = get_object_or_404(
                Callout.objects.for_account(self.account), pk=self.kwargs["callout_id"]
            )
            contacts = contacts.filter(callout_participations__callout=callout)
        return contacts

    def create(self, request, *args, **kwargs):
        return self.created(services.create_contact(account=self.account, data=self.input()))

    def update(self, request, *args, **kwargs):
        return self.updated(services.update_contact(contact=self.get_object(), data=self.input()))

    def destroy(self, request, *args, **kwargs):
        services.delete_contact(contact=self.get_object())
        return self.destroyed()


class ContactDataInput(ContactInput):
    msisdn = RequiredMsisdnField(help_text="The contact's phone number: it is created or updated.")


@documented("Contacts", input=ContactDataInput, output=ContactOutput, actions=("create",))
class ContactDataViewSet(ResourceViewSet):
    """`POST /api/contact_data`: create or update the contact that has `msisdn`."""

    resource = "contacts"
    output_serializer_class = ContactOutput
    input_serializer_class = ContactDataInput

    def create(self, request, *args, **kwargs):
        return self.created(services.upsert_contact(account=self.account, data=self.input()))
