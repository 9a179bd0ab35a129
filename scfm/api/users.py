from rest_framework import serializers

from scfm.accounts import services
from scfm.accounts.models import User
from scfm.api.base import ResourceViewSet
from scfm.api.fields import HashField, IdField, MergeModeField, OneOfField, StringField, TimestampField
from scfm.api.schema import documented
from scfm.api.tenancy import location_in_account, specified_or_current_account
from scfm.core.errors import ValidationFailed
from scfm.filtering.specs import USER_FILTERS


class UserOutput(serializers.ModelSerializer):
    created_at = TimestampField()
    updated_at = TimestampField()

    class Meta:
        model = User
        fields = ["id", "account_id", "metadata", "email", "created_at", "updated_at", "locale"]


class UserInput(serializers.Serializer):
    email = StringField(max_length=255)
    password = StringField(max_length=1024, help_text="6 to 128 characters.")
    metadata = HashField(required=False)
    metadata_merge_mode = MergeModeField()
    account_id = IdField(required=False, help_text="Super admins only: the user's account.")


class UserEventInput(serializers.Serializer):
    event = OneOfField(choices=["invite"])


@documented("Users", input=UserInput, output=UserOutput)
class UserViewSet(ResourceViewSet):
    resource = "users"
    output_serializer_class = UserOutput
    input_serializer_class = UserInput
    filter_spec = USER_FILTERS
    sortable_columns = ("id", "created_at", "updated_at", "email", "locale", "account_id")

    def get_base_queryset(self):
        return User.objects.for_account(specified_or_current_account(self))

    def location(self, instance) -> str:
        return location_in_account(self, instance, instance.account_id)

    def create(self, request, *args, **kwargs):
        return self.created(
            services.create_user(
                account=specified_or_current_account(self), data=self.input(), acting_token=self.access_token
            )
        )

    def update(self, request, *args, **kwargs):
        return self.updated(
            services.update_user(user=self.get_object(), data=self.input(), acting_token=self.access_token)
        )

    def destroy(self, request, *args, **kwargs):
        services.delete_user(user=self.get_object(), acting_token=self.access_token)
        return self.destroyed()


@documented("Users", input=UserEventInput, output=UserOutput, actions=("create",))
class UserEventViewSet(ResourceViewSet):
    """`POST /api/users/:id/user_events` with `invite`: email the user an invitation link."""

    resource = "users"
    required_permission = "users_write"
    output_serializer_class = UserOutput
    input_serializer_class = UserEventInput
    lookup_url_kwarg = "user_id"

    def get_base_queryset(self):
        return User.objects.for_account(self.account)

    def location(self, instance) -> str:
        return f"/api/users/{instance.pk}"

    def create(self, request, *args, **kwargs):
        user = self.get_object()
        if self.input().get("event") != "invite":
            raise ValidationFailed.single("event", "is not included in the list")
        return self.created(services.invite_user(user=user, acting_token=self.access_token))
