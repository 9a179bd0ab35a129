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


class PermissionsField(serializers.ListField):
    child = serializers.CharField()
