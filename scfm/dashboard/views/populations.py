"""Callout populations: list, create/edit with a live preview of the contacts matched, queue, progress."""

from django.contrib import messages
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from scfm.callouts import populations as services
from scfm.callouts.models import CALLOUT_POPULATION, BatchOperation, Callout, CalloutParticipation
from scfm.callouts.states import BatchOperationStatus
from scfm.core.errors import ValidationFailed
from scfm.dashboard import filter_builder
from scfm.dashboard.access import member_required
from scfm.dashboard.forms.populations import (
    PopulationForm,
    new_parameters,
    parameters_with_filter,
    stored_metadata_filter,
)
from scfm.dashboard.labels import STATUS_LABELS
from scfm.dashboard.lists import list_page
from scfm.filtering.specs import BATCH_OPERATION_FILTERS

PREVIEW_SAMPLE_SIZE = 10
IN_PROGRESS_STATUSES = (BatchOperationStatus.QUEUED, BatchOperationStatus.RUNNING)


def _populations(request):
    return BatchOperation.objects.for_account(request.user.account_id).filter(type=CALLOUT_POPULATION)


def _callouts(request):
    return Callout.objects.for_account(request.user.account_id)


def _participations_count():
    counted = (
        CalloutParticipation.objects.filter(callout_population_id=OuterRef("pk"))
        .order_by()
        .values("callout_population_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


@member_required
def population_list(request):
    """Every population of the account; `q[callout_id]` narrows it to one callout's."""
    populations = _populations(request).annotate(participations_count=_participations_count())
    page = list_page(request, populations, BATCH_OPERATION_FILTERS)
    callout = None
    callout_id = request.GET.get("q[callout_id]", "").strip()
    if callout_id.isdigit() and len(callout_id) <= 18:  # an id, not a number beyond any id
        callout = _callouts(request).filter(pk=int(callout_id)).first()
    return render(
        request,
        "dashboard/populations/list.html",
        {
            "page": page,
            "callout": callout,
            "statuses": [(status, STATUS_LABELS[status]) for status in BatchOperationStatus.values],
        },
    )


def _error_messages(error: ValidationFailed) -> list[str]:
    """The detailed messages of a filter error (contacts_matching keeps them as the cause)."""
    cause = error.__cause__ if isinstance(error.__cause__, ValidationFailed) else error
    return [message for field_messages in cause.errors.values() for message in field_messages]


def _preview(account, parameters: dict) -> dict:
    """Count and sample the contacts `parameters` match, reading only: nothing is written."""
    try:
        contacts = services.contacts_matching(
            account=account, contact_filter_params=parameters.get("contact_filter_params")
        )
        return {
            "count": contacts.count(),
            "sample": list(contacts.order_by("id")[:PREVIEW_SAMPLE_SIZE]),
            "sample_size": PREVIEW_SAMPLE_SIZE,
        }
    except ValidationFailed as error:
        return {"error": "; ".join(_error_messages(error))}


def _builder_context(rows) -> dict:
    return {"filter_rows": rows, "operators": filter_builder.OPERATORS, "casts": filter_builder.CASTS}


def _population_form(request, callout: Callout, population: BatchOperation | None):
    account = request.user.account
    form = PopulationForm(request.POST if request.method == "POST" else None, population=population)
    if form.is_valid():
        try:
            if population is None:
                population = services.create_population(
                    account=account, data=form.service_data(), callout_id=callout.pk
                )
                messages.success(request, _("Callout population was successfully created."))
            else:
                services.update_population(population=population, data=form.service_data())
                messages.success(request, _("Callout population was successfully updated."))
            return redirect("dashboard:population_detail", pk=population.pk)
        except ValidationFailed as error:
            form.add_service_errors(error)
    return render(
        request,
        "dashboard/populations/form.html",
        {
            "callout": callout,
            "population": population,
            "errors": form.errors_by_field(),
            "preview": _preview(account, form.parameters(account)),
            **_builder_context(form.shown("filter") or [filter_builder.FilterRow()]),
        },
        status=422 if form.errors else 200,
    )


@member_required
def population_new(request, callout_pk):
    callout = get_object_or_404(_callouts(request), pk=callout_pk)
    return _population_form(request, callout, None)


@member_required
def population_edit(request, pk):
    population = get_object_or_404(_populations(request).select_related("callout", "account"), pk=pk)
    if population.status != BatchOperationStatus.PREVIEW:
        messages.error(request, _("Callout population can only be edited before it is started."))
        return redirect("dashboard:population_detail", pk=pk)
    if population.callout is None:
        raise Http404
    return _population_form(request, population.callout, population)


@require_POST
@member_required
def population_preview(request, callout_pk):
    """How many contacts the builder's rows match now, with a sample (htmx partial; writes nothing)."""
    callout = get_object_or_404(_callouts(request), pk=callout_pk)
    metadata_filter = PopulationForm(request.POST).metadata_filter()
    population_id = request.POST.get("population", "")
    if population_id:
        population = get_object_or_404(
            _populations(request).filter(callout=callout), pk=population_id if population_id.isdigit() else 0
        )
        parameters = parameters_with_filter(population.parameters, metadata_filter)
    else:
        parameters = new_parameters(request.user.account, metadata_filter)
    return render(
        request,
        "dashboard/populations/_preview.html",
        {"preview": _preview(request.user.account, parameters)},
    )


def _progress_context(population: BatchOperation) -> dict:
    return {
        "population": population,
        "participations_count": population.callout_participations.count(),
        "polling": population.status in IN_PROGRESS_STATUSES,
    }


@member_required
def population_detail(request, pk):
    population = get_object_or_404(_populations(request).select_related("callout", "account"), pk=pk)
    metadata_filter = stored_metadata_filter(population)
    return render(
        request,
        "dashboard/populations/detail.html",
        {
            **_progress_context(population),
            "filter_rows": filter_builder.filter_to_rows(metadata_filter),
            "operators": filter_builder.OPERATORS,
            "casts": filter_builder.CASTS,
            "preview": _preview(population.account, population.parameters),
            "editable": population.status == BatchOperationStatus.PREVIEW,
        },
    )


@require_GET
@member_required
def population_progress(request, pk):
    """Status and participations created so far, polled by htmx while the population is queued or running."""
    population = get_object_or_404(_populations(request), pk=pk)
    return render(request, "dashboard/populations/_progress.html", _progress_context(population))


@require_POST
@member_required
def population_queue(request, pk):
    """Start a population (its `queue` event): only from preview; the engine then populates the callout."""
    population = get_object_or_404(_populations(request), pk=pk)
    try:
        services.fire_population_event(population=population, event="queue")
    except ValidationFailed:
        messages.error(request, _("Callout population could not be started: it has already been started."))
    else:
        messages.success(request, _("Event was successfully created."))
    return redirect("dashboard:population_detail", pk=pk)


@require_POST
@member_required
def population_delete(request, pk):
    population = get_object_or_404(_populations(request), pk=pk)
    callout_id = population.callout_id
    try:
        services.delete_population(population=population)
    except ValidationFailed:
        messages.error(
            request,
            _("Callout population could not be deleted: it is running or has created participations."),
        )
        return redirect("dashboard:population_detail", pk=pk)
    messages.success(request, _("Callout population was successfully deleted."))
    if callout_id is not None:
        return redirect(f"{reverse('dashboard:populations')}?q[callout_id]={callout_id}")
    return redirect("dashboard:populations")


urlpatterns = [
    path("dashboard/batch_operations", population_list, name="populations"),
    path("dashboard/callouts/<int:callout_pk>/batch_operations/new", population_new, name="population_new"),
    path(
        "dashboard/callouts/<int:callout_pk>/batch_operations/preview",
        population_preview,
        name="population_preview",
    ),
    path("dashboard/batch_operations/<int:pk>", population_detail, name="population_detail"),
    path("dashboard/batch_operations/<int:pk>/edit", population_edit, name="population_edit"),
    path("dashboard/batch_operations/<int:pk>/delete", population_delete, name="population_delete"),
    path("dashboard/batch_operations/<int:pk>/queue", population_queue, name="population_queue"),
    path("dashboard/batch_operations/<int:pk>/progress", population_progress, name="population_progress"),
]
