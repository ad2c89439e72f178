"""A tip's page from parts stored when the tip changes (qa.tip_pages) and the
layout rendered once per process (qa.page_layout): what is stored when, that a
view reads and never renders them, and that a change to anything they show is
seen on the next view."""

import json
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django.utils import translation
from django.utils.safestring import mark_safe
from taggit.models import Tag

from qa import page_layout, services, tip_pages
from qa.models import TipPage

pytestmark = pytest.mark.django_db


def _page(client, url, **headers) -> str:
    cache.clear()  # rendered, not served from the page cache
    response = client.get(url, **headers)
    assert response.status_code == 200
    return response.content.decode()


def _json_ld(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))


def test_publishing_stores_the_parts_in_every_language_and_a_view_only_reads_them(client, make_tip):
    tip = make_tip(title="How much is shipping?", tags=["shipping"])
    rows = {row.language: row for row in TipPage.objects.filter(tip=tip)}
    assert sorted(rows) == ["en", "ja"] and all(row.fingerprint == tip_pages.fingerprint() for row in rows.values())
    assert "How much is shipping?" in rows["en"].top and "公開" in rows["ja"].top  # "Published", in each language
    cache.clear()
    with CaptureQueriesContext(connection) as context:
        html = client.get(tip.get_absolute_url()).content.decode()
    assert not any(q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) for q in context)
    assert len(context.captured_queries) <= 3
    assert "How much is shipping?" in html and ">shipping</a>" in html


def test_a_missing_or_out_of_date_row_is_rendered_on_the_next_view(client, make_tip, settings):
    tip = make_tip(title="How much is shipping?")
    TipPage.objects.filter(tip=tip).delete()
    assert "How much is shipping?" in _page(client, tip.get_absolute_url())
    assert TipPage.objects.filter(tip=tip).count() == 2
    # A setting the page shows changed (a deploy): the rows are out of date and rendered again.
    settings.SITE_URL = "https://help.example.org"
    assert '<link rel="canonical" href="https://help.example.org/' in _page(client, tip.get_absolute_url())
    assert set(TipPage.objects.filter(tip=tip).values_list("fingerprint", flat=True)) == {tip_pages.fingerprint()}


