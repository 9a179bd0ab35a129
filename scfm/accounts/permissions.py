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
