"""What each actor may see and do, for every URL the site answers: the tables
test_permissions checks against the URL conf (and test_csrf reuses for its POSTs).

Each expectation is a tuple for the four actors, in this order:
anonymous visitor, customer (owns the question), other customer (owns
nothing), staff. An outcome is an HTTP status, or one of:
- LOGIN: a redirect to the customer sign-in page (with ?next=);
- ADMIN_LOGIN: a redirect to the admin sign-in page (customers are not staff);
- REDIRECT: any other redirect (to the canonical URL, after a POST, ...).

The tables are keyed by route, or by URL name where the route is unstable (the
admin's app list regex follows the order models register in).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType

from publishing.models import Delivery
from qa.models import Tip

LOGIN = "login"
ADMIN_LOGIN = "admin-login"
REDIRECT = "redirect"
ACTORS = ("anonymous", "customer", "other", "staff")


def everyone(outcome):
    return (outcome,) * 4


SIGNED_IN_ONLY = (LOGIN, 200, 200, 200)


def everyone_but_anonymous(outcome):
    return (LOGIN, outcome, outcome, outcome)


STAFF_ONLY = (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200)


def staff_only(staff_outcome):
    return (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, staff_outcome)


# --- Objects every parameterised route resolves to -------------------------------------------------


@dataclass
class World:
    customer: object
    other: object
    staff: object
    published_tip: Tip
    draft_tip: Tip
    question: object
    answer: object
    delivery: Delivery
    attachment: object = None  # an image the customer attached to a follow-up
    objects: dict = field(default_factory=dict)  # "app_label.model" -> an instance, for the admin


# --- Expectations: public site, accounts, custom admin views ------------------------------------------


@dataclass(frozen=True)
class Case:
    url: Callable[[World], str] | str
    get: tuple | None  # None: GET is not the point of this route (POST only, checked below)
    post: tuple | None = None
    post_data: Callable[[World], dict] | dict = field(default_factory=dict)
    label: str = ""


def share_image_path(tip) -> str:
    """Draw the tip's share image (only for the cases that need it: it takes a moment) and give its path."""
    from django.conf import settings

    from qa.share_image_store import tip_share_image_generate

    name = tip_share_image_generate(tip_id=tip.pk)
    return settings.MEDIA_URL + name


def ask_data(world):
    return {"title": "送料はいくらですか", "body": "沖縄までの送料を教えてください。", "action": "confirm"}


