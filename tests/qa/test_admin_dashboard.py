"""The admin's first page (the inbox's numbers and the delivery backlog), the sidebar
staff navigate by, the theme's Content-Security-Policy, and the staff side's wording
in English and Japanese."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conversations import services as conversation_services
from conversations.selectors import inbox_waiting_count_forget
from publishing.models import Delivery
from qa import selectors, services
from qa.models import Question
from tests.qa.test_admin_questions import _age


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def _stat(page: str, href: str) -> str:
    """The number shown in the dashboard tile that links to `href`."""
    match = re.search(rf'href="{re.escape(href)}">\s*<span class="tipcast-stat-value">([^<]*)<', page)
    assert match, f"no tile links to {href}"
    return match.group(1).strip()


def _inbox(make_question, staff, count: int) -> None:
    for n in range(count):
        question = make_question(title=f"届かない {n}")
        if n % 3 == 0:
            conversation_services.conversation_assign(question=question, assignee=staff)


def test_inbox_counts_are_one_query(make_question, staff, django_assert_num_queries):
    _inbox(make_question, staff, 6)
    answered = make_question(title="答えた")
    services.question_answer(question=answered, author=staff, body="はい。", is_public=False)
    conversation_services.conversations_close(
        questions=Question.objects.filter(pk=make_question(title="spam").pk), reason=Question.CloseReason.SPAM
    )
    oldest = make_question(title="一番古い")
    _age(oldest, days=3)
    with django_assert_num_queries(1):
        counts = selectors.question_inbox_counts()
    # 6 + the oldest wait; the answered one and the spam do not.
    assert counts["waiting"] == 7
    assert counts["unassigned"] == 7 - 2  # questions 0 and 3 are assigned
    oldest.refresh_from_db()
    assert counts["oldest_waiting_since"] == oldest.created_at


def test_inbox_counts_when_nothing_waits(db):
    assert selectors.question_inbox_counts() == {"waiting": 0, "unassigned": 0, "oldest_waiting_since": None}


def test_dashboard_numbers_link_to_the_filtered_lists(staff_client, make_question, make_tip, staff):
    _inbox(make_question, staff, 4)
    _age(Question.objects.order_by("pk").first(), days=3, hours=2)
    tip = make_tip()
    Delivery.objects.create(tip=tip, channel="x", status=Delivery.Status.FAILED)
    Delivery.objects.create(tip=tip, channel="facebook", status=Delivery.Status.UNKNOWN)
    Delivery.objects.create(tip=tip, channel="console", status=Delivery.Status.PENDING)

    # timesince separates the number and the unit with a no-break space.
    page = staff_client.get(reverse("admin:index")).content.decode().replace("\xa0", " ")

    inbox = reverse("admin:qa_question_changelist")
    deliveries = reverse("admin:publishing_delivery_changelist")
    assert _stat(page, f"{inbox}?state=waiting") == "4"
    assert _stat(page, f"{inbox}?state=waiting&amp;assignee=none") == "2"
    assert "3 days" in page  # the oldest wait, in words
    assert _stat(page, f"{deliveries}?status__exact=failed") == "1"
    assert _stat(page, f"{deliveries}?status__exact=unknown") == "1"
    assert _stat(page, f"{deliveries}?status__exact=pending") == "1"
    # Each link opens a list that really is filtered that way.
    unassigned = staff_client.get(f"{inbox}?state=waiting&assignee=none")
    assert unassigned.status_code == 200 and unassigned.context["cl"].result_count == 2


def test_dashboard_query_count_does_not_grow_with_the_data(staff_client, make_question, make_tip, staff):
    def dashboard_queries() -> int:
        inbox_waiting_count_forget()  # the sidebar's count, kept for a few seconds: counted each time here
        with CaptureQueriesContext(connection) as queries:
            assert staff_client.get(reverse("admin:index")).status_code == 200
        return len(queries)

    _inbox(make_question, staff, 2)
    few = dashboard_queries()
    _inbox(make_question, staff, 30)
    for n in range(10):
        Delivery.objects.create(tip=make_tip(title=f"tip {n}"), channel="x", status=Delivery.Status.FAILED)
    assert dashboard_queries() == few


def test_a_fresh_question_waits_less_than_a_minute_not_0_minutes(staff_client, make_question):
    make_question(title="今来た質問")
    _age(make_question(title="古い質問"), days=2, hours=5)
    page = staff_client.get(reverse("admin:qa_question_changelist")).content.decode().replace("\xa0", " ")
    assert "less than a minute" in page and "2 days" in page
    assert "0 minutes" not in page


def _staff_member(*permissions: str):
    user = get_user_model().objects.create_user(username="agent", password="pw-123456!", is_staff=True)
    for codename in permissions:
        app_label, name = codename.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=name))
    return user


def test_sidebar_is_in_the_order_staff_work_and_hides_the_framework(client, staff):
    client.force_login(staff)
    groups = client.get(reverse("admin:index")).context["sidebar_navigation"]
    titles = [str(group["title"]) for group in groups if group["title"]]
    assert titles == ["Inbox", "Tips", "Publishing", "Search", "Import", "Metrics", "Quality", "Users", "System"]
    system = [str(item["title"]) for item in groups[-1]["items"]]
    assert "Sites" in system and "Tags (raw)" in system and "Social application tokens" in system


def test_agents_see_only_what_they_may_open(client, db):
    client.force_login(_staff_member("qa.view_question", "qa.change_question", "qa.view_tip"))
    response = client.get(reverse("admin:index"))
    groups = response.context["sidebar_navigation"]
    links = [str(item["link"]) for group in groups for item in group["items"]]
    assert links == [
        reverse("admin:index"),
        reverse("admin:qa_question_changelist"),
        reverse("admin:qa_tip_changelist"),
        # Every staff member sees the audits of their own replies (audits.admin).
        reverse("admin:audits_audit_changelist"),
    ]
    # No System group, and the dashboard shows the inbox but not the publishing numbers.
    page = response.content.decode()
    assert "conversations waiting on us" in page and "failed deliver" not in page


def test_only_admin_pages_relax_the_csp_for_the_theme(staff_client, db):
    admin_policy = staff_client.get(reverse("admin:index"))["Content-Security-Policy"]
    assert "'unsafe-eval'" in admin_policy
    public_policy = staff_client.get(reverse("qa:home"))["Content-Security-Policy"]
    assert "'unsafe-eval'" not in public_policy and "'unsafe-inline'" not in public_policy
    # Inline scripts stay refused in the admin too.
    script_src = re.search(r"script-src ([^;]*)", admin_policy).group(1)
    assert "'unsafe-inline'" not in script_src


@pytest.fixture
def japanese_staff_client(staff_client):
    staff_client.cookies["django_language"] = "ja"
    return staff_client


def test_japanese_admin_reads_naturally(japanese_staff_client, make_question, make_tip, staff):
    for n in range(3):
        make_question(title=f"質問 {n}")
    dashboard = japanese_staff_client.get(reverse("admin:index")).content.decode()
    assert "件の会話が対応を待っています" in dashboard and "受信箱" in dashboard
    inbox = japanese_staff_client.get(reverse("admin:qa_question_changelist")).content.decode()
    assert "3件の会話" in inbox and "3 会話" not in inbox
    assert "1分未満" in inbox
    question = Question.objects.first()
    services.question_answer(question=question, author=staff, body="はい。", is_public=False)
    page = japanese_staff_client.get(reverse("admin:qa_question_change", args=[question.pk])).content.decode()
    assert "会話を削除" in page and "スタッフの返信（非公開：質問者だけが閲覧できます）" in page
    assert "Created at" not in page and "削除 会話" not in page
    tags = japanese_staff_client.get(reverse("admin:taggit_tag_changelist")).content.decode()
    assert "TAGGIT" not in tags
    # The theme's own words (django-unfold ships no Japanese) come from supportsite/admin_locale.
    assert "キーワードで検索" in inbox and "Type to search" not in inbox


def test_the_customers_markdown_is_shown_as_prose(staff_client, make_question, staff):
    question = make_question(title="箇条書き", body="- 注文番号\n- 住所\n\n1. 確認")
    page = staff_client.get(reverse("admin:qa_question_change", args=[question.pk])).content.decode()
    assert re.search(r'<div class="tipcast-prose">\s*<ul>\s*<li>注文番号</li>', page)
    answer = services.question_answer(question=question, author=staff, body="- はい", is_public=True)
    tip = services.tip_create_from_answer(answer=answer)
    tip_page = staff_client.get(reverse("admin:qa_tip_change", args=[tip.pk])).content.decode()
    assert re.search(r'<div class="tipcast-prose">\s*<ul>\s*<li>注文番号</li>', tip_page)
