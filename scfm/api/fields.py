"""Serializer fields that render and document values the way the reference API does."""

import datetime

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


def _is_json_body(field) -> bool:
    """Whether the body being read is JSON: JSON values have types, form fields are all text."""
    request = field.context.get("request")
    return request is not None and (request.content_type or "").split(";")[0].strip() == "application/json"


class TimestampField(serializers.DateTimeField):
    """Render `2023-09-18T06:34:48.708Z`: UTC with milliseconds."""

    def to_representation(self, value):
        if value is None:
            return None
        utc = value.astimezone(datetime.UTC)
        return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


@extend_schema_field({"type": "object", "additionalProperties": True})
class HashField(serializers.JSONField):
    """A JSON object (documented as such); shape errors are reported by the services."""


class StringField(serializers.CharField):
    """A string (or null) in the reference's words; blank and null are judged by the services."""

    default_error_messages = {"invalid": "is invalid", "max_length": "is too long"}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("max_length", 2048)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        # DRF would turn a JSON number into its text; a JSON body must send strings as strings.
        if _is_json_body(self) and not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class IdField(serializers.IntegerField):
    default_error_messages = {"invalid": "is invalid", "max_value": "is invalid", "min_value": "is invalid"}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        # DRF would read "12" and 12.0 as 12; a JSON body must send ids as integers.
        if _is_json_body(self) and (isinstance(data, bool) or not isinstance(data, int)):
            self.fail("invalid")
        return super().to_internal_value(data)


class OneOfField(serializers.ChoiceField):
    """One of a fixed list of values, refused in the reference's words."""

    default_error_messages = {"invalid_choice": "is not included in the list"}

    def __init__(self, choices, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(choices, **kwargs)


class MergeModeField(StringField):
    """`merge` (default), `deep_merge` or `replace`; only contacts refuse other modes (as the reference)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "One of merge (default), deep_merge, replace.")
        super().__init__(**kwargs)


class PermissionNamesField(serializers.ListField):
    default_error_messages = {"not_a_list": "is invalid"}

    def __init__(self, choices, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(
            child=serializers.ChoiceField(
                choices=choices, error_messages={"invalid_choice": "is not included in the list"}
            ),
            **kwargs,
        )


@extend_schema_field(
    {
        "oneOf": [{"type": "string", "maxLength": 64}, {"type": "integer", "minimum": 0}],
        "nullable": True,
        "description": "Phone number, E.164 (`+855972345678`) or digits; a JSON number is read as digits.",
    }
)
class MsisdnField(serializers.Field):
    """A phone number as text, or as a JSON number of its digits (the reference accepts both)."""

    default_error_messages = {"invalid": "is invalid", "max_length": "is too long"}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("invalid")
        if isinstance(data, str) and len(data) > 64:
            self.fail("max_length")
        return data

    def to_representation(self, value):
        return value


@extend_schema_field(
    {
        "oneOf": [{"type": "string", "minLength": 1, "maxLength": 64}, {"type": "integer", "minimum": 0}],
        "description": "Phone number, E.164 (`+855972345678`) or digits; missing or blank is a 400.",
    }
)
class RequiredMsisdnField(MsisdnField):
    """The phone number a request cannot do without (`POST /api/contact_data`)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", False)
        # Under the partial validation every body gets, `required` documents; the service answers 400.
        kwargs.setdefault("required", True)
        super().__init__(**kwargs)
