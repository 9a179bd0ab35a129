from django.shortcuts import get_object_or_404
from rest_framework import serializers

from scfm.api.base import ResourceViewSet
from scfm.api.fields import HashField, IdField, MergeModeField, OneOfField, TimestampField
from scfm.api.schema import documented
from scfm.callouts import populations
from scfm.callouts.models import CALLOUT_POPULATION, BatchOperation, Callout
from scfm.callouts.states import PUBLIC_BATCH_OPERATION_EVENTS
from scfm.filtering.specs import BATCH_OPERATION_FILTERS


class BatchOperationOutput(serializers.ModelSerializer):
    created_at = TimestampField()
    updated_at = TimestampField()

    class Meta:
        model = BatchOperation
        fields = [
            "id",
            "callout_id",
            "parameters",
            "metadata",
            "status",
            "created_at",
            "updated_at",
            "account_id",
            "type",
        ]


class BatchOperationInput(serializers.Serializer):
    type = OneOfField([CALLOUT_POPULATION])
    callout_id = IdField(required=False, help_text="Or given by the path.")
    parameters = HashField(
        required=False, help_text='{"contact_filter_params": {…}}: which contacts join the callout.'
    )
    metadata = HashField(required=False)
    metadata_merge_mode = MergeModeField()


class BatchOperationEventInput(serializers.Serializer):
    event = OneOfField(choices=list(PUBLIC_BATCH_OPERATION_EVENTS))


@documented("Batch operations", input=BatchOperationInput, output=BatchOperationOutput)
class BatchOperationViewSet(ResourceViewSet):
    resource = "batch_operations"
    output_serializer_class = BatchOperationOutput
    input_serializer_class = BatchOperationInput
    filter_spec = BATCH_OPERATION_FILTERS
    sortable_columns = ("id", "created_at", "updated_at", "callout_id", "account_id", "status", "type")

    def get_base_queryset(self):
        operations = BatchOperation.objects.for_account(self.account)
        if "callout_id" in self.kwargs:
            operations = operations.filter(callout=self.parent_callout())
        kind = self.request.query_params.get("type")
        if kind:
            operations = operations.filter(type=kind)
        return operations

    def parent_callout(self) -> Callout:
        return get_object_or_404(Callout.objects.for_account(self.account), pk=self.kwargs["callout_id"])

    def create(self, request, *args, **kwargs):
        data = self.input()
        # A path callout must be the caller's (else 404); a body callout_id is checked by the service.
        callout_id = self.parent_callout().pk if "callout_id" in self.kwargs else data.get("callout_id")
        return self.created(
            populations.create_population(account=self.account, data=data, callout_id=callout_id)
        )

    def update(self, request, *args, **kwargs):
        return self.updated(populations.update_population(population=self.get_object(), data=self.input()))

    def destroy(self, request, *args, **kwargs):
        populations.delete_population(population=self.get_object())
        return self.destroyed()


@documented(
    "Batch operations", input=BatchOperationEventInput, output=BatchOperationOutput, actions=("create",)
)
class BatchOperationEventViewSet(ResourceViewSet):
    """`POST /api/batch_operations/:id/batch_operation_events`: queue a population."""

    resource = "batch_operations"
    required_permission = "batch_operations_write"
    output_serializer_class = BatchOperationOutput
    input_serializer_class = BatchOperationEventInput
    lookup_url_kwarg = "batch_operation_id"

    def get_base_queryset(self):
        return BatchOperation.objects.for_account(self.account)

    def create(self, request, *args, **kwargs):
        population = populations.fire_population_event(
            population=self.get_object(), event=self.input().get("event")
        )
        return self.created(population)
