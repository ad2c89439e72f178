"""Plain text and excerpts are stored beside the HTML at save time, and no
public page converts Markdown on a read (issue 8: stored Markdown converted on
every view made anonymous pages take 8–16 s)."""

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from qa import markup, services
from qa.models import TIP_EXCERPT_LENGTH, Tip

pytestmark = pytest.mark.django_db

LONG_ANSWER_JA = "返品は**30日以内**なら[注文履歴](https://shop.example/orders)からできます。" * 8


def test_tip_create_stores_plain_text_and_an_excerpt(make_tip):
    tip = make_tip(question_text="## 返品\n\n届いた商品を*返品*したい", answer_text=LONG_ANSWER_JA)
    assert tip.question_plain == "返品 届いた商品を返品したい"
    assert tip.answer_plain.startswith("返品は30日以内なら注文履歴からできます。返品は")
    assert "*" not in tip.answer_plain and "](" not in tip.answer_plain
    assert len(tip.excerpt) <= TIP_EXCERPT_LENGTH
    assert tip.excerpt.endswith("…")
    # It ends at a phrase boundary: what precedes the ellipsis is a whole BudouX phrase.
    assert tip.answer_plain.startswith(tip.excerpt.removesuffix("…"))
    assert tip.excerpt.removesuffix("…").endswith(("返品は", "30日以内なら", "注文履歴から", "できます。"))


def test_tip_update_refreshes_them(make_tip):
    tip = make_tip(answer_text="Old answer.")
    tip = services.tip_update(tip=tip, answer_text="**New** answer, with [a link](https://example.com).")
    tip.refresh_from_db()
    assert tip.answer_plain == "New answer, with a link."
    assert tip.excerpt == "New answer, with a link."


def test_the_migration_fills_existing_tips(make_tip):
    make_tip(question_text="*Why?*", answer_text="Because **this**.")
    Tip.objects.update(question_plain="", answer_plain="", excerpt="")
    migration = importlib.import_module("qa.migrations.0004_tip_plain_text_and_excerpt")
    migration.fill_plain_text(apps, None)
    tip = Tip.objects.get()
    assert (tip.question_plain, tip.answer_plain, tip.excerpt) == ("Why?", "Because this.", "Because this.")


@pytest.fixture
def conversions(monkeypatch):
    """Every Markdown conversion (markdown_render, render_markdown and markdown_to_text all parse with it)."""
    calls = []
    convert = markup._parse

    def spy(source):
        calls.append(source)
        return convert(source)

    monkeypatch.setattr(markup, "_parse", spy)
    return calls


def test_public_pages_convert_no_markdown(client, make_tip, category, conversions):
    tips = [
        make_tip(title=f"返品 {i}", question_text="*Can I* return it?", answer_text=LONG_ANSWER_JA) for i in range(3)
    ]
    category.description = "Shipping *and* returns."
    category.save()
    conversions.clear()
    tip = tips[0]
    urls = [
        reverse("qa:home"),
        reverse("qa:tip_list"),
        tip.get_absolute_url(),
        reverse("qa:category", kwargs={"slug": category.slug}),
        reverse("qa:search") + "?q=返品",
        reverse("qa:feed_rss"),
        reverse("qa:feed_atom"),
        reverse("qa:category_feed_rss", kwargs={"slug": category.slug}),
        reverse("qa:category_feed_atom", kwargs={"slug": category.slug}),
        reverse("qa:sitemap"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
    assert conversions == []
    # The stored text is what the pages show.
    html = client.get(tip.get_absolute_url()).content.decode()
    assert f'<meta name="description" content="{tip.excerpt}">' in html
    assert tip.excerpt in client.get(reverse("qa:home")).content.decode()


def test_suggestions_convert_no_markdown(client, customer, make_tip, conversions):
    make_tip(title="返品の方法", answer_text=LONG_ANSWER_JA)
    client.force_login(customer)
    conversions.clear()
    response = client.get(reverse("qa:suggest"), {"q": "返品"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert results and "**" not in results[0]["excerpt"] and "30日以内" in results[0]["excerpt"]
    assert conversions == []
