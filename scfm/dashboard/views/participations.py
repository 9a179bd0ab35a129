"""Callout participations: every contact's place in a callout, filterable as the API filters them."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from scfm.callouts import services
from scfm.callouts.models import CalloutParticipation
from scfm.core.errors import ValidationFailed
from scfm.dashboard.access import member_required
from scfm.dashboard.lists import list_page
from scfm.filtering.specs import CALLOUT_PARTICIPATION_FILTERS

RECENT_PHONE_CALLS = 10  # shown on the detail page; the rest are one link away


def _participations(request):
    return CalloutParticipation.objects.for_account(request.user.account)


@member_required
def participation_list(request):
    page = list_page(request, _participations(request), CALLOUT_PARTICIPATION_FILTERS)
    return render(request, "dashboard/participations/list.html", {"page": page})


@member_required
def participation_detail(request, pk):
    participation = get_object_or_404(
        _participations(request).select_related("callout", "contact", "callout_population"), pk=pk
    )
    phone_calls = list(participation.phone_calls.order_by("-id")[:RECENT_PHONE_CALLS])
    return render(
        request,
        "dashboard/participations/detail.html",
        {"participation": participation, "phone_calls": phone_calls, "recent_limit": RECENT_PHONE_CALLS},
    )


@require_POST
@member_required
def participation_delete(request, pk):
    participation = get_object_or_404(_participations(request), pk=pk)
    try:
        services.delete_participation(participation=participation)
    except ValidationFailed:
        messages.error(request, _("Callout participation could not be deleted: it has phone calls."))
        return redirect("dashboard:participation_detail", pk=pk)
    messages.success(request, _("Callout participation was successfully deleted."))
    return redirect("dashboard:participations")


urlpatterns = [
    path("dashboard/callout_participations", participation_list, name="participations"),
    path("dashboard/callout_participations/<int:pk>", participation_detail, name="participation_detail"),
    path(
        "dashboard/callout_participations/<int:pk>/delete", participation_delete, name="participation_delete"
    ),
]
