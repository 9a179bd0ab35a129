"""Call flows (call flows as data): list, a JSON editor, and a "try it" panel.

The editor is a textarea: a JSON syntax error is shown with its line and column, a document the
language refuses with each error's JSON pointer (the services' messages). "Try it" walks the saved
flow's latest version with the digits typed, through `render_twiml` (the webhook's TwiML path)
and the interpreter, on a `DryRun`: the dialog's state and the contact's metadata live in the
form, never in the database.
"""

import json

from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse

from scfm.call_flows import builtin_documents, data_flow
from scfm.call_flows.dry_run import DryRun
from scfm.call_flows.logics import render_twiml
from scfm.callouts import call_flows as services
from scfm.callouts.models import CallFlow
from scfm.calls.models import PhoneCall
from scfm.core.errors import ValidationFailed
from scfm.dashboard.access import member_required
from scfm.dashboard.lists import list_page
from scfm.filtering.compiler import FilterSpec

CALL_FLOW_FILTERS = FilterSpec(exact=("name",), json_columns=())
TRY_URL = "https://scfm.invalid/try-it"  # where the TwiML's Redirects point: nowhere, it is a dry run
STARTER = {
    "start": "hello",
    "steps": [
        {"id": "hello", "type": "say", "text": "Hello", "language": "en-US", "next": "bye"},
        {"id": "bye", "type": "hangup"},
    ],
}


def _call_flows(request):
    return CallFlow.objects.for_account(request.user.account)


@member_required
def call_flow_list(request):
    page = list_page(request, _call_flows(request).order_by("-id"), CALL_FLOW_FILTERS)
    return render(request, "dashboard/call_flows/list.html", {"page": page})


def _parse(text: str) -> tuple[object, list[str]]:
    try:
        return json.loads(text), []
    except json.JSONDecodeError as error:
        return None, [f"line {error.lineno}, column {error.colno}: {error.msg}"]


def _editor(request, call_flow: CallFlow | None):
    if request.method == "POST":
        name = request.POST.get("name", "")
        text = request.POST.get("document", "")
        document, syntax_errors = _parse(text)
        errors: dict[str, list[str]] = {"document": syntax_errors} if syntax_errors else {}
        if not errors:
            data = {"name": name, "document": document}
            try:
                if call_flow is None:
                    call_flow = services.create_call_flow(
                        account=request.user.account, data=data, created_by=request.user
                    )
                else:
                    services.update_call_flow(call_flow=call_flow, data=data)
                return HttpResponseRedirect(reverse("dashboard:call_flow_detail", args=[call_flow.pk]))
            except ValidationFailed as error:
                errors = error.errors
    else:
        if call_flow is not None:
            name, document = call_flow.name, services.current_version(call_flow).document
        elif request.GET.get("example") == "ews_laos":
            name, document = "EWS Laos registration", builtin_documents.ews_laos_document()
        else:
            name, document = "", STARTER
        text, errors = json.dumps(document, indent=2, ensure_ascii=False), {}
    context = {"call_flow": call_flow, "name": name, "text": text, "errors": errors}
    return render(request, "dashboard/call_flows/edit.html", context)


@member_required
def call_flow_new(request):
    return _editor(request, None)


@member_required
def call_flow_detail(request, pk):
    return _editor(request, get_object_or_404(_call_flows(request), pk=pk))


@member_required
def call_flow_try(request, pk):
    """Walk the flow one request further with the digits typed (POST), or from the start (GET)."""
    call_flow = get_object_or_404(_call_flows(request), pk=pk)
    version = services.current_version(call_flow)
    call_state = _parse(request.POST.get("call_state", "{}") or "{}")[0]
    contact_metadata, contact_errors = _parse(request.POST.get("contact_metadata", "{}") or "{}")
    if request.method != "POST" or "restart" in request.POST or not isinstance(call_state, dict):
        call_state = {}
    if not isinstance(contact_metadata, dict):
        contact_metadata = {}
    dialog = DryRun(
        call_metadata=call_state, contact_metadata=contact_metadata, flow_document=version.document
    )
    digits = request.POST.get("digits") if request.method == "POST" else None
    params = {"CallStatus": "in-progress", **({"Digits": digits} if digits else {})}
    twiml = render_twiml(
        PhoneCall(call_flow_logic=data_flow.NAME), current_url=TRY_URL, params=params, run_ivr_step=dialog
    )
    context = {
        "call_flow": call_flow,
        "version": version,
        "twiml": twiml,
        "digits": digits or "",
        "finished": dialog.finished,
        "call_state": json.dumps(dialog.call_metadata, ensure_ascii=False),
        "contact_metadata": json.dumps(dialog.contact_metadata, ensure_ascii=False, indent=2),
        "contact_errors": contact_errors,
    }
    return render(request, "dashboard/call_flows/try.html", context)


urlpatterns = [
    path("dashboard/call_flows", call_flow_list, name="call_flows"),
    path("dashboard/call_flows/new", call_flow_new, name="call_flow_new"),
    path("dashboard/call_flows/<int:pk>", call_flow_detail, name="call_flow_detail"),
    path("dashboard/call_flows/<int:pk>/try", call_flow_try, name="call_flow_try"),
]
