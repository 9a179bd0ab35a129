"""Every write to accounts, users and access tokens."""

import secrets
from typing import Any

from django.conf import settings as django_settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import ProtectedError
from django.db.models.functions import Lower
from django.utils import timezone

from scfm.accounts import permissions
from scfm.accounts.email_addresses import is_valid_email
from scfm.accounts.models import AccessToken, Account, PlatformProvider, User, UserRole
from scfm.accounts.settings import delivery_settings_errors
from scfm.call_flows.registry import DEFAULT_CALL_FLOW_LOGIC, is_registered
from scfm.core.errors import ValidationFailed
from scfm.core.metadata import merge_metadata
from scfm.core.validation import Errors, blank_to_none

ACCOUNT_STRING_FIELDS = (
    "twilio_account_sid",
    "somleng_account_sid",
    "twilio_auth_token",
    "somleng_auth_token",
    "platform_provider_name",
    "somleng_api_host",
    "somleng_api_base_url",
)
ALL_PERMISSIONS = list(permissions.TOKEN_PERMISSIONS)


def _validate_account(account: Account, errors: Errors, *, settings_sent: bool) -> None:
    if account.platform_provider_name not in (None, *PlatformProvider.values):
        errors.add("platform_provider_name", "is not included in the list")
    if not account.call_flow_logic:
        errors.add("call_flow_logic", "can't be blank")
    elif not is_registered(account.call_flow_logic):
        errors.add("call_flow_logic", "is not included in the list")
    if not isinstance(account.metadata, dict):
        errors.add("metadata", "is invalid")
    if not isinstance(account.settings, dict):
        errors.add("settings", "is invalid")
    elif settings_sent:
        # Only when sent: settings stored before these checks existed must not block other edits.
        for message in delivery_settings_errors(account.settings):
            errors.add("settings", message)
    for field in ("twilio_account_sid", "somleng_account_sid"):
        value = getattr(account, field)
        if value and (
            Account.objects.exclude(pk=account.pk)
            .annotate(sid=Lower(field))
            .filter(sid=value.lower())
            .exists()
        ):
            errors.add(field, "has already been taken")


@transaction.atomic
def create_account(*, data: dict[str, Any] | None = None, super_admin: bool = False) -> Account:
    data = data or {}
    account = Account(permissions=1 if super_admin else 0)
    _assign_account_fields(account, data, on_create=True)
    errors = Errors()
    _validate_account(account, errors, settings_sent="settings" in data)
    errors.raise_if_any()
    account.save()
    return account


@transaction.atomic
def update_account(*, account: Account, data: dict[str, Any]) -> Account:
    assigned = _assign_account_fields(account, data, on_create=False)
    errors = Errors()
    _validate_account(account, errors, settings_sent="settings" in assigned)
    errors.raise_if_any()
    window_changed = "settings" in assigned and _window_settings_changed(account)
    # Only the columns sent: `account` may be stale, and the engine moves its pacing cursor
    # (`next_dial_at`) and the admin its `permissions` with UPDATEs a full save would undo.
    account.save(update_fields=[*assigned, "updated_at"])
    if window_changed:
        # Calls held for the old window or zone (`created`: a phone call's first status; scfm.calls
        # sits above this layer) are judged again by the new ones at the dial loop's next claim.
        account.phone_calls.filter(status="created", window_opens_at__isnull=False).update(
            window_opens_at=None
        )
    return account


# The account settings that decide when its callouts' calls may go out: the default window, and
# the zone a contact's window is read in when nothing closer is known.
WINDOW_SETTINGS = ("calling_window", "time_zone")


def _window_settings_changed(account: Account) -> bool:
    """Return whether `account`'s new settings change when its calls may go out, compared with
    what is stored. Read under the account's row lock, which the dial loop holds while it holds
    calls for their window: its claim under the old settings is over, and the next reads the new."""
    stored = (
        Account.objects.select_for_update().filter(pk=account.pk).values_list("settings", flat=True).first()
    )
    return _window_settings(stored) != _window_settings(account.settings)


def _window_settings(settings: Any) -> tuple[Any, ...]:
    settings = settings if isinstance(settings, dict) else {}
    return tuple(settings.get(key) for key in WINDOW_SETTINGS)


def _assign_account_fields(account: Account, data: dict[str, Any], *, on_create: bool) -> list[str]:
    """Set the columns `data` names on `account`; return them (what an update must save)."""
    columns = (*ACCOUNT_STRING_FIELDS, "call_flow_logic", "metadata", "settings")
    assigned = [field for field in columns if field in data]
    for field in ACCOUNT_STRING_FIELDS:
        if field in data:
            setattr(account, field, blank_to_none(data[field]))
    if "call_flow_logic" in data:
        account.call_flow_logic = blank_to_none(data["call_flow_logic"])
    if on_create and not account.call_flow_logic:
        account.call_flow_logic = DEFAULT_CALL_FLOW_LOGIC
    if "metadata" in data:
        account.metadata = merge_metadata(account.metadata, data["metadata"], data.get("metadata_merge_mode"))
    if "settings" in data:
        # Settings are replaced as sent (reference behaviour); defaults are applied on read.
        account.settings = data["settings"]
    return assigned


