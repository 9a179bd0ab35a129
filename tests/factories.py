import factory

from scfm.accounts.models import AccessToken, Account, User
from scfm.callouts.models import BatchOperation, Callout, CalloutParticipation
from scfm.calls.models import PhoneCall, Recording, RemotePhoneCallEvent
from scfm.contacts.models import Contact


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account


class AccessTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccessToken

    resource_owner = factory.SubFactory(AccountFactory)
    created_by = factory.SelfAttribute("resource_owner")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    account = factory.SubFactory(AccountFactory)
    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "secret123")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory)
    msisdn = factory.Sequence(lambda n: f"+25266{2345000 + n:07d}")


class CalloutFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Callout

    account = factory.SubFactory(AccountFactory)
    call_flow_logic = "CallFlowLogic::HelloWorld"


class BatchOperationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BatchOperation

    callout = factory.SubFactory(CalloutFactory)
    account = factory.SelfAttribute("callout.account")


class CalloutParticipationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalloutParticipation

    callout = factory.SubFactory(CalloutFactory)
    contact = factory.SubFactory(ContactFactory, account=factory.SelfAttribute("..callout.account"))
    msisdn = factory.SelfAttribute("contact.msisdn")
    call_flow_logic = factory.SelfAttribute("callout.call_flow_logic")


class PhoneCallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PhoneCall

    callout_participation = factory.SubFactory(CalloutParticipationFactory)
    callout = factory.SelfAttribute("callout_participation.callout")
    contact = factory.SelfAttribute("callout_participation.contact")
    account = factory.SelfAttribute("contact.account")
    msisdn = factory.SelfAttribute("callout_participation.msisdn")
    call_flow_logic = "CallFlowLogic::HelloWorld"


class RemotePhoneCallEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RemotePhoneCallEvent

    phone_call = factory.SubFactory(PhoneCallFactory)
    remote_call_id = factory.Faker("uuid4")
    remote_direction = "inbound"
    call_flow_logic = "CallFlowLogic::HelloWorld"


class RecordingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recording

    phone_call = factory.SubFactory(PhoneCallFactory)
    account = factory.SelfAttribute("phone_call.account")
    contact = factory.SelfAttribute("phone_call.contact")
    external_recording_id = factory.Sequence(lambda n: f"RE{n:032x}")
    external_recording_url = factory.LazyAttribute(
        lambda o: f"https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/{o.external_recording_id}"
    )
    duration = 7
