"""Staff and their second factor (allauth.mfa: an authenticator app and recovery codes).

With TIPCAST_STAFF_REQUIRE_MFA on (the production default):
- the admin's login page sends everyone to allauth's sign-in page, which asks
  for the authenticator code after the password (staff_admin_login);
- a staff member signed in without a second factor is sent to set one up before
  any admin page (StaffMFARequiredMiddleware).
Whatever the setting, an account that has a second factor never signs in with
its password alone: the admin's own form refuses it (StaffAuthenticationForm).
"""

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


def staff_mfa_missing(user) -> bool:
    """True for a signed-in staff member who must use a second factor and has none."""
    return (
        settings.TIPCAST_STAFF_REQUIRE_MFA
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and not is_mfa_enabled(user)
    )


class StaffMFARequiredMiddleware:
    """Every admin URL (custom admin views included, whatever wraps them) is
    closed to staff who must set up a second factor and have not; signing out
    stays open."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        admin_root = reverse("admin:index")
        if (
            request.path.startswith(admin_root)
            and request.path != reverse("admin:logout")
            and staff_mfa_missing(request.user)
        ):
            messages.warning(
                request,
                _(
                    "Staff accounts must use two-factor authentication. Set up an authenticator app to continue "
                    "to the admin."
                ),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)


class StaffAuthenticationForm(AdminAuthenticationForm):
    """The admin's own password form (used when TIPCAST_STAFF_REQUIRE_MFA is off):
    it must not let an account with a second factor in on its password alone."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "mfa_enabled": gettext_lazy(
            "This account uses two-factor authentication. Please sign in on the site's sign-in page, which asks "
            "for your authenticator code."
        ),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if is_mfa_enabled(user):
            raise ValidationError(self.error_messages["mfa_enabled"], code="mfa_enabled")


def staff_admin_login(request):
    """What the admin's login URL does when staff must use a second factor, or
    None to show the admin's own form.

    allauth's sign-in runs the second-factor step, then returns to `next`.
    Someone already signed in who is not staff would bounce between the two
    sign-in pages: they get a page that says so, with a way to sign out."""
    if not settings.TIPCAST_STAFF_REQUIRE_MFA:
        return None
    next_url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("admin:index")
    if request.user.is_authenticated and not (request.user.is_active and request.user.is_staff):
        return render(request, "account/staff_only.html", {"admin_login_url": request.path}, status=403)
    if request.user.is_authenticated:
        return redirect(next_url)
    return redirect_to_login(next_url, login_url=reverse("account_login"))
