"""The sitemap: an index (sitemap.xml) naming one file per section, each file
at most SITEMAP_SECTION_SIZE URLs (the protocol allows 50,000); the tips'
section is split into as many files as it needs (?p=2, …).

Tips' file p holds the published tips whose id is in
((p - 1) × size, p × size]: at most `size` URLs, found by an index range (no
OFFSET that reads every earlier row), and each file keeps its contents as
tips are added. The index leaves out a file whose range holds no published
tip (it would be an empty urlset). A file loads only the columns its URLs need (id, slug,
updated_at). URLs use SITE_URL's scheme and host rather than the sites
framework's Site row (which says example.com unless someone edits it).
"""

from types import SimpleNamespace
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import SitemapIndexItem, x_robots_tag
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import Max
from django.db.models.functions import TruncDate
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import get_language

from qa import public_urls, selectors
from qa.models import Tip
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

    def section_ids(self, page: int):
        """The id range of the tips' file `page` (1-based)."""
        return {"pk__gt": (page - 1) * self.limit, "pk__lte": page * self.limit}

    def sections(self) -> list[int]:
        """The tips' files that list at least one tip: one indexed look-up per
        `limit` ids up to the newest published tip's (a handful even at a million)."""
        newest = Tip.objects.published().aggregate(newest=Max("pk"))["newest"] or 0
        pages = range(1, max(1, -(-newest // self.limit)) + 1)
        return [1] + [page for page in pages[1:] if self._first_id(page) is not None]

    def _first_id(self, page: int) -> int | None:
        # Ordered by id, so the planner walks the primary key's range (exists() drops the order, and a
        # sequential scan that happens to stop early is what the plan test forbids).
        in_range = Tip.objects.published().filter(**self.section_ids(page))
        return in_range.order_by("pk").values_list("pk", flat=True).first()


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
        tags = list(selectors.tag_list_in_use(id_range=(first, last)))
        return SimpleNamespace(tags=tags, object_list=[(tag, language) for tag in tags for language in self.languages])


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
    (lastmod a date in TIME_ZONE, as its `date` filter writes it). Slugs are
    ASCII (qa.slugs), so addresses need no percent-encoding."""
    sitemap = TipSitemap()
    try:
        page = int(request.GET.get("p", "1"))
    except ValueError:
        raise Http404("No such page") from None
    if not 1 <= page <= _LARGEST_ID // sitemap.limit:
        raise Http404("No such page")
    # The date is taken in SQL (TIME_ZONE's day): parsing 50,000 timestamps costs more.
    updated = TruncDate("updated_at", tzinfo=timezone.get_current_timezone())
    rows = Tip.objects.published().filter(**sitemap.section_ids(page)).order_by("pk").values_list("pk", "slug", updated)
    tips = escape(settings.SITE_URL) + "/tips/"
    extra = f"</lastmod><changefreq>{sitemap.changefreq}</changefreq><priority>{sitemap.priority}</priority></url>"
    parts = [_URLSET_OPEN]
    parts.extend(
        f"<url><loc>{tips}{pk}/{slug}/</loc><lastmod>{lastmod.isoformat()}{extra}"
        if slug
        else f"<url><loc>{tips}{pk}/</loc><lastmod>{lastmod.isoformat()}{extra}"
        for pk, slug, lastmod in rows
    )
    if len(parts) == 1 and page > 1:
        raise Http404("No such page")  # the first file exists even with no tips, as the index says
    parts.append("</urlset>\n")
    return HttpResponse("".join(parts), content_type="application/xml")


@x_robots_tag
def tag_sitemap_section(request):
    """One file of the tags' section (TagSitemap's id ranges), written without
    the template engine or Django's per-URL language switching: at 2,000 tags,
    4,000 URLs with two alternates each took 1.7 s through Django's view, which
    activates a language and reverses an address for each URL and alternate.
    Same elements and values as Django's view writes (tests compare them):
    each tag once per UI language, each URL naming every language's as its
    hreflang alternates."""
    sitemap = TagSitemap()
    paginator = sitemap.paginator
    try:
        page = paginator.page(request.GET.get("p", 1))
    except (EmptyPage, PageNotAnInteger):
        raise Http404("No such page") from None
    languages = paginator.languages
    site = escape(f"{sitemap.get_protocol()}://{sitemap.get_domain()}")
    extra = f"<changefreq>{sitemap.changefreq}</changefreq><priority>{sitemap.priority}</priority>"
    parts = [_URLSET_OPEN]
    for tag in page.tags:
        # Tag slugs may be any text: the address is percent-encoded as reverse() does it, then escaped.
        address = site + escape(public_urls.tag_path(tag.slug)) + f"?{LANGUAGE_PARAM}="
        alternates = "".join(
            f'<xhtml:link rel="alternate" hreflang="{code}" href="{address}{code}"/>' for code in languages
        )
        parts.extend(f"<url><loc>{address}{code}</loc>{extra}{alternates}</url>" for code in languages)
    parts.append("</urlset>\n")
    return HttpResponse("".join(parts), content_type="application/xml")


# Ids are 64-bit: a larger page number is no file (and must not reach the database).
_LARGEST_ID = 2**63 - 1
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
        sitemap = sitemap_class()
        pages = sitemap.sections() if hasattr(sitemap, "sections") else range(1, sitemap.paginator.num_pages + 1)
        entries.extend(SitemapIndexItem(url if page == 1 else f"{url}?p={page}", None) for page in pages)
    return TemplateResponse(request, "sitemap_index.xml", {"sitemaps": entries}, content_type="application/xml")
