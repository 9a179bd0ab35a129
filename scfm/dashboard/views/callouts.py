"""Callouts: list with progress, create/edit (audio upload or URL, delivery settings), live summary with the
ETA, events, results CSV."""

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from scfm.call_flows.registry import CALL_FLOW_LOGICS
from scfm.callouts import audio, services
from scfm.callouts.delivery import policy_for
from scfm.callouts.models import CallFlow, Callout, CalloutParticipation
from scfm.callouts.states import CALLOUT_TRANSITIONS, CalloutStatus, available_events
from scfm.calls import callout_results as results
from scfm.calls.callout_statistics import callout_statistics
from scfm.calls.callout_summary import callout_summary
from scfm.core.errors import ValidationFailed
from scfm.dashboard.access import member_required
from scfm.dashboard.forms.callouts import DATA_FLOW_CHOICE, EMPTY_ROWS, CalloutForm, content_widgets
from scfm.dashboard.forms.delivery import PRIORITY_LABELS, delivery_widgets
from scfm.dashboard.labels import CALL_FLOW_LABELS, EVENT_LABELS, STATUS_LABELS
from scfm.dashboard.lists import list_page
from scfm.filtering.specs import CALLOUT_FILTERS


def _callouts(request):
    return Callout.objects.for_account(request.user.account_id)


def _count_of(queryset) -> Coalesce:
    """A correlated `COUNT(*)` of `queryset` (already filtered on `callout_id=OuterRef("pk")`)."""
    counted = queryset.order_by().values("callout_id").annotate(n=Count("id")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _call_flow_choices():
    return [(name, CALL_FLOW_LABELS.get(name, label)) for name, label in CALL_FLOW_LOGICS.items()]


def _form_call_flow_choices(account):
    """The built-in logics, then the account's call flows (call flows as data)."""
    own = CallFlow.objects.for_account(account).order_by("name", "id").values_list("pk", "name")
    return _call_flow_choices() + [(DATA_FLOW_CHOICE.format(pk), name) for pk, name in own]


@member_required
def callout_list(request):
    participations = CalloutParticipation.objects.filter(callout_id=OuterRef("pk"))
    callouts = _callouts(request).annotate(
        participants_count=_count_of(participations),
        answered_count=_count_of(participations.filter(answered=True)),
    )
    page = list_page(request, callouts, CALLOUT_FILTERS)
    for callout in page.items:
        count = callout.participants_count
        callout.percent_answered = callout.answered_count * 100 // count if count else 0
    return render(
        request,
        "dashboard/callouts/list.html",
        {
            "page": page,
            "statuses": [(status, STATUS_LABELS[status]) for status in CalloutStatus.values],
            "call_flows": _call_flow_choices(),
        },
    )


def _summary_context(callout: Callout) -> dict:
    """The summary and delivery statistics (ETA, calls waiting for their window, completion)."""
    priority = policy_for(callout.settings, callout.account.settings).priority
    return {
        "callout": callout,
        "summary": callout_summary(callout),
        "statistics": callout_statistics(callout),
        "priority": PRIORITY_LABELS.get(priority, priority),
        "polling": callout.status == CalloutStatus.RUNNING,
    }


@member_required
def callout_detail(request, pk):
    callout = get_object_or_404(_callouts(request).select_related("account", "created_by"), pk=pk)
    events = [(event, EVENT_LABELS[event]) for event in available_events(CALLOUT_TRANSITIONS, callout.status)]
    return render(
        request,
        "dashboard/callouts/detail.html",
        {**_summary_context(callout), "events": events},
    )


@require_GET
@member_required
def callout_summary_partial(request, pk):
    """The summary and progress chart alone, polled by htmx every 2 s while the callout runs."""
    callout = get_object_or_404(_callouts(request).select_related("account"), pk=pk)
    return render(request, "dashboard/callouts/_summary.html", _summary_context(callout))


def _callout_form(request, callout: Callout | None):
    """Create (callout is None) or edit; settings and metadata rows replace the stored ones (reference)."""
    form = CalloutForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        callout=callout,
        account=request.user.account,
    )
    if form.is_valid():
        try:
            with transaction.atomic():
                if callout is None:
                    callout = services.create_callout(
                        account=request.user.account, data=form.service_data(), created_by=request.user
                    )
                    message = _("Callout was successfully created.")
                else:
                    services.update_callout(callout=callout, data=form.service_data())
                    message = _("Callout was successfully updated.")
                if form.replaces_audio_file:
                    audio.replace_audio_file(
                        callout=callout,
                        upload=form.cleaned_data["audio_file"],
                        language=form.cleaned_data["audio_language"],
                    )
            messages.success(request, message)
            return redirect("dashboard:callout_detail", pk=callout.pk)
        except ValidationFailed as error:
            form.add_service_errors(error)
    return render(
        request,
        "dashboard/callouts/form.html",
        {
            "callout": callout,
            "values": {name: form.shown(name) for name in ("call_flow_logic", "audio_url")},
            "call_flows": _form_call_flow_choices(request.user.account),
            **delivery_widgets(form),
            **content_widgets(form),
            "settings_rows": form.shown("settings") or EMPTY_ROWS,
            "metadata_rows": form.shown("metadata") or EMPTY_ROWS,
            "errors": form.errors_by_field(),
            "audio_extensions": ",".join(audio.AUDIO_EXTENSIONS),
            "audio_formats": audio.formats_text(),
            "max_audio_mb": settings.SCFM_MAX_AUDIO_UPLOAD_BYTES / 1024 / 1024,
        },
        status=422 if form.errors else 200,
    )


