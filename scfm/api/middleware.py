"""Format suffixes on API paths: `.json` is the API's only format, as in the reference."""

import re

from django.http import HttpResponse, JsonResponse

_SUFFIX = re.compile(r"^(?P<path>/(?:api|twilio_webhooks)/.+?)\.(?P<format>[A-Za-z0-9]+)$")
_WEBHOOK_PATHS = ("/api/remote_phone_call_events", "/twilio_webhooks/")
# A recording's audio is `GET /api/recordings/:id.mp3` (reference HEAD), which redirects to a signed
# `/api/recording_audio/…/<RecordingSid>.mp3`: both are routed with their suffix.
_RECORDING_AUDIO = re.compile(r"^/api/(?:recordings/[^/]+|recording_audio/[^/]+/[^/]+/[^/]+)$")


def _is_webhook(path: str, method: str) -> bool:
    return method == "POST" and (path == _WEBHOOK_PATHS[0] or path.startswith(_WEBHOOK_PATHS[1]))


class ApiFormatSuffixMiddleware:
    """Strip an accepted format suffix from API paths; answer 406 for any other format.

    JSON endpoints accept `.json`; the provider webhooks answer TwiML and accept `.xml`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        match = _SUFFIX.match(request.path_info)
        if match:
            path, fmt = match.group("path"), match.group("format").lower()
            if fmt == "mp3" and _RECORDING_AUDIO.match(path):
                return self.get_response(request)  # any method: the route answers 405 to all but GET
            accepted = "xml" if _is_webhook(path, request.method) else "json"
            if fmt != accepted:
                if accepted == "xml":
                    return HttpResponse(status=406)
                return JsonResponse({"status": 406, "error": "Not Acceptable"}, status=406)
            request.path_info = path
        return self.get_response(request)
