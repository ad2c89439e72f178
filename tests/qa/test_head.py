"""HEAD works wherever GET does: monitors and crawlers send it."""

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

pytestmark = pytest.mark.django_db

# Routes that only take a POST.
POST_ONLY = {"qa:tip_vote", "qa:markdown_preview", "qa:ask_event", "set_language"}


def _public_urls(tip, category) -> dict[str, str]:
    return {
        "qa:home": reverse("qa:home"),
        "qa:tip_list": reverse("qa:tip_list") + "?page=1",
        "qa:tip_detail_short": reverse("qa:tip_detail_short", kwargs={"pk": tip.pk}),
        "qa:tip_detail": tip.get_absolute_url(),
        "qa:category": category.get_absolute_url(),
        "qa:tag": reverse("qa:tag", kwargs={"slug": "送料"}),
        "qa:search": reverse("qa:search") + "?q=送料",
        "qa:feed_rss": reverse("qa:feed_rss"),
        "qa:feed_atom": reverse("qa:feed_atom"),
        "qa:category_feed_rss": reverse("qa:category_feed_rss", kwargs={"slug": category.slug}),
        "qa:category_feed_atom": reverse("qa:category_feed_atom", kwargs={"slug": category.slug}),
        "qa:sitemap": reverse("qa:sitemap"),
        "qa:sitemap_tips": reverse("qa:sitemap_tips"),
        "qa:sitemap_tags": reverse("qa:sitemap_tags"),
        "qa:sitemap_section": reverse("qa:sitemap_section", kwargs={"section": "categories"}),
        "qa:robots_txt": reverse("qa:robots_txt"),
        "qa:share_image": reverse("qa:share_image", kwargs={"filename": f"{tip.pk}-missing.png"}),
        "qa:favicon": reverse("qa:favicon"),
        "qa:ask": reverse("qa:ask"),
        "qa:suggest": reverse("qa:suggest") + "?q=送料",
        "qa:my_questions": reverse("qa:my_questions"),
        "qa:my_question": reverse("qa:my_question", kwargs={"pk": 1}),
        "qa:message_attachment": reverse("qa:message_attachment", args=[1]),
        "facebook_webhook": reverse("facebook_webhook"),
        "healthz": reverse("healthz"),
    }


def _route_names() -> set[str]:
    names = set()
    for pattern in get_resolver().url_patterns:
        if getattr(pattern, "namespace", None) == "qa":
            names |= {f"qa:{p.name}" for p in pattern.url_patterns if p.name}
        elif getattr(pattern, "name", None):
            names.add(pattern.name)
    return names


def test_every_site_route_is_covered(make_tip, category):
    urls = _public_urls(make_tip(), category)
    assert _route_names() - POST_ONLY == set(urls)


@pytest.mark.parametrize("signed_in", [False, True])
def test_head_answers_like_get_without_a_body(make_tip, category, customer, signed_in):
    tip = make_tip(title="送料はいくらですか？", tags=["送料"])
    for name, url in _public_urls(tip, category).items():
        client = Client()
        if signed_in:
            client.force_login(customer)
        get = client.get(url)
        head = client.head(url)
        assert head.status_code == get.status_code != 405, name
        assert head.content == b"", name
        assert head["Content-Type"] == get["Content-Type"], name
