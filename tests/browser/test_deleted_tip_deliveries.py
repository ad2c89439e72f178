"""The delivery list after a tip was deleted: its rows stay, named after the
tip with "(deleted)", each saying when its post was removed from the network.
Screenshots at 375 and 1280 px in English and Japanese
(test-artifacts/screenshots/<language>-<width>-deliveries-deleted-tip.png)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from publishing.models import Delivery
from tests.browser.test_screenshots import OVERFLOW, WIDTHS

pytestmark = pytest.mark.browser


@pytest.fixture
def deleted_tip_deliveries(db):
    now = timezone.now()
    for number, kind in enumerate(["x", "facebook", "bluesky", "mastodon"], start=1):
        Delivery.objects.create(
            tip=None,
            tip_title="返品の送料は誰が払いますか？ 海外から届いた商品の場合",
            channel=kind,
            status=Delivery.Status.SENT,
            remote_id=f"{kind}-{number}",
            remote_url=f"https://social.example/{kind}/{number}",
            sent_at=now,
            deleted_at=now,
        )


@pytest.mark.parametrize(("language", "deleted_label"), [("en", "(deleted)"), ("ja", "（削除済み）")])
def test_screenshots_of_the_deliveries_of_a_deleted_tip(
    site, new_page, signed_in, screenshot_dir, deleted_tip_deliveries, staff, language, deleted_label
):
    page, _problems = new_page(locale="ja-JP" if language == "ja" else "en-US")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": site}])
    signed_in(page.context, staff)
    problems_found = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        response = page.goto(site + reverse("admin:publishing_delivery_changelist"))
        assert response.status == 200
        assert page.locator("html").get_attribute("lang") == language
        assert page.get_by_text(deleted_label).count() == 4
        target = screenshot_dir / f"{language}-{width}-deliveries-deleted-tip.png"
        page.screenshot(path=str(target), full_page=True)
        overflow = page.evaluate(OVERFLOW)
        if overflow["scrollWidth"] > overflow["width"] + 1:
            problems_found.append(f"{target.name}: {overflow['scrollWidth']}px wide: {overflow['wide']}")
    assert not problems_found, "Sideways scrolling:\n" + "\n".join(problems_found)