def test_vote_counts_are_the_requests_in_the_page_and_its_structured_data(client, make_tip):
    tip = make_tip()
    services.tip_vote(tip=tip, voter_key="a", helpful=True)
    services.tip_vote(tip=tip, voter_key="b", helpful=True)
    services.tip_vote(tip=tip, voter_key="c", helpful=False)
    html = _page(client, tip.get_absolute_url())
    assert "2 people found this helpful · 1 did not" in html
    assert _json_ld(html)["mainEntity"]["acceptedAnswer"]["upvoteCount"] == 2
    japanese = _page(client, tip.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ja")
    assert _json_ld(japanese)["mainEntity"]["acceptedAnswer"]["upvoteCount"] == 2


def test_a_title_that_looks_like_the_placeholder_stays_text(client, make_tip):
    tip = make_tip(title='"tipcast-upvotes-placeholder" <b>&')
    html = _page(client, tip.get_absolute_url())
    data = _json_ld(html)
    assert data["mainEntity"]["name"] == '"tipcast-upvotes-placeholder" <b>&'
    assert data["mainEntity"]["acceptedAnswer"]["upvoteCount"] == 0
    assert "<title>&quot;tipcast-upvotes-placeholder&quot; &lt;b&gt;&amp; ·" in html


def test_shared_and_signed_in_visitors_get_tokens_as_before(client, make_tip, customer):
    tip = make_tip()
    shared = _page(client, tip.get_absolute_url())
    assert "csrfmiddlewaretoken" not in shared
    client.force_login(customer)
    own = _page(client, tip.get_absolute_url())
    # The vote form's and the header's forms (language, sign out) carry tokens.
    assert own.count('name="csrfmiddlewaretoken"') >= 2
    assert re.search(r'<form method="post" action="/votes/tips/\d+/" class="vote__form"><input type="hidden"', own)


def test_what_the_page_shows_of_categories_tags_and_related_tips_follows_their_changes(client, make_tip, category):
    tip = make_tip(title="How much is shipping?", tags=["shipping", "costs"])
    other = make_tip(title="Do you ship abroad?", tags=["shipping"])
    html = _page(client, tip.get_absolute_url())
    assert "Do you ship abroad?" in html and ">Shipping</a>" in html
    category.name = "Delivery"
    category.save()
    tag = Tag.objects.get(name="costs")
    tag.name = "prices"
    tag.save()
    services.tip_update(tip=other, title="Do you deliver abroad?")
    html = _page(client, tip.get_absolute_url())
    assert ">Delivery</a>" in html and ">Shipping</a>" not in html
    assert ">prices</a>" in html and ">costs</a>" not in html
    assert "Do you deliver abroad?" in html and "Do you ship abroad?" not in html
    services.tip_unpublish(tip=other)
    assert "Do you deliver abroad?" not in _page(client, tip.get_absolute_url())
    tag.delete()
    assert ">prices</a>" not in _page(client, tip.get_absolute_url())


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_shared_layout_is_base_html_as_the_template_engine_renders_it(make_tip, language, rf):
    tip = make_tip(title='Returns & "exchanges" <fast>', tags=["returns"])
    path = tip.get_absolute_url() + "?utm_source=x"
    request = RequestFactory().get(path)
    request.user, request.public_page_shared = AnonymousUser(), True
    request.resolver_match = resolve(tip.get_absolute_url())
    page_layout._forget()
    with translation.override(language):
        row = tip_pages.tip_page_read(pk=tip.pk, language=language)
        content = tip_pages.content_html(row, vote="<section>vote</section>", related_cards=[])
        head = mark_safe(tip_pages.head_html(row, helpful_yes=0))  # as the view passes it
        context = {"page_title": row["tip__title"], "head": head, "content": content}
        expected = render_to_string("qa/tip_detail.html", context, request)
        assert "<title>Returns &amp; &quot;exchanges&quot; &lt;fast&gt;" in expected
        for _ in range(2):  # rendered, then from this process's copy
            assert page_layout.render(request, "qa/tip_detail.html", context).content.decode() == expected
            # What the tip page's view calls: the same page without the template engine.
            blocks = page_layout.render_blocks(
                request, "qa/tip_detail.html", title=row["tip__title"], head=head, content=content
            )
            assert blocks.content.decode() == expected


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_home_page_in_the_shared_layout_is_the_template_engines(client, make_tip, language, customer):
    """A shared visitor's home page: the blocks rendered once per process with the lists in slots
    (qa.page_layout, qa.home_page), filled anew on each view, as the template engine renders it whole."""
    make_tip(title="How much is shipping?", tags=["shipping"])
    services.tip_vote(tip=make_tip(title="Popular <one>"), voter_key="a", helpful=True)
    signed_in = Client()
    signed_in.force_login(customer)  # the same page through the template engine, for a signed-in visitor

    def after_header(html):  # only the header differs: the signed-in visitor's links and sign-out form
        html = re.sub(r'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]+">', "", html)
        return re.sub(r"\s+", " ", html.split("</header>", 1)[1])

    page_layout._forget()
    for step in ("rendered", "from the copy, with a new tip", "every language"):
        if step == "from the copy, with a new tip":
            make_tip(title="A tip published since")
        path = "/?all_languages=1" if step == "every language" else "/"
        shared = _page(client, path, HTTP_ACCEPT_LANGUAGE=language)
        assert "How much is shipping?" in shared and "Popular &lt;one&gt;" in shared
        assert ("A tip published since" in shared) == (step != "rendered")
        assert after_header(shared) == after_header(_page(signed_in, path, HTTP_ACCEPT_LANGUAGE=language)), step


def test_a_short_link_is_redirected_after_one_query(client, make_tip, django_assert_num_queries):
    """Posts and people shorten a tip's address to /tips/<id>/: the redirect to its canonical address needs the
    stored row only, not the related tips."""
    tip = make_tip(title="How do I track my parcel?", tags=["parcel"])
    make_tip(title="Where is my parcel?", tags=["parcel"])
    cache.clear()
    with django_assert_num_queries(1):
        response = client.get(f"/tips/{tip.pk}/?utm_source=x")
    assert response.status_code == 301
    assert response["Location"] == f"{tip.get_absolute_url()}?utm_source=x"
