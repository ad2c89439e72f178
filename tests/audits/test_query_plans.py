"""The weekly sample reads one week of replies, not the whole message table:
EXPLAINed on PostgreSQL with a year of messages (enough that the planner
prefers an index wherever one serves), no query of `audits_sample` scans
qa_message sequentially. No timings: the plan is the assertion (as in
tests/qa/test_query_plans.py, whose helpers this uses)."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audits.models import Audit
from publishing.models import Delivery
from qa.models import Message
from tests.audits.conftest import tokyo
from tests.qa.test_query_plans import _explain, on_postgres  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

WEEKS = 52
MESSAGES_A_DAY = 15
MONDAY = date(2026, 11, 16)


def _scans(plan: dict) -> list[str]:
    found = [plan["Relation Name"]] if plan.get("Node Type") == "Seq Scan" else []
    for child in plan.get("Plans", []):
        found += _scans(child)
    return found


@pytest.fixture
def a_year_of_messages(on_postgres, conversation, make_staff):  # noqa: F811
    """A year of a conversation's messages up to the sampled week: customers', replies (some sent to a
    network through a delivery) and notes, as an inbox accumulates them."""
    staff = [make_staff(f"agent{n}", f"Agent {n}", auditor=n < 2) for n in range(4)]
    first_day = MONDAY - timedelta(weeks=WEEKS - 1)
    kinds = [Message.Kind.CUSTOMER, Message.Kind.REPLY, Message.Kind.REPLY, Message.Kind.NOTE]
    # A day's first reply went to X: sent, or (every other day) failed.
    statuses = [Delivery.Status.SENT, Delivery.Status.FAILED]
    deliveries = Delivery.objects.bulk_create(
        Delivery(channel="x", purpose=Delivery.Purpose.REPLY, status=statuses[n % 2]) for n in range(WEEKS * 7)
    )
    messages = []
    for offset, delivery in enumerate(deliveries):
        day = first_day + timedelta(days=offset)
        for n in range(MESSAGES_A_DAY):
            kind = kinds[n % len(kinds)]
            messages.append(
                Message(
                    question=conversation,
                    kind=kind,
                    author=None if kind == Message.Kind.CUSTOMER else staff[n % len(staff)],
                    body="本文",
                    body_html="<p>本文</p>",
                    created_at=tokyo(day.year, day.month, day.day, 9) + timedelta(minutes=30 * n),
                    channel="x" if n == 1 else Message.Channel.WEB,
                    delivery=delivery if n == 1 else None,
                )
            )
    Message.objects.bulk_create(messages)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def test_the_weekly_sample_reads_one_week_of_messages(a_year_of_messages):
    # The guard can see a scan.
    assert "qa_message" in _scans(_explain("SELECT id FROM qa_message WHERE body = 'x'"))
    with CaptureQueriesContext(connection) as context:
        call_command("audits_sample", week=MONDAY.isoformat(), size=10)
    assert Audit.objects.filter(week=MONDAY).count() == 10
    reads = [q["sql"] for q in context.captured_queries if "qa_message" in q["sql"]]
    assert reads, "the sample reads the week's replies"
    offenders = [sql[:300] for sql in reads if "qa_message" in _scans(_explain(sql))]
    assert not offenders, "\n".join(offenders)
