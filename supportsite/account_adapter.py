"""django-allauth adapter: the one place Tipcast changes allauth's behaviour."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.ratelimit import respond_429
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404

from supportsite.client_ip import client_ip
from supportsite.site_record import site_link


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request):
        """allauth's rate limits key on the same client address as every other
        limit in the site (TIPCAST_TRUSTED_PROXY_COUNT)."""
        return client_ip(request)

    def send_mail(self, template_prefix, email, context):
        """Every link in allauth's e-mails (activate_url, password_reset_url,
        signup_url, ...) points at SITE_URL. allauth builds them with
        request.build_absolute_uri(), that is from the Host header, which a
        client chooses."""
        links = {
            key: site_link(value)
            for key, value in context.items()
            if key.endswith("_url") and isinstance(value, str) and value
        }
        super().send_mail(template_prefix, email, {**context, **links})

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


class SocialAppNotConfigured(SocialApp.DoesNotExist, Http404):
    """A provider's app is not configured. Still a SocialApp.DoesNotExist for
    allauth's own code that catches it; an Http404 for everything else."""


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def get_app(self, request, provider, client_id=None):
        """Every installed provider has URLs, configured or not (see
        SOCIALACCOUNT_PROVIDERS in settings). allauth raises SocialApp.DoesNotExist
        for one without credentials, which is a 500 for anyone who opens
        /accounts/facebook/login/; answer 404 instead."""
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise SocialAppNotConfigured(f"The {provider} sign-in is not configured.") from None


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator):
        """Staff who must use a second factor cannot turn theirs off. To move to
        a new phone they enter the key kept from the set-up page, or an admin
        deletes their authenticator (Admin → MFA → Authenticators) and they set
        up again at their next sign-in."""
        user = authenticator.user
        return not (settings.TIPCAST_STAFF_REQUIRE_MFA and user.is_staff)
