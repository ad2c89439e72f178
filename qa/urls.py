from django.contrib.sitemaps.views import sitemap
from django.templatetags.static import static
from django.urls import path
from django.utils.functional import lazy
from django.views.decorators.http import require_safe
from django.views.generic import RedirectView

from qa import feeds, sitemaps
from qa.page_cache import public_page
from qa.views import attachments, customer, public, share_images, voting

app_name = "qa"

urlpatterns = [
    # Public pages
    path("", public.home, name="home"),
    path("tips/", public.tip_list, name="tip_list"),
    path("tips/<int:pk>/", public.tip_detail, name="tip_detail_short"),
    path("tips/<int:pk>/<str:slug>/", public.tip_detail, name="tip_detail"),
    # Outside tips/<pk>/ so that no slug (not even "vote") can shadow it.
    path("votes/tips/<int:pk>/", voting.tip_vote, name="tip_vote"),
    path("categories/<str:slug>/", public.category_detail, name="category"),
    path("tags/<str:slug>/", public.tag_detail, name="tag"),
    path("search/", public.search, name="search"),
    # Feeds and sitemaps are public pages too: cached and invalidated like the others.
    path("feeds/tips.rss", public_page(feeds.LatestTipsRss()), name="feed_rss"),
    path("feeds/tips.atom", public_page(feeds.LatestTipsAtom()), name="feed_atom"),
    path("feeds/categories/<str:slug>.rss", public_page(feeds.CategoryTipsRss()), name="category_feed_rss"),
    path("feeds/categories/<str:slug>.atom", public_page(feeds.CategoryTipsAtom()), name="category_feed_atom"),
    path("sitemap.xml", require_safe(public_page(sitemaps.sitemap_index)), name="sitemap"),
    path(
        "sitemap-tips.xml",
        require_safe(public_page(sitemaps.tip_sitemap_section, params=["p"])),
        name="sitemap_tips",
    ),
    path(
        "sitemap-tags.xml",
        require_safe(public_page(sitemaps.tag_sitemap_section, params=["p"])),
        name="sitemap_tags",
    ),
    path(
        "sitemap-<str:section>.xml",
        require_safe(public_page(sitemap, params=["p"])),
        {"sitemaps": sitemaps.SITEMAPS},
        name="sitemap_section",
    ),
    path("robots.txt", public.robots_txt, name="robots_txt"),
    # Tips' share images (og:image); MEDIA_URL is /media/, and a proxy may serve this folder itself.
    path("media/share/tips/<str:filename>", share_images.share_image, name="share_image"),
    # Browsers ask for /favicon.ico wherever a page names no icon (feeds, the admin's
    # popups). Temporary and resolved per request: the hashed static name changes
    # with each collectstatic.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("img/favicon.ico")), name="favicon"),
    # Signed-in customers
    path("ask/", customer.ask, name="ask"),
    path("ask/preview/", customer.markdown_preview, name="markdown_preview"),
    path("ask/suggest/", customer.suggest, name="suggest"),
    # ask.js's beacon for the self-service metrics (metrics.self_service_events).
    path("ask/event/", customer.ask_event, name="ask_event"),
    path("my/questions/", customer.my_questions, name="my_questions"),
    path("my/questions/<int:pk>/", customer.my_question, name="my_question"),
    # Images attached to messages: the asker and staff only, never from a public media URL.
    path("my/attachments/<int:pk>/", attachments.message_attachment, name="message_attachment"),
]
