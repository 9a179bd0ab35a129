"""Provider webhooks: Twilio/Somleng phone call events, answered with the call flow's TwiML.

One handler serves the call's `Url` (TwiML fetches, Gather actions, Redirects) and its
`StatusCallback`, on the 2023-09 path `/api/remote_phone_call_events` and the later
`/twilio_webhooks/phone_call_events[/<phone_call_id>]` (reference §9.3 to §9.5).
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from scfm.call_flows.logics import render_twiml
from scfm.calls.dialogs import run_step
from scfm.calls.event_lookup import PhoneCallNotFound
from scfm.calls.recordings import record_recording_status
from scfm.calls.services import record_remote_phone_call_event
from scfm.core.errors import BadRequest
from scfm.telephony.payloads import (
    clean_recording_status_params,
    clean_remote_phone_call_event_params,
    provider_params,
)
from scfm.telephony.signatures import find_account_for_sid, is_valid_signature, webhook_url

VALIDATION_FAILED_BODY = "Twilio Request Validation Failed."
TWIML_CONTENT_TYPE = "application/xml; charset=utf-8"


def _validation_failed() -> HttpResponse:
    return HttpResponse(VALIDATION_FAILED_BODY, status=403, content_type="text/plain")


def _error(status: int, error: str) -> JsonResponse:
    return JsonResponse({"status": status, "error": error}, status=status)


def handle_phone_call_event(request: HttpRequest, phone_call_id: int | None = None) -> HttpResponse:
    """Authenticate a phone call event, record it, and answer the call flow's TwiML (201).

    Unknown account or bad signature → 403 text; invalid params → 400; a call of another account
    → 404. Every accepted event is committed before the response is sent.
    """
    found = find_account_for_sid(request.POST.get("AccountSid", ""))
    if found is None:
        return _validation_failed()
    account, auth_token = found
    if not is_valid_signature(request, auth_token):
        return _validation_failed()
    try:
        params = clean_remote_phone_call_event_params(request.POST)
        phone_call, _event = record_remote_phone_call_event(
            account=account,
            params=params,
            phone_call_id=phone_call_id,
            provider_params=provider_params(request.POST),
        )
    except BadRequest:
        return _error(400, "Bad Request")
    except PhoneCallNotFound:
        return _error(404, "Not Found")
    twiml = render_twiml(
        phone_call, current_url=webhook_url(request), params=request.POST, run_ivr_step=run_step
    )
    return HttpResponse(twiml, status=201, content_type=TWIML_CONTENT_TYPE)


@csrf_exempt
@require_POST
def phone_call_event_webhook(request: HttpRequest, phone_call_id: int | None = None) -> HttpResponse:
    """Serve `POST /twilio_webhooks/phone_call_events[/<id>]` and `POST /api/remote_phone_call_events`."""
    return handle_phone_call_event(request, phone_call_id=phone_call_id)


@csrf_exempt
@require_POST
def recording_status_callback_webhook(request: HttpRequest) -> HttpResponse:
    """Serve `POST /twilio_webhooks/recording_status_callbacks` (reference §9.6): 200, empty body.

    Same authentication as the phone call events. The recording is stored at once; its audio is
    fetched by the engine (scfm.engine.recordings), never during the request.
    """
    found = find_account_for_sid(request.POST.get("AccountSid", ""))
    if found is None:
        return _validation_failed()
    account, auth_token = found
    if not is_valid_signature(request, auth_token):
        return _validation_failed()
    try:
        record_recording_status(account=account, params=clean_recording_status_params(request.POST))
    except BadRequest:
        return _error(400, "Bad Request")
    except PhoneCallNotFound:
        return _error(404, "Not Found")
    return HttpResponse(status=200)
