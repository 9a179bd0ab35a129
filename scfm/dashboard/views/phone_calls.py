"""Phone calls: every attempt to reach a contact, with what the provider answered."""

from django.shortcuts import get_object_or_404, render
from django.urls import path

from scfm.calls.models import PhoneCall
from scfm.calls.states import PhoneCallStatus
from scfm.dashboard.access import member_required
from scfm.dashboard.labels import STATUS_LABELS
from scfm.dashboard.lists import list_page
from scfm.filtering.specs import PHONE_CALL_FILTERS

RECENT_EVENTS = 10  # shown on the detail page; the rest are one link away


def _phone_calls(request):
    return PhoneCall.objects.for_account(request.user.account)


@member_required
def phone_call_list(request):
    page = list_page(request, _phone_calls(request), PHONE_CALL_FILTERS)
    statuses = [(status, STATUS_LABELS.get(status, status)) for status in PhoneCallStatus.values]
    return render(request, "dashboard/phone_calls/list.html", {"page": page, "statuses": statuses})


@member_required
def phone_call_detail(request, pk):
    phone_call = get_object_or_404(_phone_calls(request).select_related("contact"), pk=pk)
    events = list(phone_call.remote_phone_call_events.order_by("-id")[:RECENT_EVENTS])
    recordings = list(phone_call.recordings.order_by("id"))
    return render(
        request,
        "dashboard/phone_calls/detail.html",
        {"phone_call": phone_call, "events": events, "recent_limit": RECENT_EVENTS, "recordings": recordings},
    )


urlpatterns = [
    path("dashboard/phone_calls", phone_call_list, name="phone_calls"),
    path("dashboard/phone_calls/<int:pk>", phone_call_detail, name="phone_call_detail"),
]
