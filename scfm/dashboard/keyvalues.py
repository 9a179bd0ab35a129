"""JSON hashes edited as key/value rows, where `a:b` nests: `location:country` → nested hashes.

Values stay strings, as the reference dashboard stores them; filters cast them (`.numeric`, `.date`).
"""

from django.utils.translation import gettext as _

from scfm.core.metadata import MAX_NESTING


def rows_from_post(post, prefix: str) -> list[tuple[str, str]]:
    """Return the submitted rows of the `prefix` editor: its `<prefix>-key` and `<prefix>-value` lists."""
    keys = post.getlist(f"{prefix}-key")
    values = post.getlist(f"{prefix}-value")
    return [(key.strip(), value.strip()) for key, value in zip(keys, values, strict=False)]


def rows_to_dict(rows: list[tuple[str, str]]) -> tuple[dict, list[str]]:
    """Build the nested hash from rows; return it with the problems found (blank or clashing keys)."""
    result: dict = {}
    errors: list[str] = []
    for key, value in rows:
        if not key and not value:
            continue  # an empty row left in the form
        parts = [part.strip() for part in key.split(":")]
        # Nested deeper than the API accepts: not a key anyone means (and too deep to store).
        if not key or any(not part for part in parts) or len(parts) > MAX_NESTING:
            errors.append(_("Key “%(key)s” is not valid.") % {"key": key})
            continue
        node = result
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                errors.append(_("Key “%(key)s” clashes with another key.") % {"key": key})
                break
            node = child
        else:
            if isinstance(node.get(parts[-1]), dict):
                errors.append(_("Key “%(key)s” clashes with another key.") % {"key": key})
            else:
                node[parts[-1]] = value
    return result, errors


def dict_to_rows(data: dict | None, parent: str = "") -> list[tuple[str, str]]:
    """Flatten a hash into rows for editing; non-string values are shown as they are stored."""
    rows: list[tuple[str, str]] = []
    for key, value in (data or {}).items():
        name = f"{parent}:{key}" if parent else str(key)
        if isinstance(value, dict) and value:
            rows.extend(dict_to_rows(value, name))
        else:
            rows.append((name, "" if value is None else str(value)))
    return rows


def _row_text(value) -> str:
    return "" if value is None else str(value)


def restore_types(new: dict, old: dict) -> dict:
    """Rows turn every value into text; give a row that was not changed back its stored value (a number,
    a list…), so saving the page does not rewrite settings nobody touched."""
    result = {}
    for key, value in new.items():
        before = old.get(key) if isinstance(old, dict) else None
        if isinstance(value, dict):
            result[key] = restore_types(value, before if isinstance(before, dict) else {})
        elif key in old and not (isinstance(before, dict) and before) and _row_text(before) == value:
            result[key] = before
        else:
            result[key] = value
    return result
