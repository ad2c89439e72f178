"""What a cold public page reads and writes (qa.selectors, qa.templatetags.public_tags):
the tip page's tags in one query, the home page's categories once, and tip cards
written without the template engine but with the same escaping and addresses."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from qa.templatetags.public_tags import tip_card

pytestmark = pytest.mark.django_db


def _sql_of(client, url: str) -> list[str]:
    cache.clear()  # rendered, not served from the page cache
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in context.captured_queries]


def test_the_tip_page_reads_stored_parts_and_cards(client, make_tip):
    tips = [make_tip(title=f"Shipping question {n}", tags=["shipping", f"only-{n}"]) for n in range(4)]
    queries = _sql_of(client, tips[0].get_absolute_url())
    # Its stored parts (qa.tip_pages), its stored related list with their stored cards, the category's newest.
    assert len(queries) <= 3 and not any('"taggit_tag"' in sql for sql in queries)
    assert not any('"answer_html"' in sql or '"question_plain"' in sql for sql in queries)
    html = client.get(tips[0].get_absolute_url()).content.decode()
    for tip in tips:  # its own tags, and the related tips' cards with theirs
        assert f">only-{tips.index(tip)}<" in html


def test_the_home_page_reads_the_categories_once(client, make_tip):
    make_tip(title="How do I return an item?")
    queries = _sql_of(client, reverse("qa:home"))
    assert sum(bool(re.search(r'FROM "?qa_category"?\s', sql)) for sql in queries) == 1


def test_each_process_keeps_the_categories_until_a_public_page_changes(make_tip, category, django_assert_num_queries):
    from qa import page_selectors, services
    from qa.models import Category

    tip = make_tip(title="How do I return an item?")
    assert [c.tip_count_in(None) for c in page_selectors.category_list_all()] == [1]
    with django_assert_num_queries(0):
        kept = page_selectors.category_list_all()
    kept[0].tip_count = 99  # copies: what one caller sets is not what the next one gets
    assert not hasattr(page_selectors.category_list_all()[0], "tip_count")
    category.name = "Returns"
    category.save()  # the admin's save: its signal changes every public page's version
    assert [c.name for c in page_selectors.category_list_all()] == ["Returns"]
    services.tip_unpublish(tip=tip)
    assert [c.tip_count_in(None) for c in page_selectors.category_list_all()] == [0]
    Category.objects.create(name="Billing", slug="billing")
    assert len(page_selectors.category_list_all()) == 2


def test_a_card_escapes_and_links_like_the_template_did(make_tip):
    tip = make_tip(title="<b>Returns</b> & refunds", answer_text="Send it <back>.", tags=["返品", "a&b"])
    tip = type(tip).objects.select_related("category").get(pk=tip.pk)
    with translation.override("en"):
        html = tip_card(tip)
    assert "&lt;b&gt;Returns&lt;/b&gt; &amp; refunds" in html and "<b>" not in html
    assert f'href="{reverse("qa:tip_detail", kwargs={"pk": tip.pk, "slug": tip.slug})}"' in html
    assert f'href="{reverse("qa:category", kwargs={"slug": tip.category.slug})}"' in html
    for tag in tip.tags.all():
        assert f'href="{reverse("qa:tag", kwargs={"slug": tag.slug})}"' in html
    assert 'title="a&amp;b"' in html
    assert '<ul class="tags" aria-label="Tags">' in html
    with translation.override("ja"):
        assert 'aria-label="タグ"' in tip_card(tip)


def test_search_cards_highlight_the_terms(client, make_tip):
    make_tip(title="送料はいくらですか？", answer_text="全国一律500円です。")
    html = client.get(reverse("qa:search"), {"q": "送料"}).content.decode()
    assert "<mark>送料</mark>" in html
