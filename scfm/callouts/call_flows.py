"""Every write to call flows (call flows as data) and the reads the runtime needs.

A call flow's document is checked by `scfm.call_flows.flow_schema.validate` before it is kept;
its errors come back under `document`, each message led by the JSON pointer of the place it is
about (`#/steps/2/next: unknown step id 'goodby'`; `#` alone is the whole document).
"""

from typing import Any

from django.db import transaction

from scfm.accounts.models import Account, User
from scfm.call_flows import data_flow
from scfm.call_flows.flow_schema import FlowError, validate
from scfm.callouts.models import CallFlow, CallFlowVersion
from scfm.core.errors import ValidationFailed
from scfm.core.validation import Errors, blank_to_none

MAX_NAME_LENGTH = 255
IN_USE_MESSAGE = "is used by a callout and cannot be deleted"


def error_message(error: FlowError) -> str:
    return f"#{error.pointer}: {error.message}"


def _check_name(value: Any, errors: Errors) -> str | None:
    name = blank_to_none(value)
    if name is None:
        errors.add("name", "can't be blank")
    elif not isinstance(name, str):
        errors.add("name", "is invalid")
    elif len(name) > MAX_NAME_LENGTH:
        errors.add("name", f"is too long (maximum is {MAX_NAME_LENGTH} characters)")
    return name


def _check_document(document: Any, errors: Errors) -> None:
    for error in validate(document):
        errors.add("document", error_message(error))


@transaction.atomic
def create_call_flow(*, account: Account, data: dict[str, Any], created_by: User | None = None) -> CallFlow:
    errors = Errors()
    name = _check_name(data.get("name"), errors)
    if "document" not in data:
        errors.add("document", "can't be blank")
    else:
        _check_document(data["document"], errors)
    errors.raise_if_any()
    call_flow = CallFlow.objects.create(account=account, name=name, created_by=created_by, version=1)
    CallFlowVersion.objects.create(call_flow=call_flow, number=1, document=data["document"])
    return call_flow


@transaction.atomic
def update_call_flow(*, call_flow: CallFlow, data: dict[str, Any]) -> CallFlow:
    """Rename the flow and/or add a version with a new document; calls under way keep theirs."""
    errors = Errors()
    locked = CallFlow.objects.select_for_update().get(pk=call_flow.pk)
    if "name" in data:
        locked.name = _check_name(data["name"], errors)
    new_document = "document" in data and data["document"] != current_version(locked).document
    if "document" in data:
        _check_document(data["document"], errors)
    errors.raise_if_any()
    if new_document:
        locked.version += 1
        CallFlowVersion.objects.create(call_flow=locked, number=locked.version, document=data["document"])
    locked.save(update_fields=["name", "version", "updated_at"])
    return locked


@transaction.atomic
def delete_call_flow(*, call_flow: CallFlow) -> None:
    """Delete a flow no callout names (422 otherwise), with its versions.

    Calls keep a version by id in their metadata; a flow no callout names has no call left to run
    it (its callouts would have to be deleted first, and a callout with calls cannot be).
    """
    locked = CallFlow.objects.select_for_update().get(pk=call_flow.pk)
    if locked.callouts.exists():
        raise ValidationFailed.single("call_flow", IN_USE_MESSAGE)
    locked.delete()


def current_version(call_flow: CallFlow) -> CallFlowVersion:
    return call_flow.versions.get(number=call_flow.version)


def version_for_call(*, call_flow_id: int | None, pinned_version_id: Any) -> CallFlowVersion | None:
    """The version a data-flow call runs: the one it started with, else its flow's latest."""
    if isinstance(pinned_version_id, int):
        pinned = CallFlowVersion.objects.filter(pk=pinned_version_id).first()
        if pinned is not None:
            return pinned
    if call_flow_id is None:
        return None
    return CallFlowVersion.objects.filter(call_flow_id=call_flow_id).order_by("-number").first()


def assign_callout_flow(callout: Any, data: dict[str, Any], errors: Errors) -> None:
    """Apply `call_flow_id` (and `call_flow_logic`) from `data` to the callout.

    Naming a call flow sets the logic to CallFlowLogic::DataFlow; naming another logic drops the
    flow. A data flow needs a flow of the callout's account (`call_flow_id`).
    """
    if "call_flow_id" in data:
        call_flow_id = data["call_flow_id"]
        call_flow = None
        if call_flow_id is not None:
            call_flow = CallFlow.objects.for_account(callout.account).filter(pk=call_flow_id).first()
            if call_flow is None:
                errors.add("call_flow_id", "does not exist")
        callout.call_flow = call_flow
        if call_flow is not None:
            callout.call_flow_logic = data_flow.NAME
    elif callout.call_flow_logic != data_flow.NAME:
        callout.call_flow = None
    if (
        callout.call_flow_logic == data_flow.NAME
        and callout.call_flow_id is None
        and "call_flow_id" not in errors.by_field
    ):
        errors.add("call_flow_id", "can't be blank")
