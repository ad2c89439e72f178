"""The reply composer's live count in a real browser: the number the page shows
is the server's (conversations.compose), under the site's CSP (script files
only), in English and Japanese; a saved reply is inserted where the cursor is."""

from __future__ import annotations

import pytest
from django.utils import translation

from conversations.compose import reply_parts, x_reply_length
from qa import services
from tests.browser.composer_urls import SIGNATURES

pytestmark = [pytest.mark.browser, pytest.mark.urls("tests.browser.composer_urls")]


def _shows(page, text: str) -> None:
    page.wait_for_function(
        "text => document.querySelector('.tipcast-composer-count').textContent === text", arg=text, timeout=10_000
    )


def _expected(text: str, language: str, posts_label: str) -> str:
    parts = reply_parts(text=text, network="x", handle="yukitas63", language=language, signature=SIGNATURES[language])
    whole = x_reply_length("@yukitas63 " + SIGNATURES[language].apply(text))
    return f"{whole} / 280 · {posts_label.format(count=len(parts))}"


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_count_is_the_servers_as_staff_type(site, new_page, screenshot_dir, db, language):
    services.saved_reply_create(title="Delay", body="Sorry for the delay.")
    page, problems = new_page(locale="ja-JP" if language == "ja" else "en-US")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": site}])
    page.goto(f"{site}/test-composer/?language={language}")
    with translation.override(language):
        one, many = translation.gettext("1 post"), translation.gettext("{count} posts")

    # Empty: the handle and the signature alone.
    _shows(page, f"{_expected('', language, one)}")
    sentence = "お届けが遅れて申し訳ございません。😷 " if language == "ja" else "Sorry your parcel is late 😷. "
    text = sentence * 12 + site + "/tips/1/returns?utm_medium=reply"
    page.fill("textarea[name='text']", text)
    _shows(page, _expected(text, language, many))
    assert len(reply_parts(text=text, network="x", handle="yukitas63", language=language, signature=None)) >= 2
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=str(screenshot_dir / f"composer-count-375-{language}.png"), full_page=True)

    # A saved reply goes in at the cursor (here: the start) and the picker resets.
    page.fill("textarea[name='text']", "Thanks!")
    page.evaluate("document.querySelector(\"textarea[name='text']\").setSelectionRange(0, 0)")
    page.select_option("select[name='saved_reply']", label="Delay")
    assert page.input_value("textarea[name='text']") == "Sorry for the delay.Thanks!"
    assert page.input_value("select[name='saved_reply']") == ""
    _shows(page, _expected("Sorry for the delay.Thanks!", language, one))
    problems.assert_clean()