ROUTES: dict[str, list[Case]] = {
    "healthz": [Case("/healthz", everyone(200))],
    # Public pages: the same for everyone.
    "": [Case("/", everyone(200))],
    "tips/": [Case("/tips/", everyone(200))],
    "tips/<int:pk>/": [
        Case(lambda w: f"/tips/{w.published_tip.pk}/", everyone(301), label="published tip -> canonical"),
        Case(lambda w: f"/tips/{w.draft_tip.pk}/", everyone(404), label="draft tip"),
    ],
    "tips/<int:pk>/<str:slug>/": [
        Case(lambda w: w.published_tip.get_absolute_url(), everyone(200), label="published tip"),
        # Drafts are only visible to staff, in the admin's preview.
        Case(lambda w: f"/tips/{w.draft_tip.pk}/{w.draft_tip.slug}/", everyone(404), label="draft tip"),
    ],
    "votes/tips/<int:pk>/": [
        Case(
            lambda w: f"/votes/tips/{w.published_tip.pk}/",
            everyone(405),
            everyone(REDIRECT),
            {"helpful": "yes"},
            label="published tip",
        ),
        Case(lambda w: f"/votes/tips/{w.draft_tip.pk}/", None, everyone(404), {"helpful": "yes"}, label="draft tip"),
    ],
    "categories/<str:slug>/": [
        Case("/categories/shipping/", everyone(200)),
        Case("/categories/no-such-topic/", everyone(404), label="unknown"),
    ],
    "tags/<str:slug>/": [
        Case("/tags/配送/", everyone(200)),
        Case("/tags/配送/?all_languages=1&page=2", everyone(200), label="every language, past the last page"),
        Case("/tags/no-such-tag/", everyone(404), label="unknown"),
    ],
    "search/": [Case("/search/?q=parcel", everyone(200))],
    "feeds/tips.rss": [Case("/feeds/tips.rss", everyone(200))],
    "feeds/tips.atom": [Case("/feeds/tips.atom", everyone(200))],
    "feeds/categories/<str:slug>.rss": [Case("/feeds/categories/shipping.rss", everyone(200))],
    "feeds/categories/<str:slug>.atom": [Case("/feeds/categories/shipping.atom", everyone(200))],
    "sitemap.xml": [Case("/sitemap.xml", everyone(200))],
    "sitemap-tips.xml": [Case("/sitemap-tips.xml", everyone(200))],
    "sitemap-<str:section>.xml": [
        Case("/sitemap-pages.xml", everyone(200)),
        Case("/sitemap-tags.xml", everyone(200)),
        Case("/sitemap-tags.xml?p=999", everyone(404), label="tags' file past the last"),
        Case("/sitemap-nothing.xml", everyone(404), label="unknown section"),
    ],
    "robots.txt": [Case("/robots.txt", everyone(200))],
    # Share images are public only while their tip is: a draft's image is a 404 like its page.
    "media/share/tips/<str:filename>": [
        Case(lambda w: share_image_path(w.published_tip), everyone(200), label="published tip's image"),
        Case(lambda w: share_image_path(w.draft_tip), everyone(404), label="draft tip's image"),
        Case("/media/share/tips/999999-0123456789abcdef.png", everyone(404), label="unknown"),
    ],
    "favicon.ico": [Case("/favicon.ico", everyone(REDIRECT))],
    # Signed-in customers.
    "ask/": [Case("/ask/", SIGNED_IN_ONLY, (LOGIN, REDIRECT, REDIRECT, REDIRECT), ask_data)],
    "ask/preview/": [Case("/ask/preview/", (LOGIN, 405, 405, 405), SIGNED_IN_ONLY, {"body": "**太字**"})],
    "ask/suggest/": [Case("/ask/suggest/?q=parcel", everyone(200), everyone(405))],
    "my/questions/": [Case("/my/questions/", SIGNED_IN_ONLY)],
    # Only the asker sees their question and replies in it: anyone else (staff too, who use the admin) gets 404.
    "my/questions/<int:pk>/": [
        Case(
            lambda w: f"/my/questions/{w.question.pk}/",
            (LOGIN, 200, 404, 404),
            (LOGIN, REDIRECT, 404, 404),
            {"body": "追加の情報です。"},
        ),
        Case("/my/questions/999999/", (LOGIN, 404, 404, 404), label="missing"),
    ],
    # An image the customer attached: the asker and staff; anyone else the same 404 as a missing one.
    "my/attachments/<int:pk>/": [
        Case(lambda w: f"/my/attachments/{w.attachment.pk}/", (LOGIN, 200, 404, 200), everyone_but_anonymous(405)),
        Case("/my/attachments/999999/", (LOGIN, 404, 404, 404), label="missing"),
    ],
    "i18n/setlang/": [Case("/i18n/setlang/", everyone(REDIRECT), everyone(REDIRECT), {"language": "ja", "next": "/"})],
    # --- django-allauth: each route listed, none skipped ---
    "accounts/login/": [Case("/accounts/login/", (200, REDIRECT, REDIRECT, REDIRECT))],
    "accounts/logout/": [Case("/accounts/logout/", (REDIRECT, 200, 200, 200), everyone(REDIRECT))],
    "accounts/inactive/": [Case("/accounts/inactive/", everyone(200))],
    "accounts/signup/": [Case("/accounts/signup/", (200, REDIRECT, REDIRECT, REDIRECT))],
    "accounts/reauthenticate/": [Case("/accounts/reauthenticate/", SIGNED_IN_ONLY)],
    "accounts/email/": [Case("/accounts/email/", SIGNED_IN_ONLY)],
    "accounts/confirm-email/": [Case("/accounts/confirm-email/", everyone(200))],
    "accounts/password/change/": [Case("/accounts/password/change/", SIGNED_IN_ONLY)],
    "accounts/password/set/": [Case("/accounts/password/set/", (LOGIN, REDIRECT, REDIRECT, REDIRECT))],
    "accounts/password/reset/": [Case("/accounts/password/reset/", everyone(200))],
    # Sign-in by e-mailed code is off: its page sends everyone back.
    "accounts/login/code/confirm/": [Case("/accounts/login/code/confirm/", everyone(REDIRECT))],
    "accounts/^confirm-email/(?P<key>[-:\\w]+)/$": [Case("/accounts/confirm-email/not-a-key/", everyone(200))],
    "accounts/password/reset/key/done/": [Case("/accounts/password/reset/key/done/", everyone(200))],
    "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": [
        Case("/accounts/password/reset/key/1-not-a-key/", everyone(200))
    ],
    "accounts/password/reset/done/": [Case("/accounts/password/reset/done/", everyone(200))],
    "accounts/3rdparty/login/cancelled/": [Case("/accounts/3rdparty/login/cancelled/", everyone(200))],
    "accounts/3rdparty/login/error/": [Case("/accounts/3rdparty/login/error/", everyone(401))],
    "accounts/3rdparty/signup/": [Case("/accounts/3rdparty/signup/", everyone(REDIRECT))],
    "accounts/3rdparty/": [Case("/accounts/3rdparty/", SIGNED_IN_ONLY)],
    # allauth's old addresses, kept as redirects to the 3rdparty/ ones.
    "accounts/social/login/cancelled/": [Case("/accounts/social/login/cancelled/", everyone(301))],
    "accounts/social/login/error/": [Case("/accounts/social/login/error/", everyone(301))],
    "accounts/social/signup/": [Case("/accounts/social/signup/", everyone(301))],
    "accounts/social/connections/": [Case("/accounts/social/connections/", everyone(301))],
    # Two-factor authentication (allauth.mfa). "other" has recovery codes (the world fixture); nobody else has
    # a second factor. force_login is not a recent sign-in, so pages that change a factor first ask for the
    # password again (REDIRECT to accounts/reauthenticate/), or for a code from someone who has one.
    "accounts/2fa/": [Case("/accounts/2fa/", SIGNED_IN_ONLY)],
    # Only during a sign-in that waits for its code; otherwise back to the sign-in page.
    "accounts/2fa/authenticate/": [Case("/accounts/2fa/authenticate/", everyone(REDIRECT))],
    "accounts/2fa/reauthenticate/": [Case("/accounts/2fa/reauthenticate/", (LOGIN, REDIRECT, 200, REDIRECT))],
    "accounts/2fa/totp/activate/": [Case("/accounts/2fa/totp/activate/", (LOGIN, REDIRECT, REDIRECT, REDIRECT))],
    "accounts/2fa/totp/deactivate/": [Case("/accounts/2fa/totp/deactivate/", (LOGIN, 404, 404, 404))],
    "accounts/2fa/recovery-codes/": [Case("/accounts/2fa/recovery-codes/", (LOGIN, 404, REDIRECT, 404))],
    "accounts/2fa/recovery-codes/generate/": [
        Case("/accounts/2fa/recovery-codes/generate/", (LOGIN, REDIRECT, REDIRECT, REDIRECT))
    ],
    "accounts/2fa/recovery-codes/download/": [
        Case("/accounts/2fa/recovery-codes/download/", (LOGIN, 404, REDIRECT, 404))
    ],
    # Social providers: without a configured app the login page is 404, never a 500.
    "accounts/twitter_oauth2/login/": [Case("/accounts/twitter_oauth2/login/", everyone(404))],
    "accounts/twitter_oauth2/login/callback/": [Case("/accounts/twitter_oauth2/login/callback/", everyone(404))],
    "accounts/facebook/login/": [Case("/accounts/facebook/login/", everyone(404))],
    "accounts/facebook/login/callback/": [Case("/accounts/facebook/login/callback/", everyone(404))],
    "accounts/facebook/login/token/": [Case("/accounts/facebook/login/token/", everyone(404))],
    "accounts/google/login/": [Case("/accounts/google/login/", everyone(200))],
    # Configured, but called without the provider's parameters: allauth's "sign-in failed" page.
    "accounts/google/login/callback/": [Case("/accounts/google/login/callback/", everyone(401))],
    "accounts/google/login/token/": [Case("/accounts/google/login/token/", everyone(401))],
    # --- The admin site's own pages ---
    "admin/": [Case("/admin/", STAFF_ONLY)],
    "admin/login/": [Case("/admin/login/", (200, 200, 200, REDIRECT))],
    # Signing out of the admin is a POST; visitors who are not staff are sent to the admin index.
    "admin/logout/": [Case("/admin/logout/", (REDIRECT, REDIRECT, REDIRECT, 405), (REDIRECT, REDIRECT, REDIRECT, 200))],
    "admin/password_change/": [Case("/admin/password_change/", STAFF_ONLY)],
    "admin/password_change/done/": [Case("/admin/password_change/done/", STAFF_ONLY)],
    "admin/autocomplete/": [Case("/admin/autocomplete/", staff_only(403))],
    "admin/jsi18n/": [Case("/admin/jsi18n/", STAFF_ONLY)],
    "admin/r/<path:content_type_id>/<path:object_id>/": [
        Case(
            lambda w: f"/admin/r/{ContentType.objects.get_for_model(Tip).pk}/{w.published_tip.pk}/",
            staff_only(REDIRECT),
        )
    ],
    "admin:app_list": [Case("/admin/qa/", STAFF_ONLY)],
    "admin/(?P<url>.*)$": [Case("/admin/no-such-page/", staff_only(404))],
    # --- Custom admin views ---
    "admin/auth/user/<id>/password/": [Case(lambda w: f"/admin/auth/user/{w.other.pk}/password/", STAFF_ONLY)],
    "admin/taggit/tag/merge-tags/": [Case("/admin/taggit/tag/merge-tags/", STAFF_ONLY)],
    "admin/qa/question/<int:object_id>/assign-to-me/": [
        Case(lambda w: f"/admin/qa/question/{w.question.pk}/assign-to-me/", staff_only(405), staff_only(REDIRECT))
    ],
    # The conversation page's own buttons (qa/admin/conversation_views.py): POST only, back to the page.
    "admin/qa/question/<int:object_id>/note/": [
        Case(
            lambda w: f"/admin/qa/question/{w.question.pk}/note/", staff_only(405), staff_only(REDIRECT), {"note": "x"}
        )
    ],
    "admin/qa/question/<int:object_id>/do-not-contact/": [
        Case(
            lambda w: f"/admin/qa/question/{w.question.pk}/do-not-contact/",
            staff_only(405),
            staff_only(REDIRECT),
            {"reason": "asked", "confirm": "yes"},
        )
    ],
    "admin/qa/question/<int:object_id>/may-contact/": [
        Case(
            lambda w: f"/admin/qa/question/{w.question.pk}/may-contact/",
            staff_only(405),
            staff_only(REDIRECT),
            {"confirm": "yes"},
        )
    ],
    # Recording an answer written on a blog (a form; an empty POST shows it again with errors).
    "admin/conversations/feedsubscription/answered/<int:question_id>/": [
        Case(lambda w: f"/admin/conversations/feedsubscription/answered/{w.question.pk}/", STAFF_ONLY, STAFF_ONLY)
    ],
    # The Facebook Page webhook: 404 for everyone until FACEBOOK_APP_SECRET and the verify token are set.
    "webhooks/facebook/": [Case("/webhooks/facebook/", everyone(404), everyone(404))],
    # Replying on X and Facebook (qa/admin/network_reply_views.py); on a web question each refuses with a message.
    "admin/qa/question/<int:object_id>/reply/": [
        Case(
            lambda w: f"/admin/qa/question/{w.question.pk}/reply/",
            staff_only(405),
            staff_only(REDIRECT),
            {"composer-text": "x"},
        )
    ],
    "admin/qa/question/<int:object_id>/hand-over/": [
        Case(lambda w: f"/admin/qa/question/{w.question.pk}/hand-over/", staff_only(405), staff_only(REDIRECT))
    ],
    "admin/qa/question/<int:object_id>/like/": [
        Case(
            lambda w: f"/admin/qa/question/{w.question.pk}/like/",
            staff_only(405),
            staff_only(404),
            {"message": "1"},
        )
    ],
    "admin/qa/tip/<int:object_id>/publish/": [
        Case(lambda w: f"/admin/qa/tip/{w.draft_tip.pk}/publish/", STAFF_ONLY, staff_only(REDIRECT))
    ],
    "admin/qa/tip/<int:object_id>/unpublish/": [
        Case(lambda w: f"/admin/qa/tip/{w.published_tip.pk}/unpublish/", staff_only(405), staff_only(REDIRECT))
    ],
    # The tip page's "Post now": the tip's waiting posts go out now.
    "admin/qa/tip/<int:object_id>/post-now/": [
        Case(lambda w: f"/admin/qa/tip/{w.published_tip.pk}/post-now/", staff_only(405), staff_only(REDIRECT))
    ],
    # The preview shows drafts: staff only.
    "admin/qa/tip/<int:object_id>/preview/": [Case(lambda w: f"/admin/qa/tip/{w.draft_tip.pk}/preview/", STAFF_ONLY)],
    "admin/qa/tip/import/": [Case("/admin/qa/tip/import/", STAFF_ONLY)],
    # Opens (creating on first use) the staff member's own display name for reply signatures.
    "admin/conversations/staffprofile/mine/": [Case("/admin/conversations/staffprofile/mine/", staff_only(REDIRECT))],
    # An import's progress page: staff only, like the import.
    "admin/qa/tip/import/<int:job_id>/": [
        Case(lambda w: f"/admin/qa/tip/import/{w.objects['qa.importjob'].pk}/", STAFF_ONLY),
        Case("/admin/qa/tip/import/999999/", staff_only(404), label="missing"),
    ],
    # Queue an interrupted import again: staff only, POST only (a finished one is not run again).
    "admin/qa/tip/import/<int:job_id>/run-again/": [
        Case(
            lambda w: f"/admin/qa/tip/import/{w.objects['qa.importjob'].pk}/run-again/",
            staff_only(405),
            staff_only(REDIRECT),
        ),
    ],
    # The live character count of the tip's post text.
    "admin/publishing/delivery/preview/": [
        Case(lambda w: f"/admin/publishing/delivery/preview/?tip={w.published_tip.pk}&channel=console", STAFF_ONLY)
    ],
    # The buttons in the tip page's delivery table (retry, send anyway, cancel); back to the tip.
    "admin/publishing/delivery/<int:object_id>/act/<slug:action>/": [
        Case(
            lambda w: f"/admin/publishing/delivery/{w.delivery.pk}/act/cancel/", staff_only(405), staff_only(REDIRECT)
        ),
        Case(
            lambda w: f"/admin/publishing/delivery/{w.delivery.pk}/act/no-such-action/",
            staff_only(405),
            staff_only(404),
            label="unknown action",
        ),
    ],
    # The admin theme's search box (models and apps by name; the sidebar does not show it).
    "admin/search/": [Case("/admin/search/?s=tip", STAFF_ONLY)],
    "admin/publishing/channelstate/<str:kind>/clear-reauth/": [
        Case("/admin/publishing/channelstate/console/clear-reauth/", staff_only(405), staff_only(REDIRECT))
    ],
    "admin/publishing/channelstate/<str:kind>/monthly-cap/": [
        Case("/admin/publishing/channelstate/console/monthly-cap/", staff_only(405), staff_only(REDIRECT))
    ],
    "admin/publishing/channelstate/<str:kind>/release-held/": [
        Case("/admin/publishing/channelstate/console/release-held/", staff_only(405), staff_only(REDIRECT))
    ],
    # --- metrics-page: Admin > Metrics (metrics/urls.py); the staff actor is a superuser (tests/metrics
    # checks the permission itself: staff without it get 403). Subscribing to the weekly summary is a POST.
    "admin/metrics/": [
        Case("/admin/metrics/?days=7", STAFF_ONLY),
        Case("/admin/metrics/?start=2026-11-02&end=2026-11-01", STAFF_ONLY, label="bad period"),
    ],
    "admin/metrics/weekly-summary/": [
        Case(
            "/admin/metrics/weekly-summary/",
            staff_only(405),
            staff_only(REDIRECT),
            {"action": "subscribe", "language": "ja"},
        )
    ],
    # --- end of metrics-page ---
}


