"""The admin theme (django-unfold): the sidebar staff navigate by, its stylesheet,
and the one relaxation of the Content-Security-Policy the theme needs.

The sidebar is ordered by what support staff do all day: the inbox first, then
tips, publishing, search and import. The framework's own tables (sites, social
apps and tokens, raw tags, two-factor devices) sit in "System" at the bottom,
and only superusers see those: staff never need them to answer or publish.
"""

from django.templatetags.static import static
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# (title, Material Symbols icon, URL name, the permission that shows the link)
SIDEBAR_GROUPS = [
    (
        None,
        [(_("Dashboard"), "space_dashboard", "admin:index", None)],
    ),
    (
        pgettext_lazy("admin navigation", "Inbox"),
        [
            (_("Conversations"), "inbox", "admin:qa_question_changelist", "qa.view_question"),
            (_("Saved replies"), "quickreply", "admin:qa_savedreply_changelist", "qa.view_savedreply"),
            (
                _("Signatures"),
                "signature",
                "admin:conversations_signaturetemplate_changelist",
                "conversations.view_signaturetemplate",
            ),
            (
                _("Support hours"),
                "schedule",
                "admin:conversations_supporthours_changelist",
                "conversations.view_supporthours",
            ),
            (
                _("Support holidays"),
                "event_busy",
                "admin:conversations_supportholiday_changelist",
                "conversations.view_supportholiday",
            ),
        ],
    ),
    (
        pgettext_lazy("admin navigation", "Tips"),
        [
            (pgettext_lazy("admin navigation", "Tips"), "lightbulb", "admin:qa_tip_changelist", "qa.view_tip"),
            (_("Categories"), "category", "admin:qa_category_changelist", "qa.view_category"),
        ],
    ),
    (
        pgettext_lazy("admin navigation", "Publishing"),
        [
            (_("Deliveries"), "send", "admin:publishing_delivery_changelist", "publishing.view_delivery"),
            (
                _("Channel health"),
                "monitor_heart",
                "admin:publishing_channelstate_changelist",
                "publishing.view_channelstate",
            ),
        ],
    ),
    # --- metrics-page: the support lead's numbers (metrics/views.py) ---
    (
        pgettext_lazy("admin navigation", "Metrics"),
        [(_("Support metrics"), "monitoring", "metrics:page", "metrics.view_support_metrics")],
    ),
    # --- end of metrics-page ---
    (
        pgettext_lazy("admin navigation", "Search"),
        [
            (_("Synonyms"), "sync_alt", "admin:qa_searchsynonym_changelist", "qa.view_searchsynonym"),
            (_("Searches with no result"), "search_off", "admin:qa_searchmiss_changelist", "qa.view_searchmiss"),
        ],
    ),
    (
        pgettext_lazy("admin navigation", "Import"),
        [(_("Import FAQ from CSV"), "upload_file", "admin:qa_tip_import", "qa.add_tip")],
    ),
    # --- Quality audits (audits app): every staff member sees the audits of their own replies ---
    (
        pgettext_lazy("admin navigation", "Quality"),
        [
            (_("Quality audits"), "fact_check", "admin:audits_audit_changelist", None),
            (_("Audit guidelines"), "rule", "admin:audits_guideline_changelist", "audits.view_guideline"),
        ],
    ),
    # --- end of quality audits ---
    (
        pgettext_lazy("admin navigation", "Users"),
        [
            (_("Users"), "person", "admin:auth_user_changelist", "auth.view_user"),
            (_("Groups"), "group", "admin:auth_group_changelist", "auth.view_group"),
            (
                _("Staff display names"),
                "badge",
                "admin:conversations_staffprofile_changelist",
                "conversations.view_staffprofile",
            ),
            (
                _("E-mail addresses"),
                "alternate_email",
                "admin:account_emailaddress_changelist",
                "account.view_emailaddress",
            ),
        ],
    ),
]

# The framework's tables: superusers only.
SYSTEM_GROUP = (
    pgettext_lazy("admin navigation", "System"),
    [
        (_("Two-factor devices"), "key", "admin:mfa_authenticator_changelist"),
        (_("Social accounts"), "share", "admin:socialaccount_socialaccount_changelist"),
        (_("Social applications"), "apps", "admin:socialaccount_socialapp_changelist"),
        (_("Social application tokens"), "token", "admin:socialaccount_socialtoken_changelist"),
        (_("Tags (raw)"), "sell", "admin:taggit_tag_changelist"),
        (_("Sites"), "language", "admin:sites_site_changelist"),
    ],
)


