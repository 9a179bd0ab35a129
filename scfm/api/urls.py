"""Every route of the reference API (scfm-behaviour.md §6.1), without trailing slashes."""

from django.http import JsonResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from scfm.api.access_tokens import AccessTokenViewSet
from scfm.api.accounts import AccountViewSet, CurrentAccountViewSet
from scfm.api.batch_operations import BatchOperationEventViewSet, BatchOperationViewSet
from scfm.api.call_flows import CallFlowViewSet, call_flow_schema
from scfm.api.callout_participations import CalloutParticipationViewSet
from scfm.api.callout_statistics import CalloutStatisticsViewSet
from scfm.api.callouts import CalloutEventViewSet, CalloutViewSet
from scfm.api.contacts import ContactDataViewSet, ContactViewSet
from scfm.api.phone_calls import PhoneCallViewSet
from scfm.api.recordings import RecordingViewSet, recording_audio_by_link
from scfm.api.remote_phone_call_events import RemotePhoneCallEventViewSet
from scfm.api.users import UserEventViewSet, UserViewSet
from scfm.telephony.webhooks import phone_call_event_webhook

COLLECTION = {"get": "list", "post": "create"}
READ_COLLECTION = {"get": "list"}
MEMBER = {"get": "retrieve", "patch": "update", "put": "update", "delete": "destroy"}
READ_MEMBER = {"get": "retrieve"}
CREATE = {"post": "create"}


def resource(prefix: str, viewset, collection=COLLECTION, member=MEMBER) -> list:
    routes = [path(f"api/{prefix}", viewset.as_view(collection))]
    if member:
        routes.append(path(f"api/{prefix}/<int:pk>", viewset.as_view(member)))
    return routes


def nested(parent: str, kwarg: str, child: str, viewset, actions=READ_COLLECTION):
    return path(f"api/{parent}/<int:{kwarg}>/{child}", viewset.as_view(actions))


@csrf_exempt  # token-authenticated paths: no CSRF cookie to check, and nothing here to protect
def not_found(request, *args, **kwargs):
    """Answer any other API or webhook path (`/api/contacts/abc`) in JSON, as the API does."""
    return JsonResponse({"status": 404, "error": "Not Found"}, status=404)


class RemotePhoneCallEventCollection(RemotePhoneCallEventViewSet):
    """GET lists events (token auth); POST is the 2023-era provider webhook (signature auth).

    A DRF view, so that the list is in the OpenAPI schema; the webhook keeps its own checks.
    """

    def initial(self, request, *args, **kwargs):
        if self.action == "webhook":
            return  # authenticated by the provider's signature, not by an access token
        super().initial(request, *args, **kwargs)

    @extend_schema(exclude=True)  # documented by scfm.api.schema.document_provider_webhooks
    def webhook(self, request, *args, **kwargs):
        return phone_call_event_webhook(request._request)


urlpatterns = [
    path(
        "api/schema",
        SpectacularAPIView.as_view(authentication_classes=[], permission_classes=[]),
        name="schema",
    ),
    path(
        "api/docs",
        # The split view loads its start-up script by URL, which the Content-Security-Policy allows.
        SpectacularSwaggerSplitView.as_view(
            url_name="schema",
            template_name="api/swagger_ui.html",
            authentication_classes=[],
            permission_classes=[],
        ),
        name="api-docs",
    ),
    *resource("accounts", AccountViewSet),
    nested("accounts", "account_id", "users", UserViewSet),
    nested("accounts", "account_id", "access_tokens", AccessTokenViewSet),
    path(
        "api/account", CurrentAccountViewSet.as_view({"get": "retrieve", "patch": "update", "put": "update"})
    ),
    *resource("access_tokens", AccessTokenViewSet),
    *resource("users", UserViewSet),
    nested("users", "user_id", "user_events", UserEventViewSet, CREATE),
    path(
        "api/remote_phone_call_events",
        RemotePhoneCallEventCollection.as_view({"get": "list", "post": "webhook"}),
    ),
    path(
        "api/remote_phone_call_events/<int:pk>",
        RemotePhoneCallEventViewSet.as_view({"get": "retrieve", "patch": "update", "put": "update"}),
    ),
    *resource("contacts", ContactViewSet),
    nested("contacts", "contact_id", "callout_participations", CalloutParticipationViewSet),
    nested("contacts", "contact_id", "callouts", CalloutViewSet),
    nested("contacts", "contact_id", "phone_calls", PhoneCallViewSet),
    nested("contacts", "contact_id", "remote_phone_call_events", RemotePhoneCallEventViewSet),
    path("api/contact_data", ContactDataViewSet.as_view(CREATE)),
    *resource("callouts", CalloutViewSet),
    path("api/call_flows/schema", call_flow_schema, name="call_flow_schema"),
    *resource("call_flows", CallFlowViewSet),
    nested("callouts", "callout_id", "callout_events", CalloutEventViewSet, CREATE),
    nested("callouts", "callout_id", "statistics", CalloutStatisticsViewSet, READ_MEMBER),
    nested("callouts", "callout_id", "callout_participations", CalloutParticipationViewSet, COLLECTION),
    nested("callouts", "callout_id", "contacts", ContactViewSet),
    nested("callouts", "callout_id", "phone_calls", PhoneCallViewSet),
    nested("callouts", "callout_id", "remote_phone_call_events", RemotePhoneCallEventViewSet),
    nested("callouts", "callout_id", "batch_operations", BatchOperationViewSet, COLLECTION),
    *resource("batch_operations", BatchOperationViewSet),
    nested(
        "batch_operations", "batch_operation_id", "batch_operation_events", BatchOperationEventViewSet, CREATE
    ),
    *resource("callout_participations", CalloutParticipationViewSet, collection=READ_COLLECTION),
    nested("callout_participations", "callout_participation_id", "phone_calls", PhoneCallViewSet),
    nested(
        "callout_participations",
        "callout_participation_id",
        "remote_phone_call_events",
        RemotePhoneCallEventViewSet,
    ),
    *resource("phone_calls", PhoneCallViewSet, collection=READ_COLLECTION, member=READ_MEMBER),
    nested("phone_calls", "phone_call_id", "remote_phone_call_events", RemotePhoneCallEventViewSet),
    *resource("recordings", RecordingViewSet, collection=READ_COLLECTION, member=READ_MEMBER),
    # `.mp3` is kept on the path by ApiFormatSuffixMiddleware (the only suffix other than .json).
    path("api/recordings/<int:pk>.mp3", RecordingViewSet.as_view({"get": "audio"})),
    path(
        "api/recording_audio/<int:pk>/<str:token>/<str:name>",
        recording_audio_by_link,
        name="recording_audio_link",
    ),
    # Last: paths under the API's prefixes that matched no route above.
    re_path(r"^(?:api|twilio_webhooks)/", not_found),
]
