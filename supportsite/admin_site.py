"""Tipcast's admin site: the rate-limited, two-factor-aware login and the staff dashboard."""

from django.conf import settings
from django.contrib import admin
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django_ratelimit.decorators import ratelimit

from supportsite.staff_mfa import StaffAuthenticationForm, staff_admin_login


class TipcastAdminSite(admin.AdminSite):
    site_header = _("Tipcast support")
    site_title = _("Tipcast")
    index_title = _("Support desk")
    # The publishing backlog (pending, failed, unknown deliveries) heads the index.
    index_template = "admin/publishing/index.html"
    # Refuses accounts that have a second factor: they sign in through allauth.
    login_form = StaffAuthenticationForm

    def index(self, request, extra_context=None):
        from publishing.selectors import delivery_backlog_counts

        extra_context = {"backlog": delivery_backlog_counts(), **(extra_context or {})}
        return super().index(request, extra_context)

    # Password guessing against the admin is throttled per client IP; the
    # RatelimitMiddleware turns a refusal into a readable 429 page.
    @method_decorator(
        ratelimit(key="ip", rate=lambda group, request: settings.ADMIN_LOGIN_RATE, method="POST", block=True)
    )
    def login(self, request, extra_context=None):
        # When staff must use a second factor, allauth's sign-in (which asks
        # for it) replaces this form (see supportsite/staff_mfa.py).
        return staff_admin_login(request) or super().login(request, extra_context)
