"""`/api/call_flows`: an account's call flows as data, under the callouts permissions.

Show answers the latest version's document; an update with a changed document adds a version
(calls under way keep theirs); delete refuses (422) while a callout names the flow. The language's
JSON Schema is served at `/api/call_flows/schema`, without authentication: it holds no data.
"""

from django.db.models import Prefetch
from django.http import JsonResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import api_view, authentication_classes, permission_classes

from scfm.api.base import ResourceViewSet
from scfm.api.fields import HashField, StringField, TimestampField
from scfm.api.schema import documented
from scfm.call_flows.flow_schema import SCHEMA
from scfm.callouts import call_flows as services
from scfm.callouts.models import CallFlow, CallFlowVersion
from scfm.filtering.compiler import FilterSpec

CALL_FLOW_FILTERS = FilterSpec(exact=("name", "version"), json_columns=())
DOCUMENT_HELP = (
    'The flow in the call flow language: `{"start": step id, "default_language": code, "steps": [...]}`, '
    "validated against the JSON Schema at `/api/call_flows/schema`; errors come back under `document`, "
    "each led by the JSON pointer of its place (`#/steps/2/next: unknown step id 'x'`)."
)


class CallFlowOutput(serializers.ModelSerializer):
    document = serializers.SerializerMethodField(help_text="The latest version's document.")
    created_at = TimestampField()
    updated_at = TimestampField()

    class Meta:
        model = CallFlow
        fields = [
            "id",
            "name",
            "version",
            "document",
            "account_id",
            "created_by_id",
            "created_at",
            "updated_at",
        ]

    def get_document(self, call_flow: CallFlow) -> dict:
        # Prefetched by the views: the versions of a list come in one query.
        versions = [v for v in call_flow.versions.all() if v.number == call_flow.version]
        return versions[0].document if versions else {}


class CallFlowInput(serializers.Serializer):
    name = StringField(max_length=255, help_text="Required on create.")
    document = HashField(required=False, help_text=DOCUMENT_HELP)


@documented("Call flows", input=CallFlowInput, output=CallFlowOutput)
class CallFlowViewSet(ResourceViewSet):
    resource = "call_flows"
    output_serializer_class = CallFlowOutput
    input_serializer_class = CallFlowInput
    filter_spec = CALL_FLOW_FILTERS
    sortable_columns = ("id", "created_at", "updated_at", "name", "version")

    @property
    def required_permission(self) -> str:
        # Call flows are part of what a callout says: the callouts permissions govern them.
        return "callouts_read" if self.action in ("list", "retrieve") else "callouts_write"

    def get_base_queryset(self):
        latest = Prefetch("versions", queryset=CallFlowVersion.objects.order_by("-number"))
        return CallFlow.objects.for_account(self.account).prefetch_related(latest)

    def create(self, request, *args, **kwargs):
        call_flow = services.create_call_flow(account=self.account, data=self.input())
        return self.created(self.get_base_queryset().get(pk=call_flow.pk))

    def update(self, request, *args, **kwargs):
        return self.updated(services.update_call_flow(call_flow=self.get_object(), data=self.input()))

    def destroy(self, request, *args, **kwargs):
        services.delete_call_flow(call_flow=self.get_object())
        return self.destroyed()


# Not an operation of the OpenAPI description: a JSON Schema 2020-12 document (if/then, const)
# that OpenAPI 3.0 cannot describe; `document`'s description points to it.
@extend_schema(exclude=True)
@api_view(["GET"])
@authentication_classes([])
@permission_classes([])
def call_flow_schema(request):
    return JsonResponse(SCHEMA, json_dumps_params={"ensure_ascii": False})
