"""Tipcast's admin site: the rate-limited, two-factor-aware login and the staff dashboard."""

from django.conf import settings
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import EmptyPage
from django.http import Http404
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django_ratelimit.decorators import ratelimit
from unfold.sites import UnfoldAdminSite

from supportsite.staff_mfa import StaffAuthenticationForm, staff_admin_login

# The menu search lists apps and models: a few pages at most.
MAX_SEARCH_PAGE = 1000


class TipcastAdminSite(UnfoldAdminSite):
    site_header = _("Tipcast support")
    site_title = _("Tipcast")
    index_title = _("Support desk")
    # The first page is the inbox's numbers and the publishing backlog, each a
    # link to the list it counts (the apps are in the sidebar).
    index_template = "admin/dashboard.html"
    # Refuses accounts that have a second factor: they sign in through allauth.
    login_form = StaffAuthenticationForm

    def index(self, request, extra_context=None):
        from conversations.selectors import support_status
        from publishing.selectors import delivery_backlog_counts
        from qa.selectors import question_inbox_counts

        user = request.user
        extra_context = {
            "inbox": question_inbox_counts() if user.has_perm("qa.view_question") else None,
            "backlog": delivery_backlog_counts() if user.has_perm("publishing.view_delivery") else None,
            # Whether the team is on duty now (support hours).
            "support_status": support_status() if user.has_perm("qa.view_question") else None,
            **(extra_context or {}),
        }
        return super().index(request, extra_context)

    def search(self, request, extra_context=None):
        """The theme's menu search (its command palette asks it for more pages).
        It turns ?page= into an int unchecked: a bad or past-the-end page is a 404 here, not a 500."""
        page = request.GET.get("page", "1")
        if not (page.isascii() and page.isdigit() and 0 < int(page) <= MAX_SEARCH_PAGE):
            raise Http404("No such page of results")
        try:
            return super().search(request, extra_context)
        except EmptyPage as error:
            raise Http404("No such page of results") from error

    # Password guessing against the admin is throttled per client IP; the
    # RatelimitMiddleware turns a refusal into a readable 429 page.
    @method_decorator(
        ratelimit(key="ip", rate=lambda group, request: settings.ADMIN_LOGIN_RATE, method="POST", block=True)
    )
    def login(self, request, extra_context=None):
        # When staff must use a second factor, allauth's sign-in (which asks
        # for it) replaces this form (see supportsite/staff_mfa.py).
        return staff_admin_login(request) or super().login(request, extra_context)


class DateHierarchyChangeList(ChangeList):
    """For model lists with a date_hierarchy. Django turns a bad year in the
    query (?scheduled_for__year=abc) into the admin's "incorrect filter" page,
    but catches only ValueError: a year of 30 digits overflows datetime() with
    an OverflowError, a 500. Use with `get_changelist` on the ModelAdmin."""

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except OverflowError as error:
            raise IncorrectLookupParameters(error) from error
