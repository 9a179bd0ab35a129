"""Turn exceptions into the reference API's error responses."""

import logging

from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response

from scfm.core.errors import BadRequest, ValidationFailed

logger = logging.getLogger(__name__)

INVALID_TOKEN_CHALLENGE = (
    'Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid"'
)


def status_body(status: int, error: str) -> dict:
    return {"status": status, "error": error}


def handle_exception(exc, context):
    if isinstance(exc, ValidationFailed):
        return Response({"errors": exc.errors}, status=422)
    if isinstance(exc, exceptions.ValidationError):
        return Response({"errors": flatten_errors(exc.detail)}, status=422)
    if isinstance(exc, Http404 | ObjectDoesNotExist | exceptions.NotFound):
        return Response(status_body(404, "Not Found"), status=404)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        return Response(status=401, headers={"WWW-Authenticate": INVALID_TOKEN_CHALLENGE})
    if isinstance(exc, exceptions.PermissionDenied):
        # The reference answers a missing permission with a bare 401 (kept for compatibility).
        return Response(status=401)
    if isinstance(exc, BadRequest | exceptions.ParseError):
        return Response(status_body(400, "Bad Request"), status=400)
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return Response(status_body(415, "Unsupported Media Type"), status=415)
    if isinstance(exc, exceptions.MethodNotAllowed):
        return Response(status_body(405, "Method Not Allowed"), status=405)
    if isinstance(exc, exceptions.NotAcceptable):
        return Response(status_body(406, "Not Acceptable"), status=406)
    if isinstance(exc, exceptions.Throttled):
        return Response(status_body(429, "Too Many Requests"), status=429)
    if isinstance(exc, IntegrityError):
        # Services check uniqueness first; a race that still reaches the constraint is a conflict
        # on data the client sent, not a server fault.
        logger.warning("Integrity error answered as 422: %s", exc)
        return Response({"errors": {"base": ["has already been taken"]}}, status=422)
    if isinstance(exc, exceptions.APIException):
        return Response(status_body(exc.status_code, str(exc.detail)), status=exc.status_code)
    return None


def flatten_errors(detail) -> dict[str, list[str]]:
    """Return DRF's error detail as {"field": ["message"]}, nested fields joined with dots."""
    errors: dict[str, list[str]] = {}

    def walk(prefix: str, node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(f"{prefix}.{key}" if prefix else str(key), value)
        elif isinstance(node, list) and node and not all(isinstance(item, str) for item in node):
            for item in node:
                walk(prefix, item)
        elif isinstance(node, list):
            errors.setdefault(prefix or "base", []).extend(str(item) for item in node)
        else:
            errors.setdefault(prefix or "base", []).append(str(node))

    walk("", detail)
    return errors
