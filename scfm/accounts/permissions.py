"""Access-token permissions, stored as a bitmask whose bit order is the reference's (do not reorder)."""

TOKEN_PERMISSIONS = (
    "access_tokens_read",
    "access_tokens_write",
    "accounts_read",
    "accounts_write",
    "batch_operations_read",
    "batch_operations_write",
    "callout_participations_read",
    "callout_participations_write",
    "callouts_read",
    "callouts_write",
    "contacts_read",
    "contacts_write",
    "phone_calls_read",
    "phone_calls_write",
    "remote_phone_call_events_read",
    "remote_phone_call_events_write",
    "users_read",
    "users_write",
    "recordings_read",  # bit 18, added by the reference in 2024-03
)
ALL_TOKEN_PERMISSIONS_MASK = (1 << len(TOKEN_PERMISSIONS)) - 1

ACCOUNT_PERMISSIONS = ("super_admin",)


def names_to_mask(names: list[str], vocabulary: tuple[str, ...] = TOKEN_PERMISSIONS) -> int:
    mask = 0
    for name in names:
        mask |= 1 << vocabulary.index(name)
    return mask


def mask_to_names(mask: int, vocabulary: tuple[str, ...] = TOKEN_PERMISSIONS) -> list[str]:
    return [name for bit, name in enumerate(vocabulary) if mask & (1 << bit)]


def holds_all(held: int, required: int) -> bool:
    """Whether the mask `held` includes every permission of `required`."""
    return not required & ~held


# What a dashboard user of each role can effectively do, as token permissions. A token may only hand
# someone a way into the dashboard (create them, set their email or password, invite them) when it holds
# all of that user's permissions, so this must track the dashboard's pages (scfm/dashboard/urls.py).
MEMBER_PERMISSIONS = (
    # Callouts: list, create, edit, start/pause/stop, delete, results export.
    "callouts_read",
    "callouts_write",
    # Populations: build, preview, queue, delete.
    "batch_operations_read",
    "batch_operations_write",
    # Participations: list, view, delete.
    "callout_participations_read",
    "callout_participations_write",
    # Contacts: list, create, edit, delete, CSV import and export.
    "contacts_read",
    "contacts_write",
    # Phone calls and their events are shown, never changed, in the dashboard.
    "phone_calls_read",
    "remote_phone_call_events_read",
    # Recordings are listed and played, never changed.
    "recordings_read",
    # Callout pages show who created them: other users' emails.
    "users_read",
)
MEMBER_PERMISSIONS_MASK = names_to_mask(list(MEMBER_PERMISSIONS))
# Admins manage users and account settings and create API keys with any permission, so an admin can
# reach every permission.
ADMIN_PERMISSIONS_MASK = ALL_TOKEN_PERMISSIONS_MASK
ROLE_PERMISSIONS_MASKS = {"admin": ADMIN_PERMISSIONS_MASK, "member": MEMBER_PERMISSIONS_MASK}


def role_permissions_mask(role: str) -> int:
    """Return what a dashboard user of `role` can do; an unknown role is treated as an admin."""
    return ROLE_PERMISSIONS_MASKS.get(role, ADMIN_PERMISSIONS_MASK)
