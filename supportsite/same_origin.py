"""CSRF protection for the two forms a shared, cached public page carries.

A page served from the cache to every anonymous visitor (qa.page_cache) cannot
hold a CSRF token: a token belongs to one visitor's cookie. Its two forms, the
"was this helpful?" vote and the language switcher, are low-stakes and
anonymous, so their views accept either a valid token (pages rendered for one
visitor still send one) or proof that the POST comes from a page of this site:
`Sec-Fetch-Site: same-origin`, or, from browsers that do not send that header,
an `Origin` equal to this site's. Every browser in use sends one of the two on
a form POST. A POST with neither (an old browser, or a script) falls back to
the token check, and without a token it gets the usual CSRF failure page.
This is the check Go's http.CrossOriginProtection makes; every other form
keeps Django's token check alone.
"""

from functools import wraps

from django.conf import settings
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.i18n import set_language as django_set_language


def is_same_origin_post(request) -> bool:
    if request.method != "POST":
        return False
    fetch_site = request.META.get("HTTP_SEC_FETCH_SITE")
    if fetch_site is not None:
        return fetch_site == "same-origin"
    origin = request.META.get("HTTP_ORIGIN")
    if not origin or origin == "null":
        return False
    return origin in {f"{request.scheme}://{request.get_host()}", *settings.CSRF_TRUSTED_ORIGINS}


def csrf_token_or_same_origin(view):
    token_checked = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if is_same_origin_post(request):
            return view(request, *args, **kwargs)
        return token_checked(request, *args, **kwargs)

    return wrapper


set_language = csrf_token_or_same_origin(django_set_language)
