"""The audit scoring page (audits.admin) as an auditor sees it, and a scored
audit as its reply's author sees it: screenshots at 375 and 1280 px in English
and Japanese (test-artifacts/screenshots/<language>-<width>-audit-<view>.png),
with the checks of test_screenshots: 200, the right language, no sideways scrolling."""

from __future__ import annotations

import random
from datetime import date, datetime
from importlib import import_module
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from audits.models import Audit
from audits.services import audit_sample_week, audit_score
from conversations.models import StaffProfile
from qa import services
from qa.models import Message
from tests.browser.test_screenshots import OVERFLOW, WIDTHS

pytestmark = pytest.mark.browser
TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def audits(settings, customer):
    settings.SUPPORT_TIME_ZONE = "Asia/Tokyo"
    # live_server's database is flushed between tests, the migration's default guideline with it.
    import_module("audits.migrations.0002_default_guideline").create(django_apps, None)
    users = get_user_model().objects
    auditors = Group.objects.create(name="Auditors")
    auditors.permissions.add(Permission.objects.get(codename="audit_replies"))
    lead = users.create_user(username="lead", email="lead@example.com", password="pw-123456!", is_staff=True)
    lead.groups.add(auditors)
    writer = users.create_user(username="watanabe", email="w@example.com", password="pw-123456!", is_staff=True)
    StaffProfile.objects.create(user=lead, display_name="佐藤")
    StaffProfile.objects.create(user=writer, display_name="渡辺")
    question = services.question_create(
        asker=customer,
        title="注文した荷物がまだ届きません",
        body="11月14日に注文したのですが、まだ届いていません。追跡番号も見つかりません。",
    )
    Message.objects.filter(question=question).update(created_at=datetime(2026, 11, 17, 9, 12, tzinfo=TOKYO))
    replies = []
    for day, body in [
        (17, "ご不便をおかけして申し訳ございません。Tipcastの渡辺です。追跡番号は注文確認メールの下部にございます。"),
        (
            19,
            "お待たせしております。配送状況を確認いたしましたので、[追跡のしかた](https://example.com)をご覧ください。",
        ),
    ]:
        reply = services.question_answer(question=question, author=writer, body=body, is_public=False)
        Message.objects.filter(pk=reply.pk).update(created_at=datetime(2026, 11, day, 10, 30, tzinfo=TOKYO))
        replies.append(reply)
    audit_sample_week(monday=date(2026, 11, 16), size=10, rng=random.Random(1))
    queued, scored = (Audit.objects.get(message=reply) for reply in replies)
    criteria = list(scored.guideline.criteria.all())
    audit_score(
        audit=scored,
        auditor=lead,
        ratings={
            criteria[0].pk: (2, ""),
            criteria[1].pk: (2, ""),
            criteria[2].pk: (1, "追跡のTipへのリンクは良いが、配送業者名がない。"),
            criteria[3].pk: (None, ""),
        },
        comment="丁寧で分かりやすい返信です。",
    )
    return {"lead": lead, "writer": writer, "queued": queued, "scored": scored}


@pytest.mark.parametrize("language", ["en", "ja"])
def test_screenshots_of_the_audit_pages(site, new_page, signed_in, screenshot_dir, audits, language):
    problems_found = []
    views = [("score", audits["lead"], audits["queued"]), ("mine", audits["writer"], audits["scored"])]
    for view, user, audit in views:
        page, problems = new_page(locale="ja-JP" if language == "ja" else "en-US")
        page.context.add_cookies([{"name": "django_language", "value": language, "url": site}])
        signed_in(page.context, user)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            response = page.goto(site + reverse("admin:audits_audit_change", args=[audit.pk]))
            assert response.status == 200
            assert page.locator("html").get_attribute("lang") == language
            if view == "score":
                page.locator("input[type=radio][value='2']").first.check()
            target = screenshot_dir / f"{language}-{width}-audit-{view}.png"
            page.screenshot(path=str(target), full_page=True)
            overflow = page.evaluate(OVERFLOW)
            if overflow["scrollWidth"] > overflow["width"] + 1:
                problems_found.append(f"{target.name}: {overflow['scrollWidth']}px wide: {overflow['wide']}")
        problems.assert_clean()
    assert not problems_found, "Sideways scrolling:\n" + "\n".join(problems_found)