def sidebar(request) -> list[dict]:
    """Unfold's SIDEBAR navigation for this user: only the links they may open,
    and no empty group."""
    user = request.user
    groups = []
    for title, entries in SIDEBAR_GROUPS:
        items = [
            {
                "title": label,
                "icon": icon,
                "link": reverse_lazy(url_name),
                **_active_rule(url_name),
                **_badge(request, url_name),
            }
            for label, icon, url_name, permission in entries
            if permission is None or user.has_perm(permission)
        ]
        if items:
            groups.append({"title": title, "separator": title is not None, "collapsible": False, "items": items})
    if user.is_superuser:
        title, entries = SYSTEM_GROUP
        groups.append(
            {
                "title": title,
                "separator": True,
                "collapsible": True,
                "items": [{"title": label, "icon": icon, "link": reverse_lazy(name)} for label, icon, name in entries],
            }
        )
    return groups


def _active_rule(url_name: str) -> dict:
    """The import page lives under the tip list's address: only "Import" is lit there."""
    if url_name != "admin:qa_tip_changelist":
        return {}

    def tips_active(request) -> bool:
        return request.path.startswith(reverse(url_name)) and not request.path.startswith(
            reverse("admin:qa_tip_import")
        )

    return {"active": tips_active}


def _badge(request, url_name: str) -> dict:
    """The inbox link carries how many conversations wait on staff (one COUNT per
    admin page), and no badge when none waits."""
    if url_name != "admin:qa_question_changelist":
        return {}
    from conversations.selectors import inbox_waiting_count

    request.tipcast_inbox_waiting = inbox_waiting_count()
    if not request.tipcast_inbox_waiting:
        return {}
    return {"badge": "supportsite.admin_theme.inbox_badge", "badge_variant": "primary"}


def inbox_badge(request) -> int:
    """Unfold's badge callback: the count _badge made for this request."""
    return request.tipcast_inbox_waiting


def account_links(request) -> list[dict]:
    # Staff manage their authenticator app and recovery codes on the site's two-factor page.
    links = [{"title": _("Two-factor authentication"), "link": reverse_lazy("mfa_index")}]
    if request.user.is_authenticated and request.user.has_usable_password():
        links.append({"title": _("Change password"), "link": reverse_lazy("admin:password_change")})
    if request.user.is_authenticated and request.user.is_staff:
        # The name this staff member signs replies with (conversations.compose).
        links.append({"title": _("My reply signature"), "link": reverse_lazy("admin:conversations_staffprofile_mine")})
    return links


def favicons(request) -> list[dict]:
    return [
        {"rel": "icon", "sizes": "32x32", "href": static("img/favicon.ico")},
        {"rel": "icon", "type": "image/png", "href": static("img/favicon.png")},
    ]


def stylesheet(request) -> str:
    return static("admin-tipcast/admin.css")


def composer_stylesheet(request) -> str:
    """The reply composer on X and Facebook conversations."""
    return static("admin-tipcast/composer.css")


class AdminThemeCSPMiddleware:
    """The site's policy allows only script files from itself. Unfold's Alpine.js
    evaluates its x-data/x-on attributes with the Function constructor, and its
    page skeleton carries one <style> element with the theme colours, so admin
    pages (only) add 'unsafe-eval' to script-src and 'unsafe-inline' to
    style-src. Inline <script> stays refused there too; everything customers
    write reaches the admin escaped or through the one sanitiser, which keeps no
    x-* attributes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(reverse("admin:index")):
            response._csp_update = {"script-src": ["'unsafe-eval'"], "style-src": ["'unsafe-inline'"]}
        return response


def admin_registrations_on_theme(site) -> None:
    """Give every ModelAdmin that a library registered (auth, sites, allauth,
    taggit) the theme's base class, so that its pages, forms and inlines look
    like the rest. Tipcast's own ModelAdmins use unfold's classes directly."""
    from django.contrib.auth.admin import UserAdmin
    from unfold import admin as unfold_admin
    from unfold import forms as unfold_forms

    inline_bases = {
        "tabular": unfold_admin.TabularInline,
        "stacked": unfold_admin.StackedInline,
    }

    def themed_inline(inline):
        if issubclass(inline, (unfold_admin.TabularInline, unfold_admin.StackedInline)):
            return inline
        base = inline_bases["tabular" if "tabular" in inline.template else "stacked"]
        return type(inline.__name__, (inline, base), {"__module__": inline.__module__})

    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, unfold_admin.ModelAdmin):
            continue
        original = type(model_admin)
        attrs = {"__module__": original.__module__, "inlines": [themed_inline(i) for i in original.inlines]}
        if issubclass(original, UserAdmin):
            attrs |= {
                "form": unfold_forms.UserChangeForm,
                "add_form": unfold_forms.UserCreationForm,
                "change_password_form": unfold_forms.AdminPasswordChangeForm,
            }
        site.unregister(model)
        site.register(model, type(original.__name__, (original, unfold_admin.ModelAdmin), attrs))
