"""Recordings: what contacts said on calls with a `<Record>`, played from our own origin.

The audio is streamed by `recording_audio` after the account check (the CSP allows media from
'self' only, and recordings are never public); S3-stored audio is streamed through it too.
"""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.urls import path

from scfm.calls.models import Recording
from scfm.calls.recordings import open_audio
from scfm.dashboard.access import member_required
from scfm.dashboard.lists import list_page
from scfm.filtering.compiler import FilterSpec

RECORDING_FILTERS = FilterSpec(exact=("phone_call_id", "contact_id", "external_recording_id"))


def _recordings(request):
    return Recording.objects.for_account(request.user.account)


@member_required
def recording_list(request):
    page = list_page(request, _recordings(request), RECORDING_FILTERS)
    return render(request, "dashboard/recordings/list.html", {"page": page})


@member_required
def recording_detail(request, pk):
    recording = get_object_or_404(_recordings(request).select_related("phone_call", "contact"), pk=pk)
    return render(request, "dashboard/recordings/detail.html", {"recording": recording})


@member_required
def recording_audio(request, pk):
    """Stream the recording's audio: inline for the player, as a download with `?download=1`."""
    recording = get_object_or_404(_recordings(request), pk=pk)
    if not recording.audio_file:
        raise Http404
    response = FileResponse(
        open_audio(recording),
        content_type=recording.audio_content_type or "audio/mpeg",
        as_attachment=request.GET.get("download") == "1",
        filename=recording.audio_file.name.rsplit("/", 1)[-1],
    )
    response["Cache-Control"] = "private, max-age=300"
    return response


urlpatterns = [
    path("dashboard/recordings", recording_list, name="recordings"),
    path("dashboard/recordings/<int:pk>", recording_detail, name="recording_detail"),
    path("dashboard/recordings/<int:pk>/audio", recording_audio, name="recording_audio"),
]
