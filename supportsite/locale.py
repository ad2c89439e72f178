"""The page language: Django's choice (cookie, then Accept-Language), unless
the address names one with `?lang=ja`.

Search engines need one address per language version of a page to list them
as `hreflang` alternates; a cookie or header is not an address. `?lang=`
changes only this response (nothing is stored), so a shared, cached page
stays the same for everyone who asks for that address (qa.page_cache keys
pages by this language, and serves them before this middleware runs).
"""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

LANGUAGE_PARAM = "lang"


def request_language(request) -> str:
    """The language this request's page is in (the site uses no language prefixes in its paths)."""
    language = request.GET.get(LANGUAGE_PARAM)
    if language in dict(settings.LANGUAGES):
        return language
    return translation.get_language_from_request(request)


class LocaleWithParameterMiddleware(LocaleMiddleware):
    def process_request(self, request):
        translation.activate(request_language(request))
        request.LANGUAGE_CODE = translation.get_language()
