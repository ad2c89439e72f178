"""The sitemap: an index (sitemap.xml) naming one file per section, each file
at most SITEMAP_SECTION_SIZE URLs (the protocol allows 50,000); the tips'
section is split into as many files as it needs (?p=2, …).

A section file loads only the columns its URLs need (id, slug, updated_at),
in primary-key order, so files keep their contents as tips are added. URLs use
SITE_URL's scheme and host rather than the sites framework's Site row (which
says example.com unless someone edits it).
"""

import re
from types import SimpleNamespace
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import SitemapIndexItem, x_robots_tag
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models.functions import TruncDate
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import get_language

from qa import selectors
from qa.models import Tip
from qa.pagination import CountedPaginator
from supportsite.locale import LANGUAGE_PARAM


class SiteUrlSitemap(Sitemap):
    @property
    def limit(self):
        return settings.SITEMAP_SECTION_SIZE

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme or "https"

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc

    def get_latest_lastmod(self):
        # Django's default reads every item of the section to find it; the
        # index goes without (lastmod is optional there), each URL keeps its own.
        return None


class TipSitemap(SiteUrlSitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self):
        return Tip.objects.published().only("pk", "slug", "updated_at").order_by("pk")

    def lastmod(self, tip):
        return tip.updated_at

    @property
    def paginator(self):
        # The number of sections comes from the counters, not a count of every tip.
        return CountedPaginator(self._items(), self.limit, count=selectors.tip_count_published())


class PageInEveryLanguageSitemap(SiteUrlSitemap):
    """Pages that exist in every UI language: one URL per language
    (`?lang=ja`, supportsite.locale), each naming the others as its
    hreflang alternates (Django's i18n sitemap, which activates each
    language in turn around location())."""

    i18n = True
    alternates = True

    def location(self, item):
        return f"{self.path(item)}?{LANGUAGE_PARAM}={get_language()}"

    def path(self, item):
        return item.get_absolute_url()


class CategorySitemap(PageInEveryLanguageSitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        return selectors.category_list(with_tips_only=True)


class TagSitemap(PageInEveryLanguageSitemap):
    """Tags of published tips. Files are ranges of tag ids rather than
    offsets into the tags in use: which tags are in use is only known by
    looking, and a range is looked at through the indexes (tag id, then each
    tag's tagged items), never by reading every tag to count them. A file may
    therefore hold fewer URLs than the limit (even none, a valid sitemap)."""

    changefreq = "weekly"
    priority = 0.4

    def path(self, tag):
        return reverse("qa:tag", kwargs={"slug": tag.slug})

    @property
    def paginator(self):
        return _TagIdRanges(tags_per_file=max(1, self.limit // len(self._languages())), languages=self._languages())


class _TagIdRanges:
    """The part of Django's Paginator the sitemap views use: num_pages and page(n).object_list."""

    def __init__(self, *, tags_per_file: int, languages: list[str]):
        self.tags_per_file = tags_per_file
        self.languages = languages
        newest = selectors.tag_newest_id()
        self.num_pages = max(1, -(-newest // tags_per_file))

    def page(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not an integer") from None
        if not 1 <= number <= self.num_pages:
            raise EmptyPage("That page contains no results")
        first, last = (number - 1) * self.tags_per_file + 1, number * self.tags_per_file
        tags = selectors.tag_list_in_use(id_range=(first, last))
        return SimpleNamespace(object_list=[(tag, language) for tag in tags for language in self.languages])


class StaticPageSitemap(PageInEveryLanguageSitemap):
    changefreq = "daily"
    priority = 0.6

    def items(self):
        return ["qa:home", "qa:tip_list"]

    def path(self, name):
        return reverse(name)


SITEMAPS = {"tips": TipSitemap, "categories": CategorySitemap, "tags": TagSitemap, "pages": StaticPageSitemap}


@x_robots_tag
def tip_sitemap_section(request):
    """One file of the tips' section, written without the template engine: a
    template render per URL took 0.4-0.7 ms, half a minute for a full file
    of 50,000. Same elements and values as Django's sitemap.xml template
    (lastmod a date in TIME_ZONE, as its `date` filter writes it)."""
    size = settings.SITEMAP_SECTION_SIZE
    sitemap = TipSitemap()
    try:
        page = int(request.GET.get("p", "1"))
    except ValueError:
        raise Http404("No such page") from None
    if not 1 <= page <= sitemap.paginator.num_pages:
        raise Http404("No such page")
    # The date is taken in SQL (TIME_ZONE's day): parsing 50,000 timestamps costs more.
    updated = TruncDate("updated_at", tzinfo=timezone.get_current_timezone())
    rows = Tip.objects.published().order_by("pk").values_list("pk", "slug", updated)
    site = escape(settings.SITE_URL)
    extra = f"<changefreq>{sitemap.changefreq}</changefreq><priority>{sitemap.priority}</priority>"
    parts = [_URLSET_OPEN]
    for pk, slug, lastmod in rows[(page - 1) * size : page * size]:
        location = f"{site}/tips/{pk}/{_slug_in_uri(slug)}/"
        parts.append(f"<url><loc>{location}</loc><lastmod>{lastmod.isoformat()}</lastmod>{extra}</url>")
    parts.append("</urlset>\n")
    return HttpResponse("".join(parts), content_type="application/xml")


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _slug_in_uri(slug: str) -> str:
    """The slug as reverse() writes it in a path: UTF-8 percent-encoded beyond
    ASCII (a slug's ASCII is letters, digits, - and _, all safe as they are).
    bytes.hex does in C what urllib's quote does a byte at a time."""
    return _NON_ASCII.sub(lambda run: "%" + run.group().encode().hex("%").upper(), slug)


_URLSET_OPEN = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
)


@x_robots_tag
def sitemap_index(request):
    """Django's index view, with section URLs built from SITE_URL."""
    entries = []
    for section, sitemap_class in SITEMAPS.items():
        url = settings.SITE_URL + reverse("qa:sitemap_section", kwargs={"section": section})
        entries.append(SitemapIndexItem(url, None))
        pages = sitemap_class().paginator.num_pages
        entries.extend(SitemapIndexItem(f"{url}?p={page}", None) for page in range(2, pages + 1))
    return TemplateResponse(request, "sitemap_index.xml", {"sitemaps": entries}, content_type="application/xml")
