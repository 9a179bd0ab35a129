"""`GET /api/callouts/:id/statistics`: delivery statistics and ETA (`scfm.calls.callout_statistics`)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response

from scfm.api.base import ResourceViewSet
from scfm.api.fields import TimestampField
from scfm.api.schema import ERRORS
from scfm.callouts.models import Callout
from scfm.calls.callout_statistics import callout_statistics
from scfm.calls.states import PhoneCallStatus


class CallsByStatus(serializers.Serializer):
    """Every phone call status with its number of calls (0 when none)."""

    def get_fields(self):
        return {status.value: serializers.IntegerField(min_value=0) for status in PhoneCallStatus}


class CalloutStatisticsOutput(serializers.Serializer):
    """Documents the body (the service writes it: `CalloutStatistics.to_json`)."""

    participations = serializers.IntegerField(min_value=0, help_text="Participations of the callout.")
    participations_remaining = serializers.IntegerField(
        min_value=0, help_text="Participations with a call waiting or under way, or a retry pending."
    )
    participations_answered = serializers.IntegerField(min_value=0)
    calls_by_status = CallsByStatus(help_text="Phone calls (every attempt) by status.")
    waiting_for_window = serializers.IntegerField(
        min_value=0, help_text="Calls due but held until their calling window opens."
    )
    calls_in_progress = serializers.IntegerField(
        min_value=0, help_text="Calls claimed by the engine, at the provider, ringing or answered."
    )
    calls_per_minute = serializers.IntegerField(
        min_value=0, help_text="Calls handed over in the last minute."
    )
    eta_seconds = serializers.IntegerField(
        min_value=0,
        allow_null=True,
        help_text="Seconds until the callout is expected to be done (0 once completed); null when it "
        "is not running or there is nothing to estimate from.",
    )
    eta_at = TimestampField(allow_null=True, help_text="When the callout is expected to be done.")
    completed_at = TimestampField(
        allow_null=True, help_text="When the engine found every participation final; null until then."
    )


@extend_schema_view(
    retrieve=extend_schema(
        tags=["Callouts"],
        summary="A callout's delivery statistics and estimated time of completion.",
        responses={200: CalloutStatisticsOutput, **ERRORS},
    )
)
class CalloutStatisticsViewSet(ResourceViewSet):
    """Read with `callouts_read`, scoped to the caller's account as `GET /api/callouts/:id`."""

    resource = "callouts"
    output_serializer_class = CalloutStatisticsOutput
    lookup_url_kwarg = "callout_id"
    sortable_columns = ()  # one record, never a list

    def get_base_queryset(self):
        return Callout.objects.for_account(self.account).select_related("account")

    def retrieve(self, request, *args, **kwargs):
        return Response(callout_statistics(self.get_object()).to_json())
