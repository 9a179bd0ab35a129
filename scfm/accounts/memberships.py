"""People in the dashboard: invitations, roles, removal, accepting an invitation, language.

The API's user writes are in `scfm.accounts.services`; these are the dashboard's, whose messages
are shown to people and so are translated.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from scfm.accounts.models import Account, User, UserRole
from scfm.accounts.services import delete_user_unless_protected, invite_user, validate_user_fields
from scfm.core.errors import ValidationFailed
from scfm.core.validation import Errors, blank_to_none

LOCALES = ("en", "km")


def _other_admins_exist(user: User) -> bool:
    """Whether the account has an admin besides `user`; locks every admin row, in order, so two admins
    demoting or removing each other at once cannot leave the account without one."""
    admins = User.objects.select_for_update().filter(account_id=user.account_id, role=UserRole.ADMIN)
    return any(pk != user.pk for pk in admins.order_by("pk").values_list("pk", flat=True))


@transaction.atomic
def invite_new_user(*, account: Account, email: str, role: str, invited_by: User | None) -> User:
    """Create a user who cannot sign in until they accept the invitation emailed to them."""
    user = User(account=account, email=(blank_to_none(email) or "").lower(), metadata={}, locale="en")
    errors = Errors()
    validate_user_fields(user, None, errors)
    if role not in UserRole.values:
        errors.add("role", "is not included in the list")
    errors.raise_if_any()
    user.role = role
    if invited_by is not None:
        user.locale = invited_by.locale
    user.set_unusable_password()
    user.save()
    return invite_user(user=user, invited_by=invited_by)


@transaction.atomic
def change_user_role(*, user: User, role: str) -> User:
    """Make a user an admin or a member; an account always keeps at least one admin."""
    if role not in UserRole.values:
        raise ValidationFailed.single("role", _("is not a valid role"))
    if user.role == UserRole.ADMIN and role != UserRole.ADMIN and not _other_admins_exist(user):
        raise ValidationFailed.single("base", _("The account's last admin cannot be made a member."))
    if user.role != role:
        user.role = role
        user.save(update_fields=["role", "updated_at"])
    return user


@transaction.atomic
def remove_user(*, user: User, removed_by: User) -> None:
    """Remove a user from the dashboard: never yourself, never the account's last admin."""
    if user.pk == removed_by.pk:
        raise ValidationFailed.single("base", _("You cannot remove yourself."))
    if user.role == UserRole.ADMIN and not _other_admins_exist(user):
        raise ValidationFailed.single("base", _("The account's last admin cannot be removed."))
    delete_user_unless_protected(user, _("This user created callouts and cannot be removed."))


@transaction.atomic
def accept_invitation(*, user: User, password: str) -> User:
    """Set the invited user's password and close the invitation, so its link works only once."""
    user.set_password(password)
    user.invitation_token = None
    user.invitation_accepted_at = timezone.now()
    user.save(update_fields=["password", "invitation_token", "invitation_accepted_at", "updated_at"])
    return user


def change_locale(*, user: User, locale: str) -> User:
    """Keep the user's chosen language (English or Khmer); anything else is ignored."""
    if locale in LOCALES and locale != user.locale:
        user.locale = locale
        user.save(update_fields=["locale", "updated_at"])
    return user
