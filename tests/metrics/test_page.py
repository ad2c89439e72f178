"""Admin > Metrics: the page frame renders any section (the demo section here),
with the period picker, figure cards, SVG charts with their tables, and CSV."""

import re
from datetime import date

import pytest
from django.test import Client
from django.utils import translation

from metrics.models import DailyCount

pytestmark = pytest.mark.django_db

URL = "/admin/metrics/"
WEEK = "start=2026-11-01&end=2026-11-07"


def visits(day, count):
    DailyCount.objects.create(day=day, event="demo.visit", count=count)


def figure_html(html, key) -> str:
    match = re.search(rf'id="figure-demo-{key}">(.*?)</div>', html, re.S)
    assert match, key
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def test_each_unit_is_formatted_with_its_change(demo_sections, lead_client):
    visits(date(2026, 11, 3), 1200)
    visits(date(2026, 11, 7), 34)
    visits(date(2026, 11, 8), 5000)  # the day after: not in the period
    html = lead_client.get(f"{URL}?{WEEK}").content.decode()
    # 1,234 against 1,000: +23.4%, shown rounded, better (more visits).
    assert figure_html(html, "visits") == "Visits 1,234 ▲ +23% (better) before: 1,000"
    assert 'class="metrics-change is-good"' in html
    # A share against a share: the difference in points.
    assert figure_html(html, "answered") == "Answered within 1 h 83.5% ▲ +3.5 points (better) before: 80%"
    # A duration, where lower is better: 1 h 5 min against 1 h 10 min is 5 minutes better.
    assert (
        figure_html(html, "first_response") == "First response (median) 1 h 5 min ▼ −5 min (better) before: 1 h 10 min"
    )
    # No previous value: no change, a dash.
    assert figure_html(html, "ratio") == "Replies per conversation 1.25 before: –"
    assert "Counted once per day." in html
    assert "Nov. 1, 2026 – Nov. 7, 2026, compared with Oct. 25, 2026 – Oct. 31, 2026." in html


def test_an_empty_period_shows_dashes_and_no_change(demo_sections, lead_client):
    html = lead_client.get(f"{URL}?{WEEK}").content.decode()
    assert figure_html(html, "visits") == "Visits – before: 1,000"


def test_japanese_durations_numbers_and_days(demo_sections, lead_client):
    visits(date(2026, 11, 3), 1234)
    html = lead_client.get(f"{URL}?{WEEK}", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "1時間5分" in html and "1時間10分" in html
    assert "1,234" in html
    assert "+3.5ポイント" in html
    assert "2026年11月1日" in html


def test_charts_are_svg_with_a_legend_gaps_and_their_table(demo_sections, lead_client):
    html = lead_client.get(f"{URL}?{WEEK}").content.decode()
    chart = re.search(r'<figure class="metrics-chart" id="chart-demo.per_day">(.*?)</figure>', html, re.S).group(1)
    assert "<figcaption" in chart and "Conversations per day" in chart
    assert 'role="img" aria-label="Conversations per day"' in chart
    assert "Web</li>" in chart and "X</li>" in chart  # the legend
    # Web is 3, no data, 5: two dots and no line across the gap; X is one line of three dots.
    assert chart.count('class="metrics-line metrics-series-0"') == 0
    assert chart.count('class="metrics-dot metrics-series-0"') == 2
    assert chart.count('class="metrics-line metrics-series-1"') == 1
    assert chart.count('class="metrics-dot metrics-series-1"') == 3
    # The table behind it, with a dash for the gap, and its CSV.
    table = re.search(r"<details.*?</details>", chart, re.S).group(0)
    assert (
        re.sub(r"\s+", "", re.sub(r"<[^>]+>", " ", table)) == "TableWebX" + "11-0131" + "11-02–2" + "11-0350DownloadCSV"
    )
    assert "export=demo.per_day" in table
    bars = re.search(r'id="chart-demo.by_channel">(.*?)</figure>', html, re.S).group(1)
    assert bars.count("<rect") == 1  # X has no data: no bar, a dash
    assert ">1 h</text>" in bars and ">–</text>" in bars
    assert "style=" not in html.split('id="content-main"')[1] and "<script>" not in html


def test_a_table_and_its_csv(demo_sections, lead_client):
    html = lead_client.get(f"{URL}?{WEEK}").content.decode()
    assert "Top searches, with a comma" in html
    assert '<td class="is-number">1,234</td><td class="is-number">12.5%</td>' in html
    response = lead_client.get(f"{URL}?{WEEK}&export=demo.top")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="tipcast-demo-top-2026-11-01-2026-11-07.csv"'
    expected = '\ufeffQuery,Searches,Share\r\n"送料, 沖縄",1234,12.5\r\n返品,7,\r\n'.encode()
    assert response.content == expected


def test_a_charts_csv_keeps_raw_seconds(demo_sections, lead_client):
    response = lead_client.get(f"{URL}?{WEEK}&export=demo.by_channel")
    assert response.content == "\ufeff,Median\r\nWeb,3600\r\nX,\r\n".encode()


@pytest.mark.parametrize("export", ["demo.nothing", "nothing.top", "demo", ""])
def test_an_unknown_export_is_a_404(demo_sections, lead_client, export):
    assert lead_client.get(f"{URL}?{WEEK}&export={export}").status_code == 404


def test_presets_and_the_default(demo_sections, lead_client, settings):
    html = lead_client.get(URL).content.decode()
    assert 'aria-current="page">Last 28 days' in html
    html = lead_client.get(f"{URL}?days=7").content.decode()
    assert 'aria-current="page">Last 7 days' in html
    assert 'aria-current="page"' not in lead_client.get(f"{URL}?{WEEK}").content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=2026-11-07&end=2026-11-01", "The last day comes before the first day."),
        ("start=2025-01-01&end=2026-01-05", "A period is at most 366 days."),
        ("start=2026-11-01", "Give both the first and the last day, or choose a preset."),
        ("start=2026-13-01&end=2026-11-01", "Enter a valid date."),
        ("start=0001-01-01&end=0001-01-02", "Choose a first day from 2000-01-01 on."),
        ("start=2026-11-01&end=2099-01-01", "The period cannot end after today."),
        ("days=5", "Select a valid choice."),
        ("days=abc", "Select a valid choice."),
    ],
)
def test_a_bad_period_is_a_form_error(demo_sections, lead_client, query, message):
    response = lead_client.get(f"{URL}?{query}")
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and 'role="alert"' in html
    assert "Demo section" not in html
    assert lead_client.get(f"{URL}?{query}&export=demo.top").status_code == 404


