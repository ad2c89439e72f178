"""The weekly e-mail summary: staff opt in on the metrics page, and on Monday
from METRICS_WEEKLY_SUMMARY_HOUR (support time zone) each gets last week's
headline figures once, in the language they chose, plain text and HTML."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from metrics.models import DailyCount, WeeklySummarySubscription
from metrics.summary import weekly_summary_send_due
from metrics.tasks import send_weekly_summary

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
# Monday 30 November 2026, 08:30 in Tokyo: the summary covers Mon 23 - Sun 29 November.
MONDAY_MORNING = datetime(2026, 11, 30, 8, 30, tzinfo=TOKYO)


@pytest.fixture(autouse=True)
def _tokyo(settings):
    settings.SUPPORT_TIME_ZONE = "Asia/Tokyo"
    settings.METRICS_WEEKLY_SUMMARY_HOUR = 8
    settings.SITE_URL = "https://support.example.jp"


def subscribe(client, language):
    return client.post("/admin/metrics/weekly-summary/", {"action": "subscribe", "language": language})


def test_staff_opt_in_and_out_on_the_page(demo_sections, lead, lead_client):
    response = subscribe(lead_client, "ja")
    assert response.status_code == 302 and response["Location"] == "/admin/metrics/"
    assert WeeklySummarySubscription.objects.get(user=lead).language == "ja"
    html = lead_client.get("/admin/metrics/").content.decode()
    assert "every Monday from 8:00, in Japanese" in html
    lead_client.post("/admin/metrics/weekly-summary/", {"action": "unsubscribe"})
    assert not WeeklySummarySubscription.objects.exists()
    assert subscribe(lead_client, "xx").status_code == 302
    assert not WeeklySummarySubscription.objects.exists()


def test_the_summary_in_english(demo_sections, lead, lead_client):
    subscribe(lead_client, "en")
    DailyCount.objects.create(day=date(2026, 11, 25), event="demo.visit", count=1234)
    DailyCount.objects.create(day=date(2026, 11, 30), event="demo.visit", count=99)  # today: not in it
    assert weekly_summary_send_due(now=MONDAY_MORNING) == 1
    [message] = mail.outbox
    assert message.to == ["lead@example.com"]
    assert message.subject == "Tipcast support metrics, 11/23/2026 – 11/29/2026"
    assert message.body.splitlines()[:8] == [
        "The support metrics of Nov. 23, 2026 – Nov. 29, 2026, compared with Nov. 16, 2026 – Nov. 22, 2026.",
        "",
        "Demo section",
        "- Visits: 1,234 (+23%, better); before: 1,000",
        "- Answered within 1 h: 83.5% (+3.5 points, better); before: 80%",
        "- First response (median): 1 h 5 min (−5 min, better); before: 1 h 10 min",
        "- Replies per conversation: 1.25; before: –",
        "",
    ]
    link = "https://support.example.jp/admin/metrics/?start=2026-11-23&end=2026-11-29"
    assert f"Charts, tables and CSV on the metrics page: {link}" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert '<html lang="en">' in html and f'href="{link.replace("&", "&amp;")}"' in html
    assert "<strong>1 h 5 min</strong>" in html


def test_the_summary_in_japanese(demo_sections, lead, lead_client):
    subscribe(lead_client, "ja")
    weekly_summary_send_due(now=MONDAY_MORNING)
    [message] = mail.outbox
    assert message.subject == "Tipcast サポート指標 2026/11/23 – 2026/11/29"
    assert "2026年11月23日 – 2026年11月29日" in message.body
    assert "- First response (median): 1時間5分 (−5分, 改善); 前の期間: 1時間10分" in message.body
    assert '<html lang="ja">' in message.alternatives[0][0]


def test_once_per_monday_and_only_from_the_hour(demo_sections, lead, lead_client):
    subscribe(lead_client, "en")
    assert weekly_summary_send_due(now=datetime(2026, 11, 30, 7, 59, tzinfo=TOKYO)) == 0
    assert weekly_summary_send_due(now=datetime(2026, 11, 29, 9, 0, tzinfo=TOKYO)) == 0  # a Sunday
    # Sunday 23:30 UTC is already Monday 08:30 in Tokyo.
    assert weekly_summary_send_due(now=datetime(2026, 11, 29, 23, 30, tzinfo=ZoneInfo("UTC"))) == 1
    assert weekly_summary_send_due(now=MONDAY_MORNING) == 0
    assert weekly_summary_send_due(now=datetime(2026, 12, 7, 9, 0, tzinfo=TOKYO)) == 1
    assert len(mail.outbox) == 2


def test_no_summary_without_the_permission_or_an_address(demo_sections, lead, lead_client):
    subscribe(lead_client, "en")
    agent = get_user_model().objects.create_user(username="agent", email="agent@example.com", is_staff=True)
    WeeklySummarySubscription.objects.create(user=agent, language="en")
    assert weekly_summary_send_due(now=MONDAY_MORNING) == 1
    assert [m.to for m in mail.outbox] == [["lead@example.com"]]


def test_the_beat_task_sends_through_the_service(demo_sections, lead, lead_client, monkeypatch):
    subscribe(lead_client, "en")
    monkeypatch.setattr("django.utils.timezone.now", lambda: MONDAY_MORNING)
    assert send_weekly_summary() == 1
