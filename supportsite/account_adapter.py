"""django-allauth adapter: the one place Tipcast changes allauth's behaviour."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.ratelimit import respond_429
from django.core.exceptions import ValidationError


class AccountAdapter(DefaultAccountAdapter):
    def pre_authenticate(self, request, **credentials):
        """Answer 429 (the site's "slow down" page) once the failed-login limit
        (ACCOUNT_RATE_LIMITS["login_failed"]) is reached.

        allauth shows a form error instead, with status 200, which password-
        guessing scripts do not notice and monitoring cannot count. The only
        ValidationError the parent raises here is that rate-limit error.
        """
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            raise ImmediateHttpResponse(respond_429(request)) from None