def test_who_may_open_the_page(demo_sections, lead_client, staff, customer):
    anonymous = Client().get(URL)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/admin/login/?next=")
    other_staff = Client()
    other_staff.force_login(type(staff).objects.create_user(username="agent", is_staff=True))
    assert other_staff.get(URL).status_code == 403
    assert other_staff.get(f"{URL}?{WEEK}&export=demo.top").status_code == 403
    a_customer = Client()
    a_customer.force_login(customer)
    assert a_customer.get(URL).status_code == 302
    superuser = Client()
    superuser.force_login(staff)
    assert superuser.get(URL).status_code == 200
    assert lead_client.get(URL).status_code == 200


def test_head_answers_like_get(demo_sections, lead_client):
    for url in (URL, f"{URL}?{WEEK}", f"{URL}?{WEEK}&export=demo.top"):
        get, head = lead_client.get(url), lead_client.head(url)
        assert head.status_code == get.status_code == 200
        assert head.content == b""
        assert head["Content-Type"] == get["Content-Type"]


def test_the_sidebar_links_the_page_for_those_who_may_open_it(demo_sections, lead_client, staff):
    assert 'href="/admin/metrics/"' in lead_client.get("/admin/").content.decode()
    agent = Client()
    agent.force_login(type(staff).objects.create_user(username="agent", is_staff=True))
    assert 'href="/admin/metrics/"' not in agent.get("/admin/").content.decode()


def test_the_page_runs_a_fixed_number_of_queries(demo_sections, lead_client, django_assert_max_num_queries):
    DailyCount.objects.bulk_create(
        DailyCount(day=date(2026, 1, 1).fromordinal(date(2026, 1, 1).toordinal() + i), event="demo.visit", count=i)
        for i in range(300)
    )
    lead_client.get(URL)  # sessions, permissions: warm
    with django_assert_max_num_queries(QUERY_BUDGET):
        assert lead_client.get("/admin/metrics/?start=2026-01-01&end=2026-10-27").status_code == 200


# The user, their permissions (own and groups'), the demo section's one query, the weekly summary
# subscription. The page adds nothing per row: each section's own queries are all that grows with SECTIONS.
QUERY_BUDGET = 5


def test_no_section_installed(lead_client, monkeypatch):
    import metrics.sections

    monkeypatch.setattr(metrics.sections, "SECTIONS", [])
    with translation.override("en"):
        assert "No metrics section is installed." in lead_client.get(URL).content.decode()


def test_bad_query_values_never_fail(demo_sections, lead_client):
    from tests.security.bad_input import QUERY_VALUES, REFUSED_IN_QUERY

    for label, value in QUERY_VALUES.items():
        for query in (f"days={value}", f"start={value}&end={value}", f"{WEEK}&export={value}"):
            status = lead_client.get(f"{URL}?{query}").status_code
            expected = {404} if label in REFUSED_IN_QUERY or "export" in query else {200}
            assert status in expected, (label, query, status)
