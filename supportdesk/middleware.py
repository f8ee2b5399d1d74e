from django.conf import settings
from django.core.exceptions import BadRequest
from django.utils import translation
from django.utils.cache import add_never_cache_headers


class ChosenLanguageMiddleware:
    """German unless the person picked another language with the switch (cookie).

    Unlike Django's LocaleMiddleware this ignores the browser's Accept-Language: the desk's
    working language is German whatever language a PC's browser was installed in.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.languages else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class RefuseNulMiddleware:
    """A NUL character can be neither typed nor stored (PostgreSQL refuses it): in the address it is
    answered with a 400 here, not with a 500 from a search or lookup further in (R14).
    Bodies reach forms, whose text fields refuse it, and the API's JSON parser."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "\x00" in "".join(
            key + "".join(values) for key, values in request.GET.lists()
        ):
            raise BadRequest("NUL character in the address")
        return self.get_response(request)


class NoStoreMiddleware:
    """Signed-in pages and the API hold case data: no browser or proxy cache keeps a copy
    (Cache-Control: no-store, DESIGN §11). The path is checked first, so an API request
    authenticated by token does not load a session for this."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/api/") or request.user.is_authenticated:
            add_never_cache_headers(response)
        return response
