"""The per-channel character count in the tip admin, for Bluesky (300
graphemes) and Mastodon (the instance's own limit), in a real browser, and
the channel health page listing both; screenshots at 375 and 1280 px, EN/JA."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from publishing import compose
from tests.publishing.fake_social import FakeSocialServer
from tests.publishing.fake_social_bluesky import APP_PASSWORD, HANDLE
from tests.publishing.fake_social_mastodon import ACCESS_TOKEN

FAMILY = "👨‍👩‍👧‍👦"


pytestmark = pytest.mark.browser


@pytest.fixture
def open_networks(site, settings):
    """Bluesky and Mastodon configured; Mastodon's instance is the fake one
    (its limit is read from it); nothing is sent in these tests."""
    with FakeSocialServer() as instance:
        instance.state.mastodon_max_characters = 500
        cache.clear()
        settings.BLUESKY_HANDLE, settings.BLUESKY_APP_PASSWORD = HANDLE, APP_PASSWORD
        settings.BLUESKY_SERVICE_URL = instance.url
        settings.MASTODON_API_BASE_URL, settings.MASTODON_ACCESS_TOKEN = instance.url, ACCESS_TOKEN
        yield instance


def _wait_for(page, output, text: str) -> None:
    page.wait_for_function(
        "([el, text]) => el.textContent.endsWith(text)", arg=[output.element_handle(), text], timeout=10_000
    )


def _row_textarea(page, kind: str):
    select = page.locator('select[name$="-channel"]', has=page.locator(f'option[value="{kind}"]:checked'))
    row = page.locator("tr", has=select)
    return row.locator("textarea.tipcast-char-count"), row.locator(".tipcast-char-count-output")


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_count_follows_each_networks_rules(
    site, open_networks, new_page, signed_in, staff, make_tip, screenshot_dir, language
):
    tip = make_tip(title="返品の送料はかかりますか？")
    page, problems = new_page(locale="ja-JP" if language == "ja" else "en-US")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": site}])
    signed_in(page.context, staff)
    page.goto(site + reverse("admin:qa_tip_change", args=[tip.pk]))
    label = "文字数" if language == "ja" else "Characters"

    bluesky_text, bluesky_count = _row_textarea(page, "bluesky")
    link = compose.tip_link(tip, source="bluesky")
    # Before typing: the standard text, title (13) + newline + the link shown short.
    shown_link = len(compose.graphemes(compose.link_display_text(link)))
    _wait_for(page, bluesky_count, f"{13 + 1 + shown_link} / 300")
    # Ten ZWJ families: 10 graphemes (70 code points), a newline, the link.
    bluesky_text.fill(FAMILY * 10)
    _wait_for(page, bluesky_count, f"{10 + 1 + shown_link} / 300")
    assert label in bluesky_count.text_content()

    mastodon_text, mastodon_count = _row_textarea(page, "mastodon")
    mastodon_text.fill("送料は無料です")
    # Seven characters, a newline, the tip link counted as 23, however long it is.
    _wait_for(page, mastodon_count, f"{7 + 1 + 23} / 500")
    assert open_networks.state.mastodon_instance_reads == 1

    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        mastodon_count.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir / f"{language}-{width}-admin-channel-count.png"), full_page=True)
        page.goto(site + reverse("admin:publishing_channelstate_changelist"))
        page.screenshot(path=str(screenshot_dir / f"{language}-{width}-admin-channel-health.png"), full_page=True)
        health = page.locator("table.channel-health").text_content()
        assert "Bluesky" in health and "Mastodon" in health
        page.goto(site + reverse("admin:qa_tip_change", args=[tip.pk]))
    problems.assert_clean()
