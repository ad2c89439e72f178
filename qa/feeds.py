"""RSS and Atom feeds of published tips: all of them, and per category.

Every link is absolute from SITE_URL (Django would otherwise build them from
the sites framework's domain).
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from qa import selectors

FEED_ITEMS = 20


class LatestTipsRss(Feed):
    description = _("The newest answers and tips from our support team.")
    feed_url_name = "qa:feed_rss"

    def title(self):
        return _("%(site)s: latest tips") % {"site": settings.SITE_NAME}

    def link(self):
        return settings.SITE_URL + reverse("qa:tip_list")

    def feed_url(self):
        return settings.SITE_URL + reverse(self.feed_url_name)

    def items(self):
        return selectors.tip_list_published()[:FEED_ITEMS]

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
        names = [tip.category.name] if tip.category else []
        return names + [tag.name for tag in tip.tag_list]


class LatestTipsAtom(LatestTipsRss):
    feed_type = Atom1Feed
    feed_url_name = "qa:feed_atom"
    subtitle = LatestTipsRss.description


class CategoryTipsRss(LatestTipsRss):
    feed_url_name = "qa:category_feed_rss"

    def get_object(self, request, slug):
        return selectors.category_get(slug=slug)

    def title(self, category):
        return _("%(site)s: %(category)s") % {"site": settings.SITE_NAME, "category": category.name}

    def description(self, category):
        # A category's description is plain text (the category page shows it as such).
        return " ".join(category.description.split()) or _("Tips in the category %(category)s.") % {
            "category": category.name
        }

    def link(self, category):
        return settings.SITE_URL + category.get_absolute_url()

    def feed_url(self, category):
        return settings.SITE_URL + reverse(self.feed_url_name, kwargs={"slug": category.slug})

    def items(self, category):
        return selectors.tip_list_for_category(category=category)[:FEED_ITEMS]


class CategoryTipsAtom(CategoryTipsRss):
    feed_type = Atom1Feed
    feed_url_name = "qa:category_feed_atom"

    def subtitle(self, category):
        return self.description(category)
