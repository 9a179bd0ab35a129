"""IVR dialogs (EWS Laos, Mama Info): run one step of a call flow and keep what it says.

The flows in `scfm.call_flows` are pure: from the dialog's state and the keys pressed they decide
the TwiML, the next state and the answers to keep. This module is where a step meets the database:
the dialog's state lives in `phone_call.metadata["status"]`, the answers on the contact.
"""

from typing import Any

from django.db import transaction
from django.utils import timezone

from scfm.call_flows import data_flow, ivr
from scfm.callouts.call_flows import version_for_call
from scfm.calls.models import PhoneCall
from scfm.core.metadata import deep_merge


def run_step(phone_call_id: int, flow: ivr.Flow, *, digits: Any, current_url: str) -> Any:
    """Run one step of `flow` for the call in one transaction, and return its TwiML (a VoiceResponse).

    The call and its contact are locked first, so two requests for one call (a provider retry, a
    duplicate Redirect) are served one after the other: the second sees the first one's state
    instead of both moving from the same state. When no transition applies (e.g. `finished`) the
    answer is an empty Response: valid TwiML that ends the call, where the reference sent no body.
    """
    with transaction.atomic():
        phone_call = (
            PhoneCall.objects.select_for_update()
            .select_related("contact")
            .only("metadata", "call_flow_logic", "callout", "contact", "contact__metadata")
            .get(pk=phone_call_id)
        )
        contact = phone_call.contact
        metadata = _as_dict(phone_call.metadata)
        flow_document = None
        if phone_call.call_flow_logic == data_flow.NAME:
            # The call keeps the version it started with: pinned at its first step.
            version = version_for_call(
                call_flow_id=_callout_flow_id(phone_call),
                pinned_version_id=metadata.get("call_flow_version_id"),
            )
            if version is not None:
                metadata["call_flow_version_id"] = version.pk
                flow_document = version.document
        call = ivr.Call(
            status=str(metadata.get("status") or ivr.INITIAL_STATUS),
            digits=digits,
            metadata=metadata,
            contact_metadata=_as_dict(contact.metadata),
            current_url=current_url,
            now=timezone.now(),
            flow_document=flow_document,
        )
        step = flow(call)
        if step is None:
            return ivr.empty_response()
        phone_call.metadata = deep_merge(metadata, {**step.call_data, "status": step.to or call.status})
        phone_call.save(update_fields=["metadata", "updated_at"])
        if step.contact_data or step.contact_removed:
            contact_metadata = deep_merge(dict(call.contact_metadata), dict(step.contact_data))
            for key in step.contact_removed:
                contact_metadata.pop(key, None)
            contact.metadata = contact_metadata
            contact.save(update_fields=["metadata", "updated_at"])
        return step.response


def _callout_flow_id(phone_call: PhoneCall) -> int | None:
    callout = phone_call.callout
    return callout.call_flow_id if callout is not None else None


def _as_dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}
