"""The inbox's rows (qa/admin/inbox_rows.py) are unfold's rows, byte for byte:
the same page's list drawn both ways, with every kind of row (web asker, person
marked do not contact, closed, assigned or not, a title that needs escaping) and
with filters and a search that the rows' links carry back to the list."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from unfold.templatetags import unfold_list

from conversations import services as conversation_services
from conversations.models import Network, Person
from qa.admin import inbox_rows
from qa.models import Question

INBOX = reverse("admin:qa_question_changelist")
TRICKY_TITLE = """<b>"Ça" & 'that'</b> ‮reversed"""


@pytest.fixture
def inbox_with_every_kind_of_row(make_question, staff):
    make_question(title=TRICKY_TITLE)
    web_closed = make_question(title=f"{TRICKY_TITLE} closed")
    conversation_services.conversations_close(questions=[web_closed], reason=Question.CloseReason.RESOLVED)
    for index, network in enumerate([Network.X, Network.FACEBOOK, Network.FEED]):
        person = Person.objects.create(network=network, remote_id=f"id-{index}", handle=f"h{index}", name="<名前>")
        if index != 1:
            conversation_services.person_mark_do_not_contact(person=person, by=staff, reason='"stop" <now>')
        then = timezone.now() - timedelta(days=index, hours=3)
        question = Question.objects.create(
            title=f"{TRICKY_TITLE} {network}",
            body="…",
            person=person,
            source=network,
            status=Question.Status.WAITING_US,
            created_at=then,
            waiting_since=then,
        )
        if index:
            conversation_services.conversation_assign(question=question, assignee=staff)


def _list_both_ways(response):
    cl = response.context["cl"]
    context = {"request": response.wsgi_request}
    unfold = unfold_list.result_list(context, cl)
    ours = inbox_rows.result_list(context, cl)
    return cl, unfold, ours


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"state": "waiting", "dnc": "yes"},
        {"q": TRICKY_TITLE.split()[0], "o": "-3.2"},
        {"assignee": "none", "p": "1"},
    ],
)
def test_the_rows_are_unfolds_byte_for_byte(client, staff, inbox_with_every_kind_of_row, query):
    client.force_login(staff)
    response = client.get(INBOX, query)
    assert response.status_code == 200

    cl, unfold, ours = _list_both_ways(response)

    assert len(ours["results"]) == len(cl.result_list) > 0
    assert [list(row) for row in ours["results"]] == [list(row) for row in unfold["results"]]
    assert [row.instance for row in ours["results"]] == [row.instance for row in unfold["results"]]
    assert {key: value for key, value in ours.items() if key != "results"} == {
        key: value for key, value in unfold.items() if key != "results"
    }
    page_both_ways = [
        render_to_string("admin/change_list_results.html", context, request=response.wsgi_request)
        for context in (unfold, ours)
    ]
    assert page_both_ways[0] == page_both_ways[1]


def test_the_rows_are_unfolds_in_japanese_too(client, staff, inbox_with_every_kind_of_row):
    client.force_login(staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    try:
        response = client.get(INBOX)
        cl, unfold, ours = _list_both_ways(response)
        rows = [list(row) for row in ours["results"]]
    finally:
        translation.deactivate()  # LocaleMiddleware leaves the thread in Japanese

    assert rows == [list(row) for row in unfold["results"]]
    assert 'data-label="行を選択"' in rows[0][0]  # the checkbox cell's label, from unfold's catalog


def test_the_page_shows_the_rows_written_once_per_column(client, staff, inbox_with_every_kind_of_row):
    client.force_login(staff)
    page = client.get(INBOX).content.decode()
    question = Question.objects.filter(source=Network.X).get()

    assert f'name="_selected_action" value="{question.pk}"' in page
    assert f'href="{reverse("admin:qa_question_change", args=[question.pk])}?_changelist_filters=' not in page
    assert f'href="{reverse("admin:qa_question_change", args=[question.pk])}"' in page
    assert "&lt;b&gt;&quot;Ça&quot; &amp; &#x27;that&#x27;&lt;/b&gt;" in page


def test_a_list_it_does_not_cover_goes_through_unfold(client, staff, inbox_with_every_kind_of_row):
    client.force_login(staff)
    response = client.get(INBOX, {"_popup": "1"})
    cl, unfold, ours = _list_both_ways(response)

    assert cl.is_popup
    assert [list(row) for row in ours["results"]] == [list(row) for row in unfold["results"]]
