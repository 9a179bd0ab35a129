"""Recordings (reference HEAD, 2024-03): `GET /api/recordings[/:id]` and `GET /api/recordings/:id.mp3`.

The `.mp3` route answers 302, as the reference does, to where the audio can be fetched without the
access token: S3's signed, expiring URL, or on local disk a link of our own signed for
`AUDIO_LINK_SECONDS` (`recording_audio_link`), which streams the file.
"""

from django.core import signing
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_safe
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers

from scfm.api.base import ResourceViewSet
from scfm.api.fields import TimestampField
from scfm.api.schema import ERRORS, documented
from scfm.calls.models import Recording
from scfm.calls.recording_storage import provider_free_url
from scfm.calls.recordings import open_audio
from scfm.filtering.compiler import FilterSpec

RECORDING_FILTERS = FilterSpec(
    exact=("phone_call_id", "contact_id", "external_recording_id", "duration"),
    ranges=("duration",),
)
AUDIO_LINK_SECONDS = 600
_AUDIO_LINK_SALT = "scfm.recordings.audio"


class RecordingOutput(serializers.ModelSerializer):
    created_at = TimestampField()
    updated_at = TimestampField()

    class Meta:
        model = Recording
        # The reference's default serialization, in its order.
        fields = [
            "id",
            "phone_call_id",
            "account_id",
            "contact_id",
            "external_recording_id",
            "external_recording_url",
            "duration",
            "created_at",
            "updated_at",
        ]


@documented("Recordings", output=RecordingOutput, actions=("list", "retrieve"))
class RecordingViewSet(ResourceViewSet):
    """Recordings are read-only: the provider's recording callbacks and the engine write them."""

    resource = "recordings"
    required_permission = "recordings_read"  # every action reads, `audio` too; there is no write
    output_serializer_class = RecordingOutput
    filter_spec = RECORDING_FILTERS
    sortable_columns = ("id", "created_at", "updated_at", "duration", "phone_call_id", "contact_id")

    def get_base_queryset(self):
        return Recording.objects.for_account(self.account)

    @extend_schema(
        tags=["Recordings"],
        responses={
            **ERRORS,
            302: OpenApiResponse(description="Location: where the audio is, valid for a few minutes."),
        },
    )
    def audio(self, request, *args, **kwargs):
        recording = self.get_object()
        if not recording.audio_file:
            raise Http404
        url = provider_free_url(recording.audio_file.name) or recording_audio_link(recording)
        return HttpResponseRedirect(url)


def recording_audio_link(recording: Recording) -> str:
    """Return a path that serves the recording's audio to whoever holds it, for a few minutes."""
    token = signing.TimestampSigner(salt=_AUDIO_LINK_SALT).sign(str(recording.pk)).split(":", 1)[1]
    return reverse(
        "recording_audio_link",
        kwargs={"pk": recording.pk, "token": token, "name": f"{recording.external_recording_id}.mp3"},
    )


@require_safe
def recording_audio_by_link(request: HttpRequest, pk: int, token: str, name: str) -> HttpResponse:
    """Stream a recording's audio to the holder of a link made by `recording_audio_link`."""
    try:
        signing.TimestampSigner(salt=_AUDIO_LINK_SALT).unsign(f"{pk}:{token}", max_age=AUDIO_LINK_SECONDS)
    except signing.BadSignature as error:  # SignatureExpired is one
        raise Http404 from error
    recording = get_object_or_404(Recording, pk=pk)
    return audio_response(recording)


def audio_response(recording: Recording) -> FileResponse:
    """Stream a recording's stored audio with its real type (the simulator's `.mp3` is WAV)."""
    if not recording.audio_file:
        raise Http404
    response = FileResponse(
        open_audio(recording),
        content_type=recording.audio_content_type or "audio/mpeg",
        filename=recording.audio_file.name.rsplit("/", 1)[-1],
    )
    response["Cache-Control"] = "private, max-age=300"
    return response
