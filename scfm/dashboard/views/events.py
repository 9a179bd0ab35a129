"""Phone call events: what the provider reported about each call, as received."""

from django.shortcuts import get_object_or_404, render
from django.urls import path

from scfm.calls.models import RemotePhoneCallEvent
from scfm.dashboard.access import member_required
from scfm.dashboard.lists import list_page
from scfm.filtering.specs import REMOTE_PHONE_CALL_EVENT_FILTERS


def _events(request):
    return RemotePhoneCallEvent.objects.for_account(request.user.account)


@member_required
def event_list(request):
    page = list_page(request, _events(request), REMOTE_PHONE_CALL_EVENT_FILTERS)
    return render(request, "dashboard/events/list.html", {"page": page})


@member_required
def event_detail(request, pk):
    event = get_object_or_404(_events(request).select_related("phone_call"), pk=pk)
    return render(request, "dashboard/events/detail.html", {"event": event})


urlpatterns = [
    path("dashboard/remote_phone_call_events", event_list, name="events"),
    path("dashboard/remote_phone_call_events/<int:pk>", event_detail, name="event_detail"),
]
