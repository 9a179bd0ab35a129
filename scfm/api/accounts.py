from django.db.models import Count, IntegerField, OuterRef, Subquery
from rest_framework import serializers

from scfm.accounts import services
from scfm.accounts.models import Account, PlatformProvider
from scfm.api.base import ResourceViewSet
from scfm.api.fields import HashField, MergeModeField, OneOfField, StringField, TimestampField
from scfm.api.schema import documented
from scfm.calls.models import PhoneCall
from scfm.contacts.models import Contact
from scfm.filtering.specs import ACCOUNT_FILTERS


def _count_of(model):
    counts = model.objects.filter(account=OuterRef("pk")).order_by().values("account").annotate(n=Count("pk"))
    return Subquery(counts.values("n"), output_field=IntegerField())


def with_counts(accounts):
    return accounts.annotate(phone_calls_total=_count_of(PhoneCall), contacts_total=_count_of(Contact))


class AccountOutput(serializers.ModelSerializer):
    permissions = serializers.ListField(source="permission_names", child=serializers.CharField())
    created_at = TimestampField()
    updated_at = TimestampField()
    phone_calls_count = serializers.SerializerMethodField()
    contacts_count = serializers.SerializerMethodField()

    class Meta:
        model = Account
        fields = [
            "id",
            "metadata",
            "settings",
            "twilio_account_sid",
            "somleng_account_sid",
            "twilio_auth_token",
            "somleng_auth_token",
            "permissions",
            "created_at",
            "updated_at",
            "call_flow_logic",
            "platform_provider_name",
            "somleng_api_host",
            "somleng_api_base_url",
            "phone_calls_count",
            "contacts_count",
        ]

    # Lists annotate the counts (one query for the page); a single account just counts.
    def get_phone_calls_count(self, account) -> int:
        if hasattr(account, "phone_calls_total"):
            return account.phone_calls_total or 0
        return account.phone_calls.count()

    def get_contacts_count(self, account) -> int:
        if hasattr(account, "contacts_total"):
            return account.contacts_total or 0
        return account.contacts.count()


class AccountInput(serializers.Serializer):
    platform_provider_name = OneOfField(PlatformProvider.values)
    twilio_account_sid = StringField(max_length=255)
    twilio_auth_token = StringField(max_length=255)
    somleng_account_sid = StringField(max_length=255)
    somleng_auth_token = StringField(max_length=255)
    somleng_api_host = StringField(max_length=255)
    somleng_api_base_url = StringField(max_length=255)
    call_flow_logic = StringField(max_length=255)
    settings = HashField(
        required=False,
        help_text=(
            "Replaced as sent; missing keys read as their defaults. Delivery control keys: "
            "`time_zone` (an IANA name, e.g. Asia/Phnom_Penh), `max_concurrent_calls` (at most this many "
            "calls between hand-over and a final status; none by default) and `calling_window` (the "
            'default window of the account\'s callouts, `{"from": "08:00", "to": "20:00", "days": '
            '["mon", …]}`, ignored by emergency callouts). Bad values are a 422 under `settings`.'
        ),
    )
    metadata = HashField(required=False)
    metadata_merge_mode = MergeModeField()


@documented("Accounts", input=AccountInput, output=AccountOutput)
class AccountViewSet(ResourceViewSet):
    """`/api/accounts…`: super admins only."""

    resource = "accounts"
    super_admin_only = True
    output_serializer_class = AccountOutput
    input_serializer_class = AccountInput
    filter_spec = ACCOUNT_FILTERS
    sortable_columns = (
        "id",
        "created_at",
        "updated_at",
        "platform_provider_name",
        "twilio_account_sid",
        "somleng_account_sid",
        "somleng_api_host",
        "somleng_api_base_url",
        "call_flow_logic",
    )

    def get_base_queryset(self):
        return with_counts(Account.objects.all())

    def create(self, request, *args, **kwargs):
        return self.created(services.create_account(data=self.input()))

    def update(self, request, *args, **kwargs):
        return self.updated(services.update_account(account=self.get_object(), data=self.input()))

    def destroy(self, request, *args, **kwargs):
        services.delete_account(account=self.get_object())
        return self.destroyed()


@documented("Accounts", input=AccountInput, output=AccountOutput, actions=("retrieve", "update"))
class CurrentAccountViewSet(AccountViewSet):
    """`/api/account`: the caller's own account; no super admin needed."""

    super_admin_only = False

    def get_object(self):
        return self.get_base_queryset().get(pk=self.account.pk)

    def location(self, instance) -> str:
        return f"/api/accounts/{instance.pk}"
