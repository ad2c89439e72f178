"""The customer replies on My questions with a photo, in a real browser, in
English and Japanese, at 375 and 1280 px: the reply and its (cleaned) image
appear in the thread, and the image is served through the permission check.
Screenshots: test-artifacts/screenshots/<language>-<width>-follow-up.png."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from qa import services
from qa.models import MessageAttachment, Question
from tests.browser.test_screenshots import OVERFLOW, WIDTHS
from tests.qa.images import photo_with_gps

pytestmark = pytest.mark.browser

TEXT = {
    "en": {
        "title": "The parcel arrived damaged",
        "body": "The box was crushed when it arrived.",
        "reply": "Sorry to hear that. Could you send a photo of the box?",
        "follow_up": "Here is the photo of the box.",
        "send": "Send reply",
    },
    "ja": {
        "title": "荷物が破損して届きました",
        "body": "箱がつぶれた状態で届きました。",
        "reply": "ご迷惑をおかけして申し訳ございません。箱の写真をお送りいただけますか。",
        "follow_up": "箱の写真を添付します。",
        "send": "返信を送信",
    },
}


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_customer_replies_with_a_photo(
    site, new_page, signed_in, screenshot_dir, customer, staff, category, tmp_path, language
):
    text = TEXT[language]
    photo = tmp_path / "IMG_0001.jpg"
    photo.write_bytes(photo_with_gps(size=(1200, 800)))
    page, problems = new_page(locale="ja-JP" if language == "ja" else "en-US")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": site}])
    signed_in(page.context, customer)
    problems_found = []
    for width in WIDTHS:
        question = services.question_create(
            asker=customer, title=text["title"], body=text["body"], category=category, language=language
        )
        services.question_answer(question=question, author=staff, body=text["reply"], is_public=False)
        page.set_viewport_size({"width": width, "height": 900})
        response = page.goto(site + reverse("qa:my_question", args=[question.pk]))
        assert response.status == 200
        assert page.locator("html").get_attribute("lang") == language

        form = page.locator("form.follow-up__form")
        form.locator("textarea[name=body]").fill(text["follow_up"])
        form.locator("input[type=file][name=attachments]").set_input_files(str(photo))
        with page.expect_navigation():
            form.get_by_role("button", name=text["send"]).click()

        message = page.locator("article.thread-message--customer").last
        expect(message).to_contain_text(text["follow_up"])
        image = message.locator(".attachments img")
        expect(image).to_have_count(1)
        image.scroll_into_view_if_needed()
        # Decoded by the browser: served, with its real type, through the permission check.
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
        # Orientation 6 applied: the 1200×800 photo is upright, 800×1200.
        assert image.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [800, 1200]
        expect(page.locator(".question-summary__meta .status")).to_have_class("status status--new")
        question.refresh_from_db()
        assert question.status == Question.Status.WAITING_US

        target = screenshot_dir / f"{language}-{width}-follow-up.png"
        page.screenshot(path=str(target), full_page=True)
        overflow = page.evaluate(OVERFLOW)
        if overflow["scrollWidth"] > overflow["width"] + 1:
            problems_found.append(f"{target.name}: {overflow['scrollWidth']}px wide: {overflow['wide']}")

    attachment = MessageAttachment.objects.last()
    image_response = page.request.get(site + attachment.get_absolute_url())
    assert image_response.status == 200
    assert image_response.headers["x-content-type-options"] == "nosniff"
    assert b"SN-TOPSECRET-42" not in image_response.body()
    problems.assert_clean()
    assert not problems_found, "Sideways scrolling:\n" + "\n".join(problems_found)
