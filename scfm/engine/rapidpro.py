"""The RapidPro loop: start the configured RapidPro flow for completed PlayMessageStartRapidproFlow calls.

`flow_id` and `api_token` come from the callout's `settings["rapidpro"]`, else the account's
(reference §9.7). A call is marked handled before the request leaves, so a flow is never
started twice for one call; what RapidPro answered goes to `metadata["rapidpro"]`.
"""

import logging
from datetime import datetime
from typing import Any

import httpx
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from scfm.call_flows.logics import PLAY_MESSAGE_START_RAPIDPRO_FLOW
from scfm.calls.models import PhoneCall
from scfm.calls.states import PhoneCallStatus
from scfm.core.metadata import deep_merge

logger = logging.getLogger(__name__)

BATCH = 20
TIMEOUT_SECONDS = 10


def rapidpro_settings(phone_call: PhoneCall) -> tuple[str | None, str | None]:
    """Return (flow_id, api_token), each from the callout's settings, else the account's."""
    sources = [getattr(phone_call.callout, "settings", None), phone_call.account.settings]
    values = {}
    for key in ("flow_id", "api_token"):
        for source in sources:
            section = source.get("rapidpro") if isinstance(source, dict) else None
            if isinstance(section, dict) and section.get(key):
                values[key] = str(section[key])
                break
    return values.get("flow_id"), values.get("api_token")


def tick(now: datetime | None = None) -> bool:
    now = now or timezone.now()
    due = list(
        PhoneCall.objects.filter(
            call_flow_logic=PLAY_MESSAGE_START_RAPIDPRO_FLOW,
            status=PhoneCallStatus.COMPLETED,
            rapidpro_handled_at__isnull=True,
        )
        .order_by("id")
        .values_list("id", flat=True)[:BATCH]
    )
    for phone_call_id in due:
        start_flow(phone_call_id, now=now)
    return bool(due)


def start_flow(phone_call_id: int, *, now: datetime) -> None:
    """Start the call's RapidPro flow once; record the outcome in the call's metadata."""
    claimed = PhoneCall.objects.filter(Q(rapidpro_handled_at__isnull=True), pk=phone_call_id).update(
        rapidpro_handled_at=now
    )
    if not claimed:
        return
    call = PhoneCall.objects.select_related("account", "callout").get(pk=phone_call_id)
    existing = call.metadata.get("rapidpro") if isinstance(call.metadata, dict) else None
    if isinstance(existing, dict) and existing.get("flow_started_at"):
        return
    flow_id, api_token = rapidpro_settings(call)
    if not flow_id or not api_token:
        return  # nothing configured: the reference skips such calls too
    record: dict[str, Any] = {"flow_started_at": now.isoformat()}
    try:
        response = httpx.post(
            f"{settings.SCFM_RAPIDPRO_BASE_URL}/api/v2/flow_starts.json",
            json={"flow": flow_id, "urns": [f"tel:{call.msisdn}"]},
            headers={"Authorization": f"Token {api_token}"},
            timeout=TIMEOUT_SECONDS,
        )
        record["start_flow_response_status"] = response.status_code
        try:
            record["start_flow_response_body"] = response.json()
        except ValueError:
            record["start_flow_response_body"] = response.text[:2000]
    except httpx.HTTPError as error:
        logger.warning("Starting the RapidPro flow of phone call %s failed: %s", call.pk, error)
        record["start_flow_error"] = str(error)
    metadata = deep_merge(call.metadata if isinstance(call.metadata, dict) else {}, {"rapidpro": record})
    PhoneCall.objects.filter(pk=call.pk).update(metadata=metadata)
