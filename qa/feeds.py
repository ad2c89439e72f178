"""RSS and Atom feeds of published tips: all of them, and per category, in
the requested language (`?lang=ja`, else the visitor's; every language while
none is in it, like the lists: selectors.tip_language_shown).

Every link is absolute from SITE_URL (Django would otherwise build them from
the sites framework's domain).
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from qa import selectors
from qa.models import Category
from supportsite.locale import LANGUAGE_PARAM

FEED_ITEMS = 20


@dataclass
class FeedScope:
    """What one request's feed covers. Feed views are shared instances, so
    the request's language travels here rather than on the view."""

    page_language: str
    tip_language: str | None
    category: Category | None = None

    def address(self, path: str) -> str:
        return f"{settings.SITE_URL}{path}?{LANGUAGE_PARAM}={self.page_language}"


class LatestTipsRss(Feed):
    description = _("The newest answers and tips from our support team.")
    feed_url_name = "qa:feed_rss"

    def get_object(self, request, *args, **kwargs):
        return FeedScope(
            page_language=request.LANGUAGE_CODE,
            tip_language=selectors.tip_language_shown(visitor_language=request.LANGUAGE_CODE, all_languages=False),
        )

    def title(self, scope):
        return _("%(site)s: latest tips") % {"site": settings.SITE_NAME}

    def link(self, scope):
        return scope.address(reverse("qa:tip_list"))

    def feed_url(self, scope):
        return scope.address(reverse(self.feed_url_name))

    def items(self, scope):
        return selectors.tip_list_published(language=scope.tip_language)[:FEED_ITEMS]

    def item_title(self, tip):
        return tip.title

    def item_description(self, tip):
        # The stored, sanitised HTML: the one place HTML may come from.
        return tip.answer_html

    def item_link(self, tip):
        return tip.get_canonical_url()

    def item_guid(self, tip):
        return tip.get_canonical_url()

    item_guid_is_permalink = True

    def item_pubdate(self, tip):
        return tip.published_at

    def item_updateddate(self, tip):
        return tip.updated_at

    def item_categories(self, tip):
        names = [tip.category.display_name] if tip.category else []
        return names + [tag.name for tag in tip.tag_list]


class LatestTipsAtom(LatestTipsRss):
    feed_type = Atom1Feed
    feed_url_name = "qa:feed_atom"

    def subtitle(self, scope):
        return self.description


class CategoryTipsRss(LatestTipsRss):
    feed_url_name = "qa:category_feed_rss"

    def get_object(self, request, slug):
        scope = super().get_object(request)
        scope.category = selectors.category_get(slug=slug)
        return scope

    def title(self, scope):
        return _("%(site)s: %(category)s") % {"site": settings.SITE_NAME, "category": scope.category.display_name}

    def description(self, scope):
        # A category's description is plain text (the category page shows it as such).
        return " ".join(scope.category.description.split()) or _("Tips in the category %(category)s.") % {
            "category": scope.category.display_name
        }

    def link(self, scope):
        return scope.address(scope.category.get_absolute_url())

    def feed_url(self, scope):
        return scope.address(reverse(self.feed_url_name, kwargs={"slug": scope.category.slug}))

    def items(self, scope):
        return selectors.tip_list_for_category(category=scope.category, language=scope.tip_language)[:FEED_ITEMS]


class CategoryTipsAtom(CategoryTipsRss):
    feed_type = Atom1Feed
    feed_url_name = "qa:category_feed_atom"

    def subtitle(self, scope):
        return self.description(scope)
