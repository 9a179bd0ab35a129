"""Django's last-resort error view: what a client sees when a request fails unexpectedly."""

import sqlite3
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.views import defaults

from scfm.core.paths import is_machine_path

RETRY_AFTER_SECONDS = 5


# SQLite result codes that mean the file cannot be used right now, not that the query is wrong:
# BUSY, LOCKED (another writer holds it past the busy timeout), IOERR, CANTOPEN.
_SQLITE_UNAVAILABLE = {5, 6, 10, 14}
# PostgreSQL SQLSTATEs of a server that cannot serve us right now: any connection exception (08…),
# too many connections, an administrator or crash shutdown, a server still starting.
_POSTGRES_UNAVAILABLE = {"53300", "57P01", "57P02", "57P03"}
_UNAVAILABLE_PHRASES = ("connection", "database is locked", "unable to open database")


def is_database_unavailable(error: BaseException | None) -> bool:
    """Return whether `error` says the database cannot be reached, rather than that a query failed.

    Django raises OperationalError for both a lost connection and, on SQLite, for many query errors
    (malformed JSON in a row, a bad function argument): only the first is worth a 503 and a retry.
    The driver's own error (Django's `__cause__`) tells them apart.
    """
    if isinstance(error, InterfaceError):
        return True
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    if isinstance(cause, sqlite3.Error):
        return (getattr(cause, "sqlite_errorcode", 0) & 0xFF) in _SQLITE_UNAVAILABLE
    if cause is not None and hasattr(cause, "sqlstate"):  # psycopg
        # No SQLSTATE means the client lost or never had the connection.
        return (
            cause.sqlstate is None
            or cause.sqlstate.startswith("08")
            or cause.sqlstate in _POSTGRES_UNAVAILABLE
        )
    message = str(error).lower()
    return any(phrase in message for phrase in _UNAVAILABLE_PHRASES)


def server_error(request) -> HttpResponse:
    """Answer an uncaught exception: 503 while the database is unreachable, else 500.

    Django calls this while the exception is being handled, so `sys.exc_info()` names it. A lost
    database connection (PostgreSQL restarting, a failover) is temporary: clients are told to try
    again shortly rather than shown a server fault. The API keeps the reference's error shape.
    """
    error = sys.exc_info()[1]
    as_json = is_machine_path(request.path)
    if is_database_unavailable(error):
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
