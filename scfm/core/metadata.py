"""Metadata merge modes shared by every resource that has a `metadata` column."""

from typing import Any

MERGE_MODES = ("merge", "deep_merge", "replace")
# How deeply submitted hashes may nest (API bodies and parameters, dashboard `a:b` keys, CSV
# columns): the limit Rack and Rails' JSON parser apply in the reference. Nothing SCFM stores needs
# more, and much deeper input would exhaust Python's recursion limit (deep_merge, JSON encoding).
MAX_NESTING = 100


def deep_merge(existing: dict, new: dict) -> dict:
    """Return `existing` with `new` merged in recursively; arrays and scalars are replaced."""
    merged = dict(existing)
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def merge_metadata(existing: Any, new: Any, mode: str | None) -> Any:
    """Combine stored and submitted metadata the way `metadata_merge_mode` asks.

    An unknown mode means `merge`, as in the reference (contacts validate the mode first).
    """
    if not isinstance(existing, dict) or not isinstance(new, dict):
        return new
    if mode == "replace":
        return new
    if mode == "deep_merge":
        return deep_merge(existing, new)
    return {**existing, **new}


def update_metadata(*, instance, data: dict) -> None:
    """Merge `data["metadata"]` into the stored metadata by its mode and save just that column.

    The merge starts from the row as stored, read under a lock, not from `instance`, which may be
    stale: another request (or a call flow recording answers) may have merged keys since.
    """
    # Imported here to keep this module importable without Django set up.
    from django.db import transaction

    from scfm.core.errors import ValidationFailed

    if "metadata" not in data:
        return
    with transaction.atomic():
        stored = (
            type(instance)
            ._default_manager.select_for_update()
            .filter(pk=instance.pk)
            .values_list("metadata", flat=True)
            .first()
        )
        current = instance.metadata if stored is None else stored
        metadata = merge_metadata(current, data["metadata"], data.get("metadata_merge_mode"))
        if not isinstance(metadata, dict):
            raise ValidationFailed.single("metadata", "is invalid")
        instance.metadata = metadata
        instance.save(update_fields=["metadata", "updated_at"])