@transaction.atomic
def delete_account(*, account: Account) -> None:
    dependents = (
        ("access tokens", account.access_tokens),
        ("users", account.users),
        ("contacts", account.contacts),
        ("callouts", account.callouts),
        ("batch operations", account.batch_operations),
    )
    for label, related in dependents:
        if related.exists():
            raise ValidationFailed.single("base", f"Cannot delete record because dependent {label} exist")
    account.delete()


def _check_permission_names(names: Any) -> list[str]:
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise ValidationFailed.single("permissions", "is invalid")
    unknown = [name for name in names if name not in permissions.TOKEN_PERMISSIONS]
    if unknown:
        raise ValidationFailed.single("permissions", "is not included in the list")
    return names


def _check_grantable(mask: int, granted_by: AccessToken | None) -> None:
    """Refuse permissions the granting token does not hold itself, whatever its account.

    Super admins are no exception: their tokens act on every account, so an exemption would let a
    token holding only `access_tokens_write` mint one holding everything. The bootstrap token holds
    every permission, so it can still grant anything.
    """
    if granted_by is None:
        return
    if not permissions.holds_all(granted_by.permissions, mask):
        raise ValidationFailed.single("permissions", "cannot exceed the permissions of the granting token")


def _check_not_outranked(access_token: AccessToken, acting_token: AccessToken | None) -> None:
    """Refuse to let a token change or delete a token holding permissions it lacks.

    Otherwise a weaker token could rewrite a stronger one's metadata (which integrations may trust)
    or revoke it, acting beyond its own permissions.
    """
    if acting_token is None:
        return
    if not permissions.holds_all(acting_token.permissions, access_token.permissions):
        raise ValidationFailed.single(
            "base", "cannot modify an access token holding permissions the requesting token lacks"
        )


def can_reveal_access_token(token_permissions: int, reader: AccessToken | None) -> bool:
    """Whether `reader` may see the secret of a token holding `token_permissions`: only if it holds
    them all, since whoever has the secret has those permissions."""
    return reader is None or permissions.holds_all(reader.permissions, token_permissions)


@transaction.atomic
def create_access_token(
    *, account: Account, created_by: Account, data: dict[str, Any], granted_by: AccessToken | None = None
) -> AccessToken:
    names = _check_permission_names(data.get("permissions", []))
    mask = permissions.names_to_mask(names)
    _check_grantable(mask, granted_by)
    metadata = merge_metadata({}, data.get("metadata", {}), data.get("metadata_merge_mode"))
    if not isinstance(metadata, dict):
        raise ValidationFailed.single("metadata", "is invalid")
    return AccessToken.objects.create(
        resource_owner=account, created_by=created_by, permissions=mask, metadata=metadata
    )


@transaction.atomic
def update_access_token(
    *, access_token: AccessToken, data: dict[str, Any], granted_by: AccessToken | None = None
) -> AccessToken:
    _check_not_outranked(access_token, granted_by)
    fields = ["updated_at"]
    if "permissions" in data:
        mask = permissions.names_to_mask(_check_permission_names(data["permissions"]))
        _check_grantable(mask, granted_by)
        access_token.permissions = mask
        fields.append("permissions")
    if "metadata" in data:
        metadata = merge_metadata(access_token.metadata, data["metadata"], data.get("metadata_merge_mode"))
        if not isinstance(metadata, dict):
            raise ValidationFailed.single("metadata", "is invalid")
        access_token.metadata = metadata
        fields.append("metadata")
    access_token.save(update_fields=fields)
    return access_token


@transaction.atomic
def delete_access_token(
    *, access_token: AccessToken, destroyer: Account | None, acting_token: AccessToken | None = None
) -> None:
    """Delete a token; through the API only its creator or a super admin may (reference rule), and
    only with a token holding every permission of the one deleted."""
    if destroyer is not None and not destroyer.is_super_admin and destroyer.pk != access_token.created_by_id:
        raise ValidationFailed.single("base", "Cannot delete record because the destroyer is not the creator")
    _check_not_outranked(access_token, acting_token)
    access_token.delete()


def validate_user_fields(user: User, password: str | None, errors: Errors) -> None:
    if not user.email:
        errors.add("email", "can't be blank")
    elif not is_valid_email(user.email):
        errors.add("email", "is invalid")
    elif User.objects.exclude(pk=user.pk).filter(email__iexact=user.email).exists():
        errors.add("email", "has already been taken")
    if password is not None and not 6 <= len(password) <= 128:
        errors.add(
            "password",
            "is too short (minimum is 6 characters)"
            if len(password) < 6
            else "is too long (maximum is 128 characters)",
        )
    if user.locale not in ("en", "km"):
        errors.add("locale", "is not included in the list")
    if not isinstance(user.metadata, dict):
        errors.add("metadata", "is invalid")


