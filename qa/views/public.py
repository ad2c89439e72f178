"""The public, read-only site: home, tips, categories, search, robots.txt.

Views stay thin: selectors read, services change, and the templates present
(the helpful vote is in qa.views.voting). Canonical and social URLs come from
SITE_URL, never from the Host header.
"""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from metrics import self_service_events
from qa import home_page, page_cache, page_layout, page_selectors, public_urls, selectors, tip_pages
from qa.content_language import ALL_LANGUAGES_PARAM, language_codes, wants_all_languages
from qa.page_cache import public_page
from qa.pagination import CountedPaginator
from qa.search.services import search_miss_record
from qa.views.voting import VOTED_TIPS_SESSION_KEY

HOME_LATEST_TIPS = 8
HOME_POPULAR_TIPS = 5
# Every list's query parameters that change what it shows (the page cache's key).
LIST_PARAMS = ["page", ALL_LANGUAGES_PARAM]


def _page(request, object_list, *, count: int | None = None):
    if count is None:
        paginator = Paginator(object_list, settings.TIPS_PER_PAGE)
    else:
        paginator = CountedPaginator(object_list, settings.TIPS_PER_PAGE, count=count)
    return paginator.get_page(request.GET.get("page"))


def _shown_language(request, categories=None) -> tuple[str | None, dict]:
    """The tip language this list shows (None: every language), and what the
    templates need to say so and offer the other choice."""
    all_languages = wants_all_languages(request)
    language = selectors.tip_language_shown(
        visitor_language=request.LANGUAGE_CODE, all_languages=all_languages, categories=categories
    )
    return language, {"shown_language": language, "all_languages": all_languages}


@require_safe
@public_page(params=[ALL_LANGUAGES_PARAM])
def home(request):
    every_category = selectors.category_list()  # read once: the shown language and the list need them
    language, context = _shown_language(request, categories=every_category)
    # The latest tips' cards are stored (qa.tip_pages); the parts that hold data are written in Python
    # (qa.home_page), and for a shared page the rest of the blocks is rendered once per process (qa.page_layout).
    ui_language = tip_pages.page_language(get_language())
    lists = home_page.sections(
        popular_tips=page_selectors.tip_list_popular(limit=HOME_POPULAR_TIPS, language=language),
        categories=selectors.category_list(with_tips_only=True, language=language, categories=every_category),
        latest_cards=tip_pages.latest_cards(limit=HOME_LATEST_TIPS, tip_language=language, language=ui_language),
        all_languages=context["all_languages"],
    )
    return page_layout.render(request, "qa/home.html", context, slots=lists)


@require_safe
@public_page(params=LIST_PARAMS)
def tip_list(request):
    language, context = _shown_language(request)
    page_obj = _page(
        request,
        selectors.tip_cards(language=language),
        count=selectors.tip_count_published(language=language),
    )
    return render(request, "qa/tip_list.html", {**context, "page_obj": page_obj})


@require_safe
@public_page(params=LIST_PARAMS)
def category_detail(request, slug):
    category = selectors.category_get(slug=slug)
    language, context = _shown_language(request)
    return render(
        request,
        "qa/category.html",
        {
            **context,
            "category": category,
            "page_obj": _page(
                request,
                selectors.tip_list_for_category(category=category, cards=True, language=language),
                count=category.tip_count_in(language),
            ),
        },
    )


@require_safe
@public_page(params=LIST_PARAMS)
def tag_detail(request, slug):
    tag = selectors.tag_get(slug=slug)
    language, context = _shown_language(request)
    # Counted per request: an indexed count of one tag's tips.
    page_obj = _page(request, selectors.tip_list_for_tag(tag=tag, language=language))
    return render(request, "qa/tag.html", {**context, "tag": tag, "page_obj": page_obj})


def _count_search(request, response, kwargs) -> None:
    # Every search that finds nothing counts, served from the cache or not (page_cache.PageOptions.counted).
    missed_query = getattr(response, page_cache.NOTE_ATTRIBUTE, None)
    if missed_query:
        search_miss_record(query=missed_query)
    self_service_events.search_count(request, missed_query=missed_query)


# Cached per language and query (the exact text, which the page shows back in
# its search box); results change only when tips do, which clears the cache.
@require_safe
@public_page(params=["q", "page", ALL_LANGUAGES_PARAM], counted=_count_search)
def search(request):
    query = request.GET.get("q", "").strip()
    if not query:
        return render(request, "qa/search.html", {"query": query, "page_obj": None})
    all_languages = wants_all_languages(request)
    # The visitor's language first; tip_search falls back to every language when nothing in it matches.
    language = None if all_languages or request.LANGUAGE_CODE not in language_codes() else request.LANGUAGE_CODE
    results = selectors.tip_search(query=query, language=language)
    context = {
        "all_languages": all_languages,
        "shown_language": results.language,
        "search_fell_back": language is not None and results.language is None and results.exists(),
    }
    page_obj = _page(request, results)
    response = render(
        request,
        "qa/search.html",
        {**context, "query": query, "terms": results.terms, "page_obj": page_obj, "more_results": results.more},
    )
    if not results.exists() and results.terms:
        # What customers look for and don't find, for staff (admin): see _count_search.
        setattr(response, page_cache.NOTE_ATTRIBUTE, query)
    return response


def _count_suggestion_click(request, response, kwargs) -> None:
    # A suggested tip opened from the ask form (its link's marker), served from the cache or not.
    self_service_events.suggestion_click_count(request, tip_id=kwargs["pk"], status_code=response.status_code)


@require_safe
@public_page(tip_kwarg="pk", counted=_count_suggestion_click)
def tip_detail(request, pk, slug=None):
    # The tip's own parts and its related tips' cards are stored (qa.tip_pages): two queries and, for a
    # shared page, no template work at all (qa.page_layout).
    language = tip_pages.page_language(get_language())
    row = tip_pages.tip_page_read(pk=pk, language=language)
    if (slug or "") != row["tip__slug"]:
        # One canonical address per tip; keep the query string so UTM tags survive.
        target = public_urls.tip_path(pk, row["tip__slug"])
        if request.META.get("QUERY_STRING"):
            target += "?" + request.META["QUERY_STRING"]
        return HttpResponsePermanentRedirect(target)
    voted = request.session.get(VOTED_TIPS_SESSION_KEY, {}) if request.session.session_key else {}
    vote = tip_pages.vote_html(
        request,
        tip_id=pk,
        helpful_yes=row["tip__helpful_yes"],
        helpful_no=row["tip__helpful_no"],
        my_vote=voted.get(str(pk)),
    )
    related = tip_pages.related_cards(pk=pk, row=row, language=language)
    content = tip_pages.content_html(row, vote=vote, related_cards=[card for _tip_id, card in related])
    head = mark_safe(tip_pages.head_html(row, helpful_yes=row["tip__helpful_yes"]))
    return page_layout.render_blocks(request, "qa/tip_detail.html", title=row["tip__title"], head=head, content=content)


@require_safe
@public_page
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Allow: /",
        "Disallow: /admin/",
        "Disallow: /accounts/",
        "Disallow: /my/",
        "Disallow: /ask/",
        "",
        f"Sitemap: {settings.SITE_URL}{reverse('qa:sitemap')}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")
