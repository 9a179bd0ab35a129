"""Django admin for the people who run the installation (staff users), over every account.

Read-mostly: records are viewed, not edited, except for a few operator actions (granting or
revoking super admin, a user's staff/active/role flags, deleting a leaked access token).
Secrets (provider auth tokens, API tokens, invitation tokens, password hashes) never appear in
lists and appear masked to their last four characters on detail pages.

Generic helpers shared by every app's admin module live in scfm.core.admin.
"""

from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.db.models import F
from django.utils import timezone
from django.utils.html import format_html

from scfm.accounts import permissions
from scfm.accounts.models import AccessToken, Account, User
from scfm.call_flows.registry import CALL_FLOW_LOGICS
from scfm.core.admin import ExactSearchMixin, FixedChoicesFilter, changelist_link, id_link_column, mask_secret

SUPER_ADMIN_BIT = 1 << permissions.ACCOUNT_PERMISSIONS.index("super_admin")


class CallFlowLogicFilter(FixedChoicesFilter):
    title = "call flow logic"
    parameter_name = field_name = "call_flow_logic"
    options = tuple(CALL_FLOW_LOGICS.items())


# --- accounts -----------------------------------------------------------------------------------


class SuperAdminFilter(admin.SimpleListFilter):
    title = "super admin"
    parameter_name = "super_admin"

    def lookups(self, request, model_admin):
        return (("yes", "Yes"), ("no", "No"))

    def queryset(self, request, queryset):
        queryset = queryset.alias(super_admin_bit=F("permissions").bitand(SUPER_ADMIN_BIT))
        if self.value() == "yes":
            return queryset.filter(super_admin_bit=SUPER_ADMIN_BIT)
        if self.value() == "no":
            return queryset.filter(super_admin_bit=0)
        return queryset


