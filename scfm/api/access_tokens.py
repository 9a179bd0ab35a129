from rest_framework import serializers

from scfm.accounts import services
from scfm.accounts.models import AccessToken
from scfm.accounts.permissions import TOKEN_PERMISSIONS, names_to_mask
from scfm.api.base import ResourceViewSet
from scfm.api.fields import HashField, IdField, MergeModeField, PermissionNamesField, TimestampField
from scfm.api.schema import documented
from scfm.api.tenancy import location_in_account, specified_or_current_account
from scfm.filtering.specs import ACCESS_TOKEN_FILTERS


class AccessTokenOutput(serializers.ModelSerializer):
    created_at = TimestampField()
    updated_at = TimestampField()
    token = serializers.CharField(
        allow_null=True,
        help_text="The secret; null when the requesting token lacks one of this token's permissions.",
    )
    permissions = serializers.ListField(source="permission_names", child=serializers.CharField())

    class Meta:
        model = AccessToken
        fields = ["id", "token", "created_at", "updated_at", "metadata", "permissions"]


class AccessTokenInput(serializers.Serializer):
    permissions = PermissionNamesField(
        TOKEN_PERMISSIONS,
        help_text="Permissions of the token; at most those of the token making the request.",
    )
    metadata = HashField(required=False)
    metadata_merge_mode = MergeModeField()
    account_id = IdField(required=False, help_text="Super admins only: the token's account.")


@documented("Access tokens", input=AccessTokenInput, output=AccessTokenOutput)
class AccessTokenViewSet(ResourceViewSet):
    resource = "access_tokens"
    output_serializer_class = AccessTokenOutput
    input_serializer_class = AccessTokenInput
    filter_spec = ACCESS_TOKEN_FILTERS
    sortable_columns = ("id", "created_at", "updated_at")

    def get_base_queryset(self):
        return AccessToken.objects.filter(resource_owner=specified_or_current_account(self))

    def location(self, instance) -> str:
        return location_in_account(self, instance, instance.resource_owner_id)

    def _hide_stronger_secrets(self, body: dict) -> dict:
        # A token's secret is its permissions: reading it must not hand a weaker token a stronger one.
        if not services.can_reveal_access_token(names_to_mask(body["permissions"]), self.access_token):
            body["token"] = None
        return body

    def render(self, instance) -> dict:
        return self._hide_stronger_secrets(super().render(instance))

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        for body in response.data:
            self._hide_stronger_secrets(body)
        return response

    def create(self, request, *args, **kwargs):
        token = services.create_access_token(
            account=specified_or_current_account(self),
            created_by=self.account,
            data=self.input(),
            granted_by=self.access_token,
        )
        return self.created(token)

    def update(self, request, *args, **kwargs):
        token = services.update_access_token(
            access_token=self.get_object(), data=self.input(), granted_by=self.access_token
        )
        return self.updated(token)

    def destroy(self, request, *args, **kwargs):
        services.delete_access_token(
            access_token=self.get_object(), destroyer=self.account, acting_token=self.access_token
        )
        return self.destroyed()
