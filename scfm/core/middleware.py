"""Refuse request parameters holding a NUL character, once for the whole site."""

from django.http import HttpResponse, JsonResponse

from scfm.core.paths import is_machine_path


def _has_nul(params) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in params.lists())


class RejectNulCharactersMiddleware:
    """Answer 400 to a query string or form body with a NUL character in a name or a value.

    No phone number, email, token, filter or metadata ever holds one, and PostgreSQL stores none in
    text or jsonb, so each would otherwise end as a database error (a 500) wherever it is saved or
    compared. JSON and multipart API bodies are checked by the API's parsers (scfm.api.params).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        machine = is_machine_path(request.path)
        # A multipart API body is left to the API's parser, which checks it: parsing it here would
        # consume the stream, and DRF would then take Django's QueryDict and skip that parser.
        is_form = request.content_type == "application/x-www-form-urlencoded" or (
            request.content_type == "multipart/form-data" and not machine
        )
        if _has_nul(request.GET) or (request.method == "POST" and is_form and _has_nul(request.POST)):
            if machine:
                return JsonResponse({"status": 400, "error": "Bad Request"}, status=400)
            return HttpResponse("Request parameters must not contain NUL characters.", status=400)
        return self.get_response(request)
