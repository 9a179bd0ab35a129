"""Serializer fields that render and document values the way the reference API does."""

import datetime

from rest_framework import serializers


class TimestampField(serializers.DateTimeField):
    """Render `2023-09-18T06:34:48.708Z`: UTC with milliseconds."""

    def to_representation(self, value):
        if value is None:
            return None
        utc = value.astimezone(datetime.UTC)
        return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


class HashField(serializers.JSONField):
    """A JSON object (documented as such); shape errors are reported by the services."""

    class Meta:
        swagger_schema_fields = {"type": "object"}


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


class IdField(serializers.IntegerField):
    default_error_messages = {"invalid": "is invalid", "max_value": "is invalid", "min_value": "is invalid"}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(**kwargs)


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
