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
from django.views.decorators.http import require_safe

from metrics import self_service_events
from qa import page_cache, selectors, share_images
from qa.content_language import ALL_LANGUAGES_PARAM, language_codes, wants_all_languages
from qa.page_cache import public_page
from qa.pagination import CountedPaginator
from qa.search.services import search_miss_record
from qa.share_image_store import tip_share_image_url
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
    return render(
        request,
        "qa/home.html",
        {
            **context,
            "popular_tips": selectors.tip_list_popular(limit=HOME_POPULAR_TIPS, language=language),
            "latest_tips": selectors.tip_list_latest(limit=HOME_LATEST_TIPS, language=language),
            "categories": selectors.category_list(with_tips_only=True, language=language, categories=every_category),
        },
    )


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


@require_safe
def search(request):
    response = _search_page(request)
    # Counted here, around the cache: every search that finds nothing counts, served from the cache or not.
    missed_query = getattr(response, page_cache.NOTE_ATTRIBUTE, None)
    if missed_query:
        search_miss_record(query=missed_query)
    self_service_events.search_count(request, missed_query=missed_query)
    return response


# Cached per language and query (the exact text, which the page shows back in
# its search box); results change only when tips do, which clears the cache.
@public_page(params=["q", "page", ALL_LANGUAGES_PARAM])
def _search_page(request):
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
        # What customers look for and don't find, for staff (admin): see search().
        setattr(response, page_cache.NOTE_ATTRIBUTE, query)
    return response


@require_safe
def tip_detail(request, pk, slug=None):
    response = _tip_page(request, pk=pk, slug=slug)
    # Counted here, around the cache: a suggested tip opened from the ask form (its link's marker).
    self_service_events.suggestion_click_count(request, tip_id=pk, status_code=response.status_code)
    return response


@public_page(tip_kwarg="pk")
def _tip_page(request, pk, slug=None):
    tip = selectors.tip_get_published(pk=pk, tags=False)
    if (slug or "") != tip.slug:
        # One canonical address per tip; keep the query string so UTM tags survive.
        target = tip.get_absolute_url()
        if request.META.get("QUERY_STRING"):
            target += "?" + request.META["QUERY_STRING"]
        return HttpResponsePermanentRedirect(target)
    voted = request.session.get(VOTED_TIPS_SESSION_KEY, {}) if request.session.session_key else {}
    share_image_url = tip_share_image_url(tip)
    related_tips = selectors.tip_related(tip=tip, limit=5)  # reads the tip's own tags too
    return render(
        request,
        "qa/tip_detail.html",
        {
            "tip": tip,
            "related_tips": related_tips,
            "description": tip.excerpt,
            "json_ld": _tip_structured_data(tip),
            "my_vote": voted.get(str(tip.pk)),
            "share_image_url": share_image_url,
            "og_image_width": share_images.WIDTH if share_image_url else settings.OG_IMAGE_WIDTH,
            "og_image_height": share_images.HEIGHT if share_image_url else settings.OG_IMAGE_HEIGHT,
        },
    )


def _tip_structured_data(tip) -> dict:
    """schema.org QAPage: the tip's question with its one accepted answer."""
    url = tip.get_canonical_url()
    published = tip.published_at.isoformat() if tip.published_at else None
    question_text = tip.question_plain or tip.title
    return {
        "@context": "https://schema.org",
        "@type": "QAPage",
        "url": url,
        "mainEntity": {
            "@type": "Question",
            "name": tip.title,
            "text": question_text,
            "answerCount": 1,
            "datePublished": published,
            "author": {"@type": "Organization", "name": settings.SITE_NAME},
            "acceptedAnswer": {
                "@type": "Answer",
                "text": tip.answer_plain,
                "url": url,
                "datePublished": published,
                "upvoteCount": tip.helpful_yes,
                "author": {"@type": "Organization", "name": settings.SITE_NAME},
            },
        },
    }


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