# --- Expectations: the admin's model pages ------------------------------------------------------------


@dataclass(frozen=True)
class AdminModel:
    """What staff get on each standard page of one registered ModelAdmin.
    Anonymous visitors and customers are always sent to the admin sign-in."""

    changelist: object = 200
    add: object = 200
    change: object = 200
    history: object = 200
    delete: object = 200
    delete_post: object = REDIRECT  # confirming the deletion


READ_ONLY_AUDIT = AdminModel(add=403, delete=403, delete_post=403)
ADMIN_MODELS: dict[str, AdminModel] = {
    "auth.group": AdminModel(),
    "auth.user": AdminModel(),
    "sites.site": AdminModel(),
    "taggit.tag": AdminModel(),
    "account.emailaddress": AdminModel(),
    "socialaccount.socialapp": AdminModel(),
    "socialaccount.socialaccount": AdminModel(),
    "socialaccount.socialtoken": AdminModel(),
    # Staff who lost their phone and their recovery codes: an admin deletes their authenticator here. Nobody
    # adds or edits one (the change page is read-only, without the secret).
    "mfa.authenticator": AdminModel(add=403),
    "qa.category": AdminModel(),
    "qa.savedreply": AdminModel(),
    # The reply composer's signatures and the support hours (conversations.admin_composer).
    "conversations.staffprofile": AdminModel(),
    "conversations.signaturetemplate": AdminModel(),
    "conversations.supporthours": AdminModel(),
    "conversations.supportholiday": AdminModel(),
    # Keyword feeds staff subscribe to, and the listening health page (conversations.admin_listening):
    # health rows are kept by the pollers, never added, edited or deleted by hand.
    "conversations.feedsubscription": AdminModel(),
    "conversations.listeningstate": AdminModel(add=403, change=REDIRECT, delete=403, delete_post=403),
    "qa.searchsynonym": AdminModel(),
    # Searches without results are recorded by the search page: staff read them and delete them, never add.
    "qa.searchmiss": AdminModel(add=403),
    # Questions come from customers, never from the admin.
    "qa.question": AdminModel(add=403),
    # Deleting a tip takes its posts down; its deliveries outlive it with its title (the audit trail).
    "qa.tip": AdminModel(),
    # Deliveries are the audit trail: staff cancel, never add or delete.
    "publishing.delivery": READ_ONLY_AUDIT,
    # The channel list is the health page; a channel's "change" page leads back to it.
    "publishing.channelstate": AdminModel(add=403, change=REDIRECT, delete=403, delete_post=403),
    # --- Quality audits (audits.admin) ---
    # Leads edit the guidelines and their criteria. A guideline replies were audited against is kept
    # (the audit protects it): confirming its deletion shows the page again, saying why.
    "audits.guideline": AdminModel(delete_post=200),
    # The weekly sample queues audits, never the admin; an audit's change page is its scoring page.
    "audits.audit": AdminModel(add=403),
    # --- end of quality audits ---
}


def admin_model_cases() -> dict[str, list[Case]]:
    cases = {}
    for model in admin.site._registry:
        key = model._meta.label_lower
        if key not in ADMIN_MODELS:
            continue
        expect = ADMIN_MODELS[key]
        base = f"admin/{model._meta.app_label}/{model._meta.model_name}/"

        def url(suffix, key=key, base=base):
            return lambda w: f"/{base}{w.objects[key].pk}/{suffix}"

        cases[base] = [Case(f"/{base}", staff_only(expect.changelist))]
        cases[base + "add/"] = [Case(f"/{base}add/", staff_only(expect.add))]
        cases[base + "<path:object_id>/change/"] = [Case(url("change/"), staff_only(expect.change))]
        cases[base + "<path:object_id>/history/"] = [Case(url("history/"), staff_only(expect.history))]
        cases[base + "<path:object_id>/delete/"] = [
            Case(url("delete/"), staff_only(expect.delete), staff_only(expect.delete_post), {"post": "yes"})
        ]
        # The bare object address redirects to its change page.
        cases[base + "<path:object_id>/"] = [Case(url(""), staff_only(REDIRECT))]
    return cases


def all_cases() -> dict[str, list[Case]]:
    return {**ROUTES, **admin_model_cases()}
