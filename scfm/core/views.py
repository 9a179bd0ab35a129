"""Django's last-resort error view: what a client sees when a request fails unexpectedly."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.views import defaults

from scfm.core.paths import is_machine_path

RETRY_AFTER_SECONDS = 5


def server_error(request) -> HttpResponse:
    """Answer an uncaught exception: 503 while the database is unreachable, else 500.

    Django calls this while the exception is being handled, so `sys.exc_info()` names it. A lost
    database connection (PostgreSQL restarting, a failover) is temporary: clients are told to try
    again shortly rather than shown a server fault. The API keeps the reference's error shape.
    """
    error = sys.exc_info()[1]
    as_json = is_machine_path(request.path)
    if isinstance(error, OperationalError | InterfaceError):
        if as_json:
            response = JsonResponse({"status": 503, "error": "Service Unavailable"}, status=503)
        else:
            response = HttpResponse(
                "SCFM is briefly unavailable. Please try again in a moment.",
                status=503,
                content_type="text/plain; charset=utf-8",
            )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if as_json:
        return JsonResponse({"status": 500, "error": "Internal Server Error"}, status=500)
    return defaults.server_error(request)
