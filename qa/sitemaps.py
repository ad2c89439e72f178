"""sitemap.xml: published tips, categories and the static public pages.

URLs use SITE_URL's scheme and host rather than the sites framework's Site row
(which says example.com unless someone edits it).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from qa import selectors


class SiteUrlSitemap(Sitemap):
    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme or "https"

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class TipSitemap(SiteUrlSitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self):
        # Tags are not needed here: skip their prefetch.
        return selectors.tip_list_published().prefetch_related(None).order_by("-published_at", "-id")

    def lastmod(self, tip):
        return tip.updated_at


class CategorySitemap(SiteUrlSitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        return selectors.category_list(with_tips_only=True)


class StaticPageSitemap(SiteUrlSitemap):
    changefreq = "daily"
    priority = 0.6

    def items(self):
        return ["qa:home", "qa:tip_list"]

    def location(self, name):
        return reverse(name)


SITEMAPS = {"tips": TipSitemap, "categories": CategorySitemap, "pages": StaticPageSitemap}
