import secrets

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from scfm.accounts import permissions
from scfm.accounts.settings import DEFAULT_ACCOUNT_SETTINGS, int_setting, setting
from scfm.core.models import AccountScopedQuerySet, TimeStampedModel


def default_account_settings() -> dict:
    return dict(DEFAULT_ACCOUNT_SETTINGS)


class PlatformProvider(models.TextChoices):
    TWILIO = "twilio"  # api.twilio.com, account SIDs start with AC
    SOMLENG = "somleng"  # the open-source Twilio-compatible platform (and our simulator)


class Account(TimeStampedModel):
    metadata = models.JSONField(default=dict)
    settings = models.JSONField(default=default_account_settings)
    twilio_account_sid = models.CharField(max_length=255, null=True, blank=True)
    somleng_account_sid = models.CharField(max_length=255, null=True, blank=True)
    twilio_auth_token = models.CharField(max_length=255, null=True, blank=True)
    somleng_auth_token = models.CharField(max_length=255, null=True, blank=True)
    permissions = models.IntegerField(default=0)  # bitmask of permissions.ACCOUNT_PERMISSIONS
    call_flow_logic = models.CharField(max_length=255, default="CallFlowLogic::HelloWorld")
    platform_provider_name = models.CharField(
        max_length=32, choices=PlatformProvider.choices, null=True, blank=True
    )
    somleng_api_host = models.CharField(max_length=255, null=True, blank=True)
    somleng_api_base_url = models.CharField(max_length=255, null=True, blank=True)
    # The engine's pacing cursor: the next moment a call of this account may be handed over.
    next_dial_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "accounts"
        constraints = [
            # Webhooks find their account by SID, case-insensitively.
            models.UniqueConstraint(
                Lower("twilio_account_sid"),
                name="accounts_twilio_sid_unique",
                condition=Q(twilio_account_sid__isnull=False),
            ),
            models.UniqueConstraint(
                Lower("somleng_account_sid"),
                name="accounts_somleng_sid_unique",
                condition=Q(somleng_account_sid__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Account {self.pk}"

    @property
    def permission_names(self) -> list[str]:
        return permissions.mask_to_names(self.permissions, permissions.ACCOUNT_PERMISSIONS)

    @property
    def is_super_admin(self) -> bool:
        return bool(self.permissions & 1)

    def setting(self, key: str):
        return setting(self.settings, key)

    def int_setting(self, key: str) -> int:
        return int_setting(self.settings, key)


class UserManager(BaseUserManager.from_queryset(AccountScopedQuerySet)):
    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        user = self.model(email=self.normalize_email(email).strip().lower(), **fields)
        user.set_password(password)
        user.save()
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        if "account" not in fields and "account_id" not in fields:
            fields["account"] = Account.objects.create()
        return self.create_user(email, password, **fields)


class UserRole(models.TextChoices):
    ADMIN = "admin"  # manages users, API keys and account settings in the dashboard
    MEMBER = "member"  # everything else


class User(AbstractBaseUser, PermissionsMixin, TimeStampedModel):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="users")
    metadata = models.JSONField(default=dict)
    email = models.EmailField(max_length=255, unique=True)
    locale = models.CharField(max_length=8, default="en", choices=[("en", "English"), ("km", "Khmer")])
    role = models.CharField(max_length=16, choices=UserRole.choices, default=UserRole.MEMBER)
    is_staff = models.BooleanField(default=False)  # may use /admin/
    is_active = models.BooleanField(default=True)
    invitation_token = models.CharField(max_length=64, null=True, blank=True, unique=True)
    invitation_sent_at = models.DateTimeField(null=True, blank=True)
    invitation_accepted_at = models.DateTimeField(null=True, blank=True)
    invited_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        db_table = "users"

    def __str__(self) -> str:
        return self.email


def generate_token() -> str:
    return secrets.token_urlsafe(32)  # 43 URL-safe characters, like the reference


class AccessToken(TimeStampedModel):
    resource_owner = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="access_tokens")
    created_by = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="created_access_tokens")
    metadata = models.JSONField(default=dict)
    token = models.CharField(max_length=64, unique=True, default=generate_token)
    permissions = models.BigIntegerField(default=0)  # bitmask of permissions.TOKEN_PERMISSIONS

    class Meta:
        db_table = "access_tokens"

    def __str__(self) -> str:
        return f"AccessToken {self.pk}"

    @property
    def account(self) -> Account:
        return self.resource_owner

    @property
    def permission_names(self) -> list[str]:
        return permissions.mask_to_names(self.permissions)

    def has_permission(self, name: str) -> bool:
        return bool(self.permissions & (1 << permissions.TOKEN_PERMISSIONS.index(name)))
