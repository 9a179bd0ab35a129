"""Provider webhook routes. `POST /api/remote_phone_call_events` is routed by scfm.api.urls, which
shares that path with the list of events."""

from django.urls import path

from scfm.telephony import webhooks

app_name = "telephony"

urlpatterns = [
    path("twilio_webhooks/phone_call_events", webhooks.phone_call_event_webhook, name="phone_call_events"),
    path(
        "twilio_webhooks/phone_call_events/<int:phone_call_id>",
        webhooks.phone_call_event_webhook,
        name="phone_call_events",
    ),
    path(
        "twilio_webhooks/recording_status_callbacks",
        webhooks.recording_status_callback_webhook,
        name="recording_status_callbacks",
    ),
]
