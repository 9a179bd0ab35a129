from django.shortcuts import get_object_or_404
from rest_framework import serializers

from scfm.api.base import ResourceViewSet
from scfm.api.fields import HashField, IdField, MergeModeField, OneOfField, StringField, TimestampField
from scfm.api.schema import documented
from scfm.callouts import services
from scfm.callouts.models import Callout
from scfm.callouts.states import CALLOUT_TRANSITIONS
from scfm.contacts.models import Contact
from scfm.filtering.specs import CALLOUT_FILTERS


class CalloutOutput(serializers.ModelSerializer):
    created_at = TimestampField()
    updated_at = TimestampField()

    class Meta:
        model = Callout
        fields = [
            "id",
            "status",
            "call_flow_logic",
            "metadata",
            "created_at",
            "updated_at",
            "account_id",
            "audio_url",
            "settings",
            "created_by_id",
            "call_flow_id",
        ]


class CalloutInput(serializers.Serializer):
    call_flow_logic = StringField(
        max_length=255,
        help_text="The call flow logic run for each call (`CallFlowLogic::DataFlow`: the `call_flow_id`'s).",
    )
    call_flow_id = IdField(
        help_text="A call flow of the account (`/api/call_flows`) its calls run, in place of a built-in "
        "`call_flow_logic` (which then reads `CallFlowLogic::DataFlow`); null to stop using it."
    )
    audio_url = StringField(
        required=False,
        help_text="URL of an audio file played by PlayMessage, in the `default_language` (see `settings`).",
    )
    metadata = HashField(required=False)
    metadata_merge_mode = MergeModeField()
    settings = HashField(
        required=False,
        help_text=(
            "Per-callout settings, replaced on update; keys other than these are kept as sent. "
            "`priority`: emergency, high, normal (default) or low — emergencies take the account's "
            "whole rate, the others share it 4 : 2 : 1. "
            '`calling_window`: `{"from": "08:00", "to": "20:00", "days": ["mon", …], "overnight": false}` '
            "in the contact's local time (metadata `time_zone`, else the number's region, else the "
            "account's `time_zone`, else UTC); calls outside it wait. "
            '`retry_policy`: delays in seconds per outcome, `{"busy": [300, 900], "not_answered": [900], '
            '"errored": []}` (the n-th such outcome waits the n-th delay; `[]` never retries; outcomes '
            "busy, not_answered, failed, errored, expired, canceled; others use "
            "`phone_call_retry_delay_seconds`). `start_at` / `stop_at`: ISO 8601 with an offset; dialing "
            "begins at `start_at`, and at `stop_at` no new calls or retries are made. Also "
            "`phone_call_retry_delay_seconds` and `max_phone_calls_for_callout_participation`. "
            "Languages (PlayMessage and PlayMessageStartRapidproFlow): `default_language` (a BCP 47 tag: "
            '"km", "en", "en-US"; the language of `audio_url`), `audio_urls` `{"en": "https://…/en.mp3"}` '
            'and `message_text` `{"km": "…", "lo": "…"}` (or one text in the default language). The '
            "contact's metadata `language` (else `language_code`) picks the audio, the default language "
            "otherwise; a language without audio hears its text with `<Say language=…>` (a locale: km → "
            'km-KH) and the voice `say_voices` names for it (`{"km": "Azure.km-KH-SreymomNeural"}`; '
            "the provider's default voice may not speak the language); `default_language` is required "
            "with `audio_urls` or texts per language. "
            "Bad values are a 422 under `settings`."
        ),
    )


class CalloutEventInput(serializers.Serializer):
    event = OneOfField(choices=list(CALLOUT_TRANSITIONS))


@documented("Callouts", input=CalloutInput, output=CalloutOutput)
class CalloutViewSet(ResourceViewSet):
    resource = "callouts"
    output_serializer_class = CalloutOutput
    input_serializer_class = CalloutInput
    filter_spec = CALLOUT_FILTERS
    sortable_columns = (
        "id",
        "created_at",
        "updated_at",
        "status",
        "call_flow_logic",
        "audio_url",
        "account_id",
        "created_by_id",
    )

    def get_base_queryset(self):
        callouts = Callout.objects.for_account(self.account)
        if "contact_id" in self.kwargs:
            contact = get_object_or_404(
                Contact.objects.for_account(self.account), pk=self.kwargs["contact_id"]
            )
            callouts = callouts.filter(callout_participations__contact=contact)
        return callouts

    def create(self, request, *args, **kwargs):
        return self.created(services.create_callout(account=self.account, data=self.input()))

    def update(self, request, *args, **kwargs):
        return self.updated(services.update_callout(callout=self.get_object(), data=self.input()))

    def destroy(self, request, *args, **kwargs):
        services.delete_callout(callout=self.get_object())
        return self.destroyed()


@documented("Callouts", input=CalloutEventInput, output=CalloutOutput, actions=("create",))
class CalloutEventViewSet(ResourceViewSet):
    """`POST /api/callouts/:id/callout_events`: start, pause, resume or stop a callout."""

    resource = "callouts"
    required_permission = "callouts_write"
    output_serializer_class = CalloutOutput
    input_serializer_class = CalloutEventInput
    lookup_url_kwarg = "callout_id"

    def get_base_queryset(self):
        return Callout.objects.for_account(self.account)

    def create(self, request, *args, **kwargs):
        callout = services.fire_callout_event(callout=self.get_object(), event=self.input().get("event"))
        return self.created(callout)
