"""The `sort` parameter: `sort=-id,created_at`; default newest first.

Each resource sorts by an explicit allow-list of its public output columns (`sortable_columns` on
the viewset). Any other column is refused: ordering by a secret (a token, a password hash, a
provider auth token) would let a client learn it one comparison at a time.
"""

import re
from collections.abc import Sequence

from scfm.core.errors import ValidationFailed

# Never sortable, whichever resource lists them: ordering by them is an oracle on their values.
SECRET_COLUMNS = frozenset(
    {
        "token",
        "password",
        "encrypted_password",
        "twilio_auth_token",
        "somleng_auth_token",
        "invitation_token",
        "reset_password_token",
        "confirmation_token",
        "unlock_token",
    }
)

DEFAULT_ORDER = "-id"


def check_sortable_columns(owner: str, columns: Sequence[str]) -> None:
    """Refuse, at import time, an allow-list that names a secret column."""
    secrets = SECRET_COLUMNS.intersection(columns)
    if secrets:
        raise TypeError(f"{owner} must not sort by secret columns: {sorted(secrets)}")


def sort_pattern(columns: Sequence[str]) -> str:
    """Return the regular expression of the `sort` values accepted for `columns` (empty included)."""
    column = "-?(?:" + "|".join(re.escape(name) for name in columns) + ")"
    return f"^(?:{column}(?:,{column})*)?$"


def apply_sort(queryset, sort: str | None, columns: Sequence[str]):
    """Order `queryset` by the `sort` parameter; a column not in `columns` is a 422, never SQL."""
    if not sort:
        return queryset.order_by(DEFAULT_ORDER)
    ordering = []
    for item in sort.split(","):
        name = item.removeprefix("-")
        if name not in columns:  # allow-lists hold no secret column (check_sortable_columns)
            raise ValidationFailed.single("sort", f"{name or 'an empty name'} is not a sortable column")
        ordering.append(item)
    return queryset.order_by(*ordering)