def _check_may_grant_sign_in(
    user: User, acting_token: AccessToken | None, *, role: str | None = None
) -> None:
    """Refuse to let a token give anyone a way to sign in as `user` unless it holds all `user` can do.

    Creating a user, setting their email or password, or emailing them an invitation (whose link sets
    a password) all hand out that user's dashboard role; a token must not reach more through a user
    than it holds itself. Removing a user is held to the same rule, as for tokens: a weaker token
    does not remove an account's admins. `role` is the role a new user will get.
    """
    if acting_token is None:
        return
    if user.is_staff or user.is_superuser:
        # /admin/ reaches every account and edits roles and staff flags: more than any token holds.
        raise ValidationFailed.single(
            "base", "cannot change or remove a user with access to the admin site through the API"
        )
    role = role or user.role
    if not permissions.holds_all(acting_token.permissions, permissions.role_permissions_mask(role)):
        raise ValidationFailed.single(
            "base",
            f"cannot exceed the permissions of the requesting token: a dashboard {role} "
            "holds permissions this token lacks",
        )


@transaction.atomic
def create_user(*, account: Account, data: dict[str, Any], acting_token: AccessToken | None = None) -> User:
    email = (blank_to_none(data.get("email")) or "").lower()
    password = data.get("password")
    user = User(account=account, email=email, metadata={}, locale=data.get("locale") or "en")
    user.metadata = merge_metadata({}, data.get("metadata", {}), data.get("metadata_merge_mode"))
    errors = Errors()
    if password is None or password == "":
        errors.add("password", "can't be blank")
        password = None
    validate_user_fields(user, password, errors)
    errors.raise_if_any()
    # The first user of an account administers it.
    user.role = UserRole.MEMBER if account.users.filter(role=UserRole.ADMIN).exists() else UserRole.ADMIN
    _check_may_grant_sign_in(user, acting_token)
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def update_user(*, user: User, data: dict[str, Any], acting_token: AccessToken | None = None) -> User:
    """Update a user; their email and password only with a token holding all their role can do
    (the email receives password-reset links), their metadata and locale with any."""
    password = data.get("password") if data.get("password") not in (None, "") else None
    email = (blank_to_none(data["email"]) or "").lower() if "email" in data else user.email
    if password is not None or email != (user.email or "").lower():
        _check_may_grant_sign_in(user, acting_token)
    assigned = [field for field in ("email", "locale", "metadata") if field in data]
    if "email" in data:
        user.email = email
    if "locale" in data:
        user.locale = data["locale"]
    if "metadata" in data:
        user.metadata = merge_metadata(user.metadata, data["metadata"], data.get("metadata_merge_mode"))
    errors = Errors()
    validate_user_fields(user, password, errors)
    errors.raise_if_any()
    if password is not None:
        user.set_password(password)
        assigned.append("password")
    # Only the columns sent: a full save of a stale `user` would undo a role, staff flag or
    # invitation set meanwhile by the dashboard or the admin.
    user.save(update_fields=[*assigned, "updated_at"])
    return user


def delete_user_unless_protected(user: User, message: str) -> None:
    """Delete `user`, or refuse with `message` when records protect it (callouts it created).

    The callouts' PROTECT constraint makes the check, so accounts need not know callouts.
    """
    try:
        user.delete()
    except ProtectedError as error:
        raise ValidationFailed.single("base", message) from error


@transaction.atomic
def delete_user(*, user: User, acting_token: AccessToken | None = None) -> None:
    _check_may_grant_sign_in(user, acting_token)
    delete_user_unless_protected(user, "Cannot delete record because dependent callouts exist")


def invitation_url(token: str) -> str:
    return f"{django_settings.SCFM_PUBLIC_URL}/users/invitation/accept?invitation_token={token}"


@transaction.atomic
def invite_user(
    *, user: User, invited_by: User | None = None, acting_token: AccessToken | None = None
) -> User:
    """Issue a fresh invitation token and email the accept link after the commit.

    The link lets whoever reads that mailbox set the user's password, hence the token check.
    """
    _check_may_grant_sign_in(user, acting_token)
    user.invitation_token = secrets.token_urlsafe(32)
    user.invitation_sent_at = timezone.now()
    user.invited_by = invited_by
    user.save(update_fields=["invitation_token", "invitation_sent_at", "invited_by", "updated_at"])
    link = invitation_url(user.invitation_token)
    transaction.on_commit(
        lambda: send_mail(
            subject="You have been invited to SCFM",
            message=(
                "You have been invited to SCFM, the call flow manager.\n\n"
                f"Accept the invitation and choose your password here:\n{link}\n"
            ),
            from_email=None,
            recipient_list=[user.email],
        )
    )
    return user