@member_required
def callout_new(request):
    return _callout_form(request, None)


@member_required
def callout_edit(request, pk):
    return _callout_form(request, get_object_or_404(_callouts(request), pk=pk))


@require_POST
@member_required
def callout_delete(request, pk):
    callout = get_object_or_404(_callouts(request), pk=pk)
    try:
        with transaction.atomic():
            audio.delete_file_after_commit(callout.audio_file)
            services.delete_callout(callout=callout)
    except ValidationFailed:
        messages.error(
            request, _("Callout could not be deleted: it has participations, populations or phone calls.")
        )
        return redirect("dashboard:callout_detail", pk=pk)
    messages.success(request, _("Callout was successfully deleted."))
    return redirect("dashboard:callouts")


@require_POST
@member_required
def callout_event(request, pk):
    """Start, pause, resume or stop; an event the callout's status does not allow changes nothing."""
    callout = get_object_or_404(_callouts(request), pk=pk)
    event = request.POST.get("event") or request.GET.get("event", "")
    try:
        services.fire_callout_event(callout=callout, event=event)
    except ValidationFailed:
        messages.error(
            request,
            _("Event could not be created: a callout that is %(status)s cannot be sent “%(event)s”.")
            % {"status": STATUS_LABELS.get(callout.status, callout.status), "event": event},
        )
    else:
        messages.success(request, _("Event was successfully created."))
    return redirect("dashboard:callout_detail", pk=pk)


@require_GET
@member_required
def callout_results(request, pk):
    """One CSV row per participant, streamed: memory stays flat whatever the callout's size."""
    callout = get_object_or_404(_callouts(request), pk=pk)
    response = StreamingHttpResponse(results.csv_lines(callout), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="callout-{callout.pk}-results.csv"'
    return response


urlpatterns = [
    path("dashboard/callouts", callout_list, name="callouts"),
    path("dashboard/callouts/new", callout_new, name="callout_new"),
    path("dashboard/callouts/<int:pk>", callout_detail, name="callout_detail"),
    path("dashboard/callouts/<int:pk>/edit", callout_edit, name="callout_edit"),
    path("dashboard/callouts/<int:pk>/delete", callout_delete, name="callout_delete"),
    path("dashboard/callouts/<int:pk>/callout_events", callout_event, name="callout_event"),
    path("dashboard/callouts/<int:pk>/summary", callout_summary_partial, name="callout_summary"),
    path("dashboard/callouts/<int:pk>/results.csv", callout_results, name="callout_results"),
]
