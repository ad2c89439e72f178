"""The metrics page's reach section (metrics.sections.reach) with two weeks of
posts, followers and visits: screenshots at 375 and 1280 px in English and
Japanese (test-artifacts/screenshots/<language>-<width>-metrics-reach.png),
with the checks of test_screenshots: 200, the right language, no sideways scrolling."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conversations.listening import billed_reads_add
from metrics.models import DailyCount
from metrics.periods import local_today
from publishing.models import Delivery, FollowerSnapshot, PostMetrics
from qa import services
from tests.browser.test_screenshots import OVERFLOW, WIDTHS

pytestmark = pytest.mark.browser
TITLES = [
    "送料はいくらですか？",
    "返品の方法",
    "How do I track my parcel?",
    "ポイントの有効期限",
    "Changing my address",
]


@pytest.fixture
def reach(settings, category):
    today = local_today()
    for n in range(14):
        day = today - dt.timedelta(days=13 - n)
        for network, base in (("x", 1200), ("facebook", 640)):
            FollowerSnapshot.objects.create(
                channel=network, day=day, followers=base + 3 * n + (n % 3), fetched_at=timezone.now()
            )
            DailyCount.objects.create(event="visit", key=network, day=day, count=(n * 7 + base) % 23 + 2)
    for n, title in enumerate(TITLES):
        tip = services.tip_publish(
            tip=services.tip_create(title=title, answer_text="…", category=category), announce=False
        )
        Delivery.objects.filter(tip=tip).delete()
        for network in ("x", "facebook"):
            delivery = Delivery.objects.create(
                tip=tip,
                channel=network,
                status=Delivery.Status.SENT,
                remote_id=f"{network}-{n}",
                sent_at=timezone.now() - dt.timedelta(days=2 + 2 * n, hours=3),
            )
            ages = [1, 7] if 2 + 2 * n >= 7 else [1]
            for age in ages:
                PostMetrics.objects.create(
                    delivery=delivery,
                    age_days=age,
                    status=PostMetrics.Status.FETCHED,
                    impressions=(329 if network == "x" else 512) * age // 3 + 40 * n,
                    likes=5 * age + n,
                    reposts=age + n % 2,
                    replies=n % 3,
                    link_clicks=(7 * age + n) if network == "x" else None,
                    fetched_at=timezone.now(),
                )
    billed_reads_add(kind="x_metrics", reads=42, at=timezone.now())


@pytest.mark.parametrize("language", ["en", "ja"])
def test_screenshots_of_the_reach_section(site, new_page, signed_in, screenshot_dir, staff, reach, language):
    problems_found = []
    page, problems = new_page(locale="ja-JP" if language == "ja" else "en-US")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": site}])
    signed_in(page.context, staff)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        response = page.goto(site + reverse("metrics:page") + "?days=28")
        assert response.status == 200
        assert page.locator("html").get_attribute("lang") == language
        section = page.locator("#metrics-reach")
        section.scroll_into_view_if_needed()
        target = screenshot_dir / f"{language}-{width}-metrics-reach.png"
        section.screenshot(path=str(target))
        overflow = page.evaluate(OVERFLOW)
        if overflow["scrollWidth"] > overflow["width"] + 1:
            problems_found.append(f"{target.name}: {overflow['scrollWidth']}px wide: {overflow['wide']}")
    problems.assert_clean()
    assert not problems_found, "Sideways scrolling:\n" + "\n".join(problems_found)
