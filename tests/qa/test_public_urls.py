"""qa.public_urls builds the same addresses reverse() does, without a resolver walk per link."""

import pytest
from django.urls import reverse, set_script_prefix

from qa import public_urls
from qa.models import Category, Tip


@pytest.mark.parametrize("slug", ["shipping-costs", "送料", "a b&c?d#e", "100%-free", "{pk}"])
def test_slugs_are_quoted_as_reverse_quotes_them(slug):
    assert public_urls.tag_path(slug) == reverse("qa:tag", kwargs={"slug": slug})
    assert public_urls.category_path(slug) == reverse("qa:category", kwargs={"slug": slug})
    assert public_urls.tip_path(42, slug) == reverse("qa:tip_detail", kwargs={"pk": 42, "slug": slug})


def test_a_tip_without_a_slug_gets_its_short_address():
    assert public_urls.tip_path(7, "") == reverse("qa:tip_detail_short", kwargs={"pk": 7})
    assert public_urls.tip_vote_path(7) == reverse("qa:tip_vote", kwargs={"pk": 7})
    assert Tip(pk=7, slug="").get_absolute_url() == "/tips/7/"
    assert Category(slug="returns").get_absolute_url() == reverse("qa:category", kwargs={"slug": "returns"})


def test_a_script_prefix_is_kept():
    set_script_prefix("/support/")
    try:
        assert public_urls.tip_path(3, "x") == reverse("qa:tip_detail", kwargs={"pk": 3, "slug": "x"})
        assert public_urls.tip_path(3, "x").startswith("/support/")
    finally:
        set_script_prefix("/")
