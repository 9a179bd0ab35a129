"""Small validation helpers that collect errors in the reference's {"field": ["message"]} shape."""

from scfm.core.errors import ValidationFailed


class Errors:
    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationFailed(self.by_field)


def blank_to_none(value):
    """Strip strings and turn blank ones into None, as the reference's strip_attributes does."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value
