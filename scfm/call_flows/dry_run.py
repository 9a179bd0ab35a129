"""Walk a call flow without a call: the dialog's state and the contact's metadata kept in memory.

`DryRun` is a `logics.StepRunner`: handed to `logics.render_twiml` in place of
`scfm.calls.dialogs.run_step`, it applies each step exactly as that function does (the call's
metadata deep-merged with the step's state, the contact's with its writes) but to dictionaries,
so the dashboard's "try it" panel runs the real TwiML path and never writes a contact.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.utils import timezone
from twilio.twiml.voice_response import VoiceResponse

from scfm.call_flows import ivr
from scfm.core.metadata import deep_merge


class DryRun:
    def __init__(
        self,
        *,
        call_metadata: Mapping[str, Any] | None = None,
        contact_metadata: Mapping[str, Any] | None = None,
        flow_document: Mapping[str, Any] | None = None,
        now: datetime | None = None,
    ) -> None:
        self.flow_document = flow_document
        self.call_metadata: dict[str, Any] = dict(call_metadata or {})
        self.contact_metadata: dict[str, Any] = dict(contact_metadata or {})
        self.now = now

    def __call__(
        self, phone_call_id: int | None, flow: ivr.Flow, *, digits: Any, current_url: str
    ) -> VoiceResponse:
        call = ivr.Call(
            status=str(self.call_metadata.get("status") or ivr.INITIAL_STATUS),
            digits=digits,
            metadata=self.call_metadata,
            contact_metadata=self.contact_metadata,
            current_url=current_url,
            now=self.now or timezone.now(),
            flow_document=self.flow_document,
        )
        step = flow(call)
        if step is None:
            return ivr.empty_response()
        self.call_metadata = deep_merge(
            self.call_metadata, {**step.call_data, "status": step.to or call.status}
        )
        if step.contact_data or step.contact_removed:
            contact_metadata = deep_merge(self.contact_metadata, dict(step.contact_data))
            for key in step.contact_removed:
                contact_metadata.pop(key, None)
            self.contact_metadata = contact_metadata
        return step.response

    @property
    def finished(self) -> bool:
        return self.call_metadata.get("status") == "finished"
