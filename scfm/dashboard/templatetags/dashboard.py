import json

from django import template
from django.utils.html import format_html
from django.utils.timezone import now
from django.utils.translation import gettext as _

from scfm.dashboard.labels import CALL_FLOW_LABELS, FIELD_LABELS, STATUS_LABELS

register = template.Library()


@register.filter
def pretty_json(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


@register.filter
def call_flow_label(value: str) -> str:
    return CALL_FLOW_LABELS.get(value, value)


@register.simple_tag
def local_time(value):
    """A UTC timestamp the browser shows in the reader's own time zone (dashboard.js)."""
    if value is None:
        return "—"
    iso = value.isoformat().replace("+00:00", "Z")
    return format_html(
        '<time datetime="{}" data-local-time>{}</time>', iso, value.strftime("%Y-%m-%d %H:%M UTC")
    )


@register.simple_tag
def local_clock_time(value):
    """A UTC time the browser shows as a clock time in the reader's own zone: "14:32", with the date
    when it is not today (dashboard.js)."""
    if value is None:
        return "—"
    iso = value.isoformat().replace("+00:00", "Z")
    shown = value.strftime("%H:%M UTC" if value.date() == now().date() else "%Y-%m-%d %H:%M UTC")
    return format_html('<time datetime="{}" data-local-time="clock">{}</time>', iso, shown)


@register.filter
def eta_duration(seconds) -> str:
    """How long until a callout is done, roughly: "about 12 min", "about 3 h 5 min", "about 2 d 4 h"."""
    if seconds is None:
        return ""
    if seconds < 60:
        return _("less than a minute")
    minutes = round(seconds / 60)
    if minutes < 60:
        return _("about %(minutes)d min") % {"minutes": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("about %(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    days, hours = divmod(hours, 24)
    return _("about %(days)d d %(hours)d h") % {"days": days, "hours": hours}


@register.filter
def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


@register.simple_tag
def status_badge(status: str):
    return format_html('<span class="badge badge-{}">{}</span>', status, STATUS_LABELS.get(status, status))


@register.filter
def compact_json(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


@register.filter
def get_item(mapping, key):
    """`request.GET|get_item:'q[msisdn]'`: a value whose key a template cannot spell."""
    return mapping.get(key, "") if hasattr(mapping, "get") else ""


@register.filter
def field_label(field: str) -> str:
    return FIELD_LABELS.get(field, field.replace("_", " ").capitalize())