@admin.register(Account)
class AccountAdmin(ExactSearchMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "platform_provider_name",
        "provider_account_sid",
        "call_flow_logic",
        "permission_list",
        "super_admin",
        "created_at",
    )
    list_filter = ("platform_provider_name", SuperAdminFilter, CallFlowLogicFilter, "created_at")
    exact_search_fields = ("id",)
    contains_search_fields = ("twilio_account_sid", "somleng_account_sid", "somleng_api_host")
    search_help_text = "Account id, or part of a Twilio/Somleng account SID or API host."
    ordering = ("-id",)
    actions = ("grant_super_admin", "revoke_super_admin")
    fields = (
        "id",
        "permission_list",
        "platform_provider_name",
        "twilio_account_sid",
        "masked_twilio_auth_token",
        "somleng_account_sid",
        "masked_somleng_auth_token",
        "somleng_api_host",
        "somleng_api_base_url",
        "call_flow_logic",
        "metadata",
        "settings",
        "next_dial_at",
        "related_records",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # The list's actions need change permission; the record itself is view-only.
        if obj is not None:
            return False
        return super().has_change_permission(request)

    @admin.display(description="provider account SID")
    def provider_account_sid(self, obj):
        return obj.somleng_account_sid or obj.twilio_account_sid or "-"

    @admin.display(description="permissions")
    def permission_list(self, obj):
        return ", ".join(obj.permission_names) or "-"

    @admin.display(description="super admin", boolean=True, ordering="permissions")
    def super_admin(self, obj):
        return obj.is_super_admin

    @admin.display(description="Twilio auth token")
    def masked_twilio_auth_token(self, obj):
        return mask_secret(obj.twilio_auth_token)

    @admin.display(description="Somleng auth token")
    def masked_somleng_auth_token(self, obj):
        return mask_secret(obj.somleng_auth_token)

    @admin.display(description="related records")
    def related_records(self, obj):
        # Models of the layers above reached through their reverse relations, never imported.
        links = [
            changelist_link(User, "users", account__id__exact=obj.pk),
            changelist_link(AccessToken, "access tokens", resource_owner__id__exact=obj.pk),
            changelist_link(obj.callouts.model, "callouts", account__id__exact=obj.pk),
            changelist_link(obj.contacts.model, "contacts", account__id__exact=obj.pk),
            changelist_link(obj.phone_calls.model, "phone calls", account__id__exact=obj.pk),
        ]
        return format_html(" · ".join(["{}"] * len(links)), *links)

    def _set_super_admin(self, request, queryset, grant: bool):
        if grant:
            targets = queryset.alias(bit=F("permissions").bitand(SUPER_ADMIN_BIT)).filter(bit=0)
            new_permissions = F("permissions").bitor(SUPER_ADMIN_BIT)
        else:
            targets = queryset.alias(bit=F("permissions").bitand(SUPER_ADMIN_BIT)).filter(bit=SUPER_ADMIN_BIT)
            new_permissions = F("permissions").bitand(~SUPER_ADMIN_BIT)
        changed = list(targets.order_by("pk"))
        if changed:
            Account.objects.filter(pk__in=[account.pk for account in changed]).update(
                permissions=new_permissions, updated_at=timezone.now()
            )
            LogEntry.objects.log_actions(
                user_id=request.user.pk,
                queryset=changed,
                action_flag=CHANGE,
                change_message="Granted super admin" if grant else "Revoked super admin",
            )
        verb = "Granted super admin to" if grant else "Revoked super admin from"
        self.message_user(request, f"{verb} {len(changed)} account(s).", messages.SUCCESS)

    @admin.action(description="Grant super admin", permissions=["change"])
    def grant_super_admin(self, request, queryset):
        self._set_super_admin(request, queryset, grant=True)

    @admin.action(description="Revoke super admin", permissions=["change"])
    def revoke_super_admin(self, request, queryset):
        self._set_super_admin(request, queryset, grant=False)


# --- users --------------------------------------------------------------------------------------


@admin.register(User)
class UserAdmin(ExactSearchMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "email",
        "account_link",
        "role",
        "is_staff",
        "is_superuser",
        "is_active",
        "locale",
        "invitation_state",
        "last_login",
        "created_at",
    )
    list_filter = ("role", "is_staff", "is_superuser", "is_active", "locale", "created_at")
    list_select_related = False
    exact_search_fields = ("id", "account")
    contains_search_fields = ("email",)
    search_help_text = "Part of an email address, or a user or account id."
    ordering = ("-id",)
    fields = (
        "id",
        "email",
        "account",
        "role",
        "is_staff",
        "is_superuser",
        "is_active",
        "locale",
        "metadata",
        "last_login",
        "invited_by",
        "masked_invitation_token",
        "invitation_sent_at",
        "invitation_accepted_at",
        "created_at",
        "updated_at",
    )
    editable_fields = ("role", "is_staff", "is_active")

    def get_readonly_fields(self, request, obj=None):
        editable = set(self.editable_fields)
        if request.user.is_superuser:
            editable.add("is_superuser")  # only a superuser may make another
        return tuple(name for name in self.fields if name not in editable)

    def has_add_permission(self, request, obj=None):
        return False  # users join through dashboard invitations or `createsuperuser`

    def save_model(self, request, obj, form, change):
        """Write only the fields the operator changed.

        `obj` was read when the form was posted; a full save would write back its other columns
        (email, password, invitation, last login) over whatever another request set meanwhile.
        """
        obj.save(update_fields=[*form.changed_data, "updated_at"])

    def has_delete_permission(self, request, obj=None):
        return False

    account_link = id_link_column(Account, "account_id", "account")

    @admin.display(description="invitation")
    def invitation_state(self, obj):
        if obj.invitation_accepted_at:
            return "accepted"
        if obj.invitation_sent_at:
            return "pending"
        return "-"

    @admin.display(description="invitation token")
    def masked_invitation_token(self, obj):
        return mask_secret(obj.invitation_token)


# --- access tokens ------------------------------------------------------------------------------


@admin.register(AccessToken)
class AccessTokenAdmin(ExactSearchMixin, admin.ModelAdmin):
    list_display = ("id", "resource_owner_link", "created_by_link", "permission_list", "created_at")
    list_filter = ("created_at",)
    list_select_related = False
    # No search by token value: the term would land in URLs and access logs.
    exact_search_fields = ("id", "resource_owner")
    search_help_text = "Token id or account id."
    ordering = ("-id",)
    fields = (
        "id",
        "resource_owner",
        "created_by",
        "masked_token",
        "permission_list",
        "metadata",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    # Deleting (revoking) a token stays allowed: the operator's answer to a leaked token.

    resource_owner_link = id_link_column(Account, "resource_owner_id", "account")

    created_by_link = id_link_column(Account, "created_by_id", "created by")

    @admin.display(description="permissions")
    def permission_list(self, obj):
        return ", ".join(obj.permission_names) or "-"

    @admin.display(description="token")
    def masked_token(self, obj):
        return mask_secret(obj.token)
