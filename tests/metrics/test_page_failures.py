"""A section whose computation raises does not take the page down: it is
logged with its traceback and shown as a notice in its place; the other
sections render, the CSV of its tables answers a clear error, and the weekly
e-mail names it with the same notice."""

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.utils import translation

import metrics.sections
import metrics.sections.reach
from metrics.summary import weekly_summary_send_due
from metrics.summary_models import WeeklySummarySubscription

pytestmark = pytest.mark.django_db

URL = "/admin/metrics/"
WEEK = "start=2026-11-01&end=2026-11-07"
NOTICE = "This section could not be computed. The error was logged."
REACH = "metrics.sections.reach.build"
DEMO = "tests.metrics.demo_section.build"


def raising(period, *, user):
    raise ZeroDivisionError("a bug in the section")


def querying_a_missing_table(period, *, user):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM metrics_no_such_table")


@pytest.fixture
def reach_fails(monkeypatch):
    """The reach section (a real one, with its KEY and TITLE) raises; the demo section after it works."""
    monkeypatch.setattr(metrics.sections, "SECTIONS", [REACH, DEMO])
    monkeypatch.setattr(metrics.sections.reach, "build", raising)


def failures_logged(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "metrics.page"]


def test_the_failing_section_is_a_notice_and_the_others_render(reach_fails, lead_client, caplog):
    with translation.override("en"):
        response = lead_client.get(f"{URL}?{WEEK}")
    assert response.status_code == 200
    html = response.content.decode()
    reach = html.split('id="metrics-reach"', 1)[1].split("</section>", 1)[0]
    assert "Reach of tips</h3>" in reach and NOTICE in reach
    assert 'id="figure-demo-visits"' in html and "Top searches, with a comma" in html
    [record] = failures_logged(caplog)
    assert record.levelno == logging.ERROR and REACH in record.getMessage()
    assert record.exc_info[0] is ZeroDivisionError  # the traceback goes with it


def test_the_csv_of_a_failing_section_is_a_clear_error(reach_fails, lead_client, caplog):
    with translation.override("en"):
        response = lead_client.get(f"{URL}?{WEEK}&export=reach.posts_day_1")
    assert response.status_code == 503
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode() == "This table could not be computed: its section failed. The error was logged."
    assert len(failures_logged(caplog)) == 1
    # The other sections' tables still export; an unknown table is still a 404.
    assert lead_client.get(f"{URL}?{WEEK}&export=demo.top").status_code == 200
    assert lead_client.get(f"{URL}?{WEEK}&export=demo.nothing").status_code == 404


def test_a_section_without_a_name_or_that_cannot_be_imported(monkeypatch, lead_client, caplog):
    monkeypatch.setattr(metrics.sections, "SECTIONS", ["tests.metrics.test_page_failures.raising", "no.such.build"])
    with translation.override("en"):
        html = lead_client.get(f"{URL}?{WEEK}").content.decode()
    assert html.count("Unavailable section</h3>") == 2 and html.count(NOTICE) == 2
    raised = [record.exc_info[0] for record in failures_logged(caplog)]
    assert raised[0] is ZeroDivisionError and issubclass(raised[1], ImportError)


@pytest.mark.django_db(transaction=True)
def test_a_failed_query_does_not_spoil_the_next_sections_queries(monkeypatch, lead_client, caplog):
    """As in production (autocommit): on PostgreSQL too, the demo section's query runs after the error."""
    monkeypatch.setattr(metrics.sections, "SECTIONS", [REACH, DEMO])
    monkeypatch.setattr(metrics.sections.reach, "build", querying_a_missing_table)
    with translation.override("en"):
        response = lead_client.get(f"{URL}?{WEEK}")
    assert response.status_code == 200
    html = response.content.decode()
    assert NOTICE in html and 'id="figure-demo-visits"' in html
    assert len(failures_logged(caplog)) == 1


def test_the_weekly_email_notes_the_failing_section(reach_fails, lead, settings, caplog):
    settings.SUPPORT_TIME_ZONE = "Asia/Tokyo"
    settings.METRICS_WEEKLY_SUMMARY_HOUR = 8
    WeeklySummarySubscription.objects.create(user=lead, language="en")
    assert weekly_summary_send_due(now=datetime(2026, 11, 30, 8, 30, tzinfo=ZoneInfo("Asia/Tokyo"))) == 1
    [message] = mail.outbox
    lines = message.body.splitlines()
    assert lines[2:5] == ["Reach of tips", NOTICE, ""]
    assert "Demo section" in lines and "- Visits: –; before: 1,000" in lines
    html = message.alternatives[0][0]
    assert f"<h2>Reach of tips</h2>\n\n<p>{NOTICE}</p>" in html and "<h2>Demo section</h2>" in html
    assert len(failures_logged(caplog)) == 1


def test_the_notice_is_in_the_staff_members_language(reach_fails, lead_client):
    html = lead_client.get(f"{URL}?{WEEK}", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    reach = html.split('id="metrics-reach"', 1)[1].split("</section>", 1)[0]
    assert "このセクションは計算できませんでした。エラーは記録されています。" in reach
    response = lead_client.get(f"{URL}?{WEEK}&export=reach.posts_day_1", HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 503
    assert "この表は作成できませんでした" in response.content.decode()
