"""The inbox's queries as the conversations pile up: EXPLAINed on PostgreSQL
with a few thousand conversations, mostly closed (as a real inbox is), the
lists staff open all day and the conversation page read no whole table of
conversations or messages. No timings: the plan is the assertion (as in
tests/qa/test_query_plans.py, whose helpers this uses)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conversations.models import Network, Person
from qa.models import Message, Question
from tests.qa.test_query_plans import _explain, on_postgres  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

CONVERSATIONS = 4000
GUARDED = {"qa_question", "qa_message"}
# The one whole-table read allowed: the number of every conversation under the
# unfiltered list (the admin's paginator counts what it pages). The rows
# themselves are read in order from the index question_inbox_order.
UNFILTERED_COUNT = 'SELECT COUNT(*) AS "__count" FROM "qa_question"'


def _scans(plan: dict) -> list[str]:
    found = (
        [plan["Relation Name"]] if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in GUARDED else []
    )
    for child in plan.get("Plans", []):
        found += _scans(child)
    return found


@pytest.fixture
def many_conversations(on_postgres, staff):  # noqa: F811
    people = Person.objects.bulk_create(
        [Person(network=Network.X, remote_id=str(n), handle=f"p{n}") for n in range(CONVERSATIONS // 4)]
    )
    now = timezone.now()
    closed = (Question.Status.CLOSED, Question.CloseReason.RESOLVED)
    states = [closed] * 17 + [(Question.Status.WAITING_CUSTOMER, ""), (Question.Status.NEW, ""), ("waiting_us", "")]
    questions = Question.objects.bulk_create(
        [
            Question(
                title=f"会話 {n}",
                body="本文",
                person=people[n % len(people)],
                source=Network.X,
                status=states[n % len(states)][0],
                close_reason=states[n % len(states)][1],
                assignee=staff if n % 7 == 0 else None,
                created_at=now,
                waiting_since=now,
            )
            for n in range(CONVERSATIONS)
        ]
    )
    Message.objects.bulk_create(
        [Message(question=q, kind=Message.Kind.CUSTOMER, body="本文", channel="x") for q in questions]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return questions[-1]


def test_the_inbox_lists_staff_open_read_no_whole_table(many_conversations, staff):
    client = Client()
    client.force_login(staff)
    inbox = reverse("admin:qa_question_changelist")
    # The guard can see a scan.
    assert _scans(_explain("SELECT id FROM qa_message WHERE body = 'x'")) == ["qa_message"]
    urls = [
        inbox,
        f"{inbox}?p=20",
        f"{inbox}?age=gt7d",
        f"{inbox}?state=waiting",
        f"{inbox}?state=waiting&assignee=none",
        f"{inbox}?state=waiting_customer",
        reverse("admin:qa_question_change", args=[many_conversations.pk]),
        reverse("admin:index"),
    ]
    offenders = []
    for url in urls:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200, url
        for query in context.captured_queries:
            if query["sql"].lstrip().upper().startswith("SELECT") and query["sql"].strip() != UNFILTERED_COUNT:
                scans = _scans(_explain(query["sql"]))
                if scans:
                    offenders.append(f"{url}: Seq Scan on {', '.join(scans)}: {query['sql'][:300]}")
    assert not offenders, "\n".join(offenders)


def test_the_inbox_search_has_an_index_for_every_part(many_conversations, staff):
    """Whether PostgreSQL uses the trigram indexes (qa migration 0020) depends on
    the table's size (at 4,000 short rows a scan is cheaper; at 100,000 the
    bench's plans use them): with scans priced out, no part of the search may be
    left without an index. A word of fewer than three characters has no
    trigram, so PostgreSQL scans for it: the test searches a longer one."""
    client = Client()
    client.force_login(staff)
    with CaptureQueriesContext(connection) as context:
        assert client.get(reverse("admin:qa_question_changelist"), {"q": "p999 会話"}).status_code == 200
    searches = [query["sql"] for query in context.captured_queries if "LIKE" in query["sql"]]
    assert len(searches) == 2  # the count and the page
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
    guarded = GUARDED | {"conversations_person"}
    for sql in searches:
        plan = _explain(sql)
        scans = [name for name in _relations_scanned(plan) if name in guarded]
        assert not scans, f"Seq Scan on {scans}: {sql[:300]}"


def _relations_scanned(plan: dict) -> list[str]:
    found = [plan["Relation Name"]] if plan.get("Node Type") == "Seq Scan" else []
    for child in plan.get("Plans", []):
        found += _relations_scanned(child)
    return found
