"""The `q[...]` filters each API resource accepts (reference §5.1-§5.6)."""

from scfm.filtering.compiler import FilterSpec

ACCESS_TOKEN_FILTERS = FilterSpec()
ACCOUNT_FILTERS = FilterSpec()
USER_FILTERS = FilterSpec()
CONTACT_FILTERS = FilterSpec(msisdn=True)
CALLOUT_FILTERS = FilterSpec(exact=("status", "call_flow_logic"))
BATCH_OPERATION_FILTERS = FilterSpec(
    exact=("callout_id", "status"),
    json_columns=("metadata", "parameters"),
)
CALLOUT_PARTICIPATION_FILTERS = FilterSpec(
    exact=("call_flow_logic", "callout_id", "contact_id", "callout_population_id"),
    msisdn=True,
    related={"callout_filter_params": ("callout", CALLOUT_FILTERS)},
)
PHONE_CALL_FILTERS = FilterSpec(
    exact=(
        "callout_id",
        "callout_participation_id",
        "contact_id",
        "status",
        "call_flow_logic",
        "remote_call_id",
        "remote_status",
        "remote_direction",
        "remote_error_message",
        "duration",
    ),
    msisdn=True,
    timestamps=("created_at", "updated_at", "remotely_queued_at"),
    ranges=("duration",),
    json_columns=("metadata", "remote_response", "remote_queue_response"),
)
REMOTE_PHONE_CALL_EVENT_FILTERS = FilterSpec(
    exact=("phone_call_id", "call_flow_logic", "remote_call_id", "remote_direction", "call_duration"),
    ranges=("call_duration",),
    json_columns=("metadata", "details"),
)
