from django.utils import translation

from scfm.core.paths import is_machine_path


class UserLanguageMiddleware:
    """Speak each signed-in user's chosen language; others get what their browser asks for.

    The API never goes through translation: its error messages stay English (reference behaviour).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_machine_path(request.path):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = user.locale
        else:
            language = translation.get_language_from_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        translation.deactivate()
        return response
