"""The staff inbox: one list for every channel (order, filters, actions, query
count, who may open it) and the conversation page (history, person, earlier
conversations, notes, do not contact)."""

import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.paginator import Paginator
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from conversations import selectors as conversation_selectors
from conversations import services as conversation_services
from conversations.models import Label, Network, Person
from qa import services
from qa.markup import markdown_render
from qa.models import Message, Question

INBOX = reverse("admin:qa_question_changelist")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def _person(handle="hanako", *, network=Network.X, **extra) -> Person:
    return Person.objects.create(network=network, remote_id=f"id-{handle}", handle=handle, **extra)


def _conversation(title="X から", *, person=None, source=Network.X, status=Question.Status.NEW, waited=None, **extra):
    """A conversation that began on a network (ingestion is another branch's; the row is what it makes)."""
    now = timezone.now()
    since = now - (waited or timedelta(0))
    question = Question.objects.create(
        title=title,
        body=title,
        body_html=markdown_render(title).html,
        person=person,
        source=source,
        status=status,
        close_reason=Question.CloseReason.RESOLVED if status == Question.Status.CLOSED else "",
        created_at=since,
        waiting_since=since,
        **extra,
    )
    Message.objects.create(
        question=question,
        kind=Message.Kind.CUSTOMER,
        person=person,
        body=title,
        body_html=question.body_html,
        channel=source,
        created_at=since,
        remote_id=f"post-{question.pk}" if source != Network.WEB else "",
        remote_url=f"https://x.com/{person.handle}/status/{question.pk}" if person else "",
    )
    return question


def _wait(question, **delta):
    then = timezone.now() - timedelta(**delta)
    Question.objects.filter(pk=question.pk).update(created_at=then, waiting_since=then)
    return question


def _ids(response):
    assert response.status_code == 200
    return [question.pk for question in response.context["cl"].result_list]


def _change_url(question):
    return reverse("admin:qa_question_change", args=[question.pk])


def _agent(*permissions: str, username="agent"):
    user = get_user_model().objects.create_user(username=username, password="pw-123456!", is_staff=True)
    for codename in permissions:
        app_label, name = codename.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=name))
    return user


# --- The list ----------------------------------------------------------------------------------


def test_oldest_waiting_first_whatever_the_channel_then_the_rest(staff_client, make_question, staff):
    answered = _wait(make_question(title="answered long ago"), days=20)
    services.question_answer(question=answered, author=staff, body="はい。", is_public=False)
    web_new = _wait(make_question(title="web, 2 hours"), hours=2)
    x_written_again = _conversation("x, 3 days", person=_person(), status=Question.Status.WAITING_US)
    _wait(x_written_again, days=3)
    facebook_new = _wait(_conversation("facebook, 1 day", source=Network.FACEBOOK), days=1)
    closed = _wait(_conversation("closed", status=Question.Status.CLOSED), days=30)

    ids = _ids(staff_client.get(INBOX))

    assert ids[:3] == [x_written_again.pk, facebook_new.pk, web_new.pk]
    assert set(ids[3:]) == {answered.pk, closed.pk}
    assert staff_client.get(INBOX).context["title"] == "Conversations"


def test_row_shows_channel_person_state_waiting_time_and_do_not_contact(staff_client, staff):
    person = _person("taro")
    conversation_services.person_mark_do_not_contact(person=person, by=staff, reason="返信不要と言われた")
    _wait(_conversation("Help!", person=person), hours=5, minutes=3)

    page = staff_client.get(INBOX).content.decode().replace("\xa0", " ")

    assert 'class="tipcast-channel is-x"' in page and "@taro" in page
    assert "5 hours" in page and "New" in page
    assert 'class="tipcast-dnc" title="返信不要と言われた"' in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"state": "waiting"}, {"new x", "written again", "web"}),
        ({"state": "waiting_customer"}, {"replied"}),
        ({"state": "closed"}, {"closed"}),
        ({"state": "nonsense"}, {"new x", "written again", "web", "replied", "closed"}),
        ({"source__exact": "x"}, {"new x", "written again", "replied", "closed"}),
        ({"source__exact": "web"}, {"web"}),
        ({"close_reason__exact": "resolved"}, {"closed"}),
        ({"dnc": "yes"}, {"written again"}),
        ({"dnc": "no"}, {"new x", "web", "replied", "closed"}),
        ({"age": "gt3d"}, {"closed"}),
        ({"age": "lt1d"}, {"new x", "written again", "web", "replied"}),
        ({"language__exact": "ja"}, {"web"}),
    ],
)
def test_filters(staff_client, make_question, staff, query, expected):
    marked = _person("declined")
    conversation_services.person_mark_do_not_contact(person=marked, by=staff, reason="stop")
    _conversation("new x", person=_person("new"))
    _conversation("written again", person=marked, status=Question.Status.WAITING_US)
    make_question(title="web", language="ja")
    _conversation("replied", person=_person("r"), status=Question.Status.WAITING_CUSTOMER)
    _wait(_conversation("closed", person=_person("c"), status=Question.Status.CLOSED), days=5)

    titles = {question.title for question in staff_client.get(INBOX, query).context["cl"].result_list}

    assert titles == expected


def test_assignee_and_label_filters(staff_client, make_question, staff):
    colleague = _agent("qa.view_question", username="colleague")
    mine, theirs, nobody = make_question(title="mine"), make_question(title="theirs"), make_question(title="nobody")
    conversation_services.conversation_assign(question=mine, assignee=staff)
    conversation_services.conversation_assign(question=theirs, assignee=colleague)
    refund = Label.objects.create(name="返金")
    theirs.labels.add(refund)

    assert _ids(staff_client.get(INBOX, {"assignee": "me"})) == [mine.pk]
    assert _ids(staff_client.get(INBOX, {"assignee": "none"})) == [nobody.pk]
    assert _ids(staff_client.get(INBOX, {"assignee": str(colleague.pk)})) == [theirs.pk]
    assert _ids(staff_client.get(INBOX, {"label": str(refund.pk)})) == [theirs.pk]
    # Typed ids that are not ids leave the list unfiltered instead of failing.
    for bad in ["9" * 30, "²", "-1", "abc"]:
        assert len(_ids(staff_client.get(INBOX, {"assignee": bad, "label": bad}))) == 3


@pytest.mark.parametrize(
    ("action", "reason", "message"),
    [
        ("close_as_resolved", Question.CloseReason.RESOLVED, "2 conversations closed as resolved."),
        ("close_as_ignored", Question.CloseReason.IGNORED, "2 conversations ignored."),
        ("mark_as_spam", Question.CloseReason.SPAM, "2 conversations marked as spam."),
    ],
)
def test_bulk_close_actions(staff_client, make_question, action, reason, message):
    first, second = _conversation("one"), _conversation("two", source=Network.FEED)
    keep = make_question(title="keep")

    response = staff_client.post(INBOX, {"action": action, "_selected_action": [first.pk, second.pk]}, follow=True)

    assert message in response.content.decode()
    for question in (first, second):
        question.refresh_from_db()
        assert (question.status, question.close_reason) == (Question.Status.CLOSED, reason)
    keep.refresh_from_db()
    assert keep.status == Question.Status.NEW


def test_assign_to_me_action(staff_client, staff):
    first, second = _conversation("one"), _conversation("two")

    response = staff_client.post(
        INBOX, {"action": "assign_to_me", "_selected_action": [first.pk, second.pk]}, follow=True
    )

    assert "2 conversations assigned to you." in response.content.decode()
    assert set(Question.objects.filter(assignee=staff).values_list("pk", flat=True)) == {first.pk, second.pk}


def test_the_list_costs_a_fixed_number_of_queries_at_50_rows(staff_client, staff, django_assert_num_queries):
    def fill(count, offset):
        for index in range(offset, offset + count):
            person = _person(f"p{index}", name=f"名前 {index}")
            question = _conversation(f"会話 {index}", person=person, status=Question.Status.WAITING_US)
            agent = _agent(username=f"agent{index}")
            conversation_services.conversation_assign(question=question, assignee=agent)
            question.labels.add(Label.objects.create(name=f"label {index}"))
            if index % 2:
                conversation_services.person_mark_do_not_contact(person=person, by=staff, reason="stop")

    fill(5, 0)
    staff_client.get(INBOX)  # warm the session, the content types and the sidebar's count
    # User, the support hours and holidays (on duty?), the filtered count, the page of
    # rows with their people and assignees, and the choices of the assignee, label and
    # category filters. The sidebar's count is kept for a few seconds (test below).
    with django_assert_num_queries(8):
        assert len(_ids(staff_client.get(INBOX))) == 5
    fill(45, 5)
    with django_assert_num_queries(8):
        assert len(_ids(staff_client.get(INBOX))) == 50
    # More than a page: the page's ids, then those rows (qa.pagination.PageByIdsPaginator).
    fill(1, 50)
    for page in ("1", "2"):
        with django_assert_num_queries(9):
            assert len(_ids(staff_client.get(INBOX, {"p": page}))) == (50 if page == "1" else 1)


def test_the_number_waiting_is_on_the_sidebar_and_the_dashboard(staff_client, make_question, staff):
    make_question(title="one")
    _conversation("two", status=Question.Status.WAITING_US)
    _conversation("replied", status=Question.Status.WAITING_CUSTOMER)

    response = staff_client.get(reverse("admin:index"))

    inbox_link = next(
        item for group in response.context["sidebar_navigation"] for item in group["items"] if item["link"] == INBOX
    )
    assert str(inbox_link["badge_callback"]) == "2"
    assert f'href="{INBOX}?state=waiting"' in response.content.decode()


def test_on_sqlite_the_page_is_read_in_order_from_the_index(staff_client, make_question):
    """The page's ids (qa.pagination.PageByIdsPaginator) come from the expression
    index question_inbox_order: SQLite uses it only when the ORDER BY is the same
    SQL text (conversation_models.InboxRankInSQL). PostgreSQL's plans are checked
    in test_inbox_query_plans.py."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    make_question(title="one")
    cl = staff_client.get(INBOX).context["cl"]
    # The paginator's first step: the page's ids, in the inbox's order.
    page_ids = Paginator.page(cl.paginator, 1).object_list.values_list("pk", flat=True)
    sql, params = page_ids.query.sql_with_params()

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = cursor.fetchall()

    details = " / ".join(row[-1] for row in plan)
    assert "USING INDEX question_inbox_order" in details, details
    assert "TEMP B-TREE" not in details, details


def _badge(client) -> str:
    response = client.get(reverse("admin:index"))
    inbox_link = next(
        item for group in response.context["sidebar_navigation"] for item in group["items"] if item["link"] == INBOX
    )
    return str(inbox_link.get("badge_callback", "none"))


def test_the_badge_is_counted_again_after_a_few_seconds_or_a_change_of_state(
    staff_client, make_question, staff, monkeypatch
):
    first = make_question(title="one")
    assert _badge(staff_client) == "1"

    _conversation("two", status=Question.Status.WAITING_US)
    assert _badge(staff_client) == "1"  # kept: every admin page shows it
    later = time.time() + conversation_selectors.INBOX_WAITING_COUNT_SECONDS + 1
    monkeypatch.setattr(time, "time", lambda: later)
    assert _badge(staff_client) == "2"

    services.question_answer(question=first, author=staff, body="はい。", is_public=False)
    assert _badge(staff_client) == "1"  # staff's own change shows at once
    staff_client.post(
        INBOX, {"action": "close_as_resolved", "_selected_action": [q.pk for q in Question.objects.all()]}
    )
    assert _badge(staff_client) == "none"


def test_no_badge_when_nothing_waits(staff_client, db):
    response = staff_client.get(reverse("admin:index"))
    inbox_link = next(
        item for group in response.context["sidebar_navigation"] for item in group["items"] if item["link"] == INBOX
    )
    assert "badge" not in inbox_link


# --- Who may open it ---------------------------------------------------------------------------


def test_customers_and_visitors_are_sent_to_the_login(client, customer):
    question = _conversation()
    note = reverse("admin:qa_question_note", args=[question.pk])
    assert client.get(INBOX).status_code == 302
    assert client.post(note, {"note": "x"}).status_code == 302
    client.force_login(customer)
    assert client.get(INBOX).status_code == 302
    assert client.get(_change_url(question)).status_code == 302
    assert client.post(note, {"note": "x"}).status_code == 302
    assert not Message.objects.filter(kind=Message.Kind.NOTE).exists()


def test_staff_without_the_permission_get_403(client, db):
    question = _conversation(person=_person())
    client.force_login(_agent())
    assert client.get(INBOX).status_code == 403
    assert client.get(_change_url(question)).status_code == 403
    for name in ["note", "assign_to_me", "do_not_contact", "may_contact"]:
        url = reverse(f"admin:qa_question_{name}", args=[question.pk])
        assert client.post(url, {"note": "x", "reason": "r", "confirm": "yes"}).status_code == 403, name


def test_read_only_staff_see_the_conversation_but_cannot_change_it(client, db):
    question = _conversation(person=_person())
    client.force_login(_agent("qa.view_question"))
    page = client.get(_change_url(question)).content.decode()
    assert "Mark as do not contact" not in page
    assert client.post(reverse("admin:qa_question_note", args=[question.pk]), {"note": "x"}).status_code == 403


# --- The conversation page ---------------------------------------------------------------------


def test_history_in_order_with_replies_notes_and_their_sending_state(staff_client, make_question, staff):
    question = make_question(title="届かない", body="まだ**届きません**")
    services.question_answer(question=question, author=staff, body="確認します。", is_public=False)
    conversation_services.conversation_note(question=question, author=staff, body="倉庫に電話した")
    conversation_services.conversation_follow_up(question=question, author=question.asker, body="ありがとう")

    page = staff_client.get(_change_url(question)).content.decode()

    positions = [
        page.index(text) for text in ["<strong>届きません</strong>", "確認します。", "倉庫に電話した", "ありがとう"]
    ]
    assert positions == sorted(positions)
    assert 'class="tipcast-message is-note"' in page and "Internal note" in page
    assert 'class="tipcast-message is-reply is-private"' in page


def test_a_network_reply_shows_its_delivery_state_and_link(staff_client, staff):
    from publishing.models import Delivery

    question = _conversation(person=_person("hanako"))
    delivery = Delivery.objects.create(channel="x", status=Delivery.Status.SENT, remote_url="https://x.com/s/99")
    Message.objects.create(
        question=question,
        kind=Message.Kind.REPLY,
        author=staff,
        body="@hanako どうぞ",
        body_html="<p>@hanako どうぞ</p>",
        channel=Message.Channel.X,
        is_public=True,
        delivery=delivery,
        remote_url="https://x.com/s/99",
    )

    page = staff_client.get(_change_url(question)).content.decode()

    assert 'class="tipcast-delivery is-sent">Sent<' in page
    assert 'href="https://x.com/s/99"' in page


def test_no_reply_button_where_tipcast_cannot_reply_yet(staff_client, make_question):
    web = staff_client.get(_change_url(make_question())).content.decode()
    feed = staff_client.get(_change_url(_conversation(source=Network.FEED))).content.decode()
    assert "Answer privately" in web
    assert "Answer privately" not in feed and "Answer on the blog itself" in feed


def test_add_an_internal_note(staff_client, staff):
    question = _conversation(person=_person())
    url = reverse("admin:qa_question_note", args=[question.pk])

    assert staff_client.get(url).status_code == 405
    assert "Write the note before adding it." in staff_client.post(url, {"note": "  "}, follow=True).content.decode()
    too_long = staff_client.post(url, {"note": "x" * 10_001}, follow=True).content.decode()
    assert "Keep the note under 10000 characters" in too_long
    response = staff_client.post(url, {"note": "折り返し電話済み"})

    assert response.status_code == 302 and response["Location"] == _change_url(question)
    note = Message.objects.get(kind=Message.Kind.NOTE)
    assert (note.question, note.author, note.body) == (question, staff, "折り返し電話済み")
    question.refresh_from_db()
    assert question.status == Question.Status.NEW  # a note changes no state


def test_person_panel_and_do_not_contact_mark_then_clear(staff_client, staff):
    person = _person("hanako", name="花子", profile_url="https://x.com/hanako")
    question = _conversation(person=person)
    mark = reverse("admin:qa_question_do_not_contact", args=[question.pk])
    clear = reverse("admin:qa_question_may_contact", args=[question.pk])

    page = staff_client.get(_change_url(question)).content.decode()
    assert "@hanako" in page and 'href="https://x.com/hanako"' in page and "Mark as do not contact" in page

    assert staff_client.get(mark).status_code == 405
    unconfirmed = staff_client.post(mark, {"reason": "連絡しないで"}, follow=True).content.decode()
    assert "Tick the confirmation box" in unconfirmed
    no_reason = staff_client.post(mark, {"reason": " ", "confirm": "yes"}, follow=True).content.decode()
    assert "Say why" in no_reason
    person.refresh_from_db()
    assert not person.do_not_contact

    staff_client.post(mark, {"reason": "「もう連絡しないで」と返信", "confirm": "yes"})
    person.refresh_from_db()
    assert (person.do_not_contact, person.do_not_contact_by) == (True, staff)
    page = staff_client.get(_change_url(question)).content.decode()
    assert "「もう連絡しないで」と返信" in page and "Clear the mark" in page
    assert 'class="tipcast-dnc"' in staff_client.get(INBOX).content.decode()

    staff_client.post(clear, {"confirm": "yes"})
    person.refresh_from_db()
    assert not person.do_not_contact and person.do_not_contact_reason == ""


def test_do_not_contact_needs_the_person_permission(client, staff):
    question = _conversation(person=_person())
    client.force_login(_agent("qa.view_question", "qa.change_question"))
    url = reverse("admin:qa_question_do_not_contact", args=[question.pk])
    assert client.post(url, {"reason": "r", "confirm": "yes"}).status_code == 403
    assert "Mark as do not contact" not in client.get(_change_url(question)).content.decode()


def test_the_same_customers_other_conversations_beside_this_one(staff_client, make_question, customer, other_customer):
    person = _person("hanako", user=customer)
    on_x = _wait(_conversation("前回: Xで配送", person=person), days=30)
    on_web = _wait(make_question(title="前回: Webで返品", asker=customer), days=10)
    _wait(make_question(title="他人の質問", asker=other_customer), days=5)
    current = _conversation("今回", person=person)

    page = staff_client.get(_change_url(current)).content.decode()
    others = page[page.index("Their other conversations") :]

    assert others.index("前回: Webで返品") < others.index("前回: Xで配送")  # newest first
    assert _change_url(on_x) in others and _change_url(on_web) in others
    assert "他人の質問" not in others and _change_url(current) not in others
    # From the web question, the X conversations of the person linked to the account show too.
    from_web = staff_client.get(_change_url(on_web)).content.decode()
    assert "前回: Xで配送" in from_web and "今回" in from_web


def test_first_conversation_says_so(staff_client):
    page = staff_client.get(_change_url(_conversation(person=_person()))).content.decode()
    assert "None: this is their first conversation." in page


def test_state_assignee_and_labels_are_edited_on_the_page(staff_client, staff):
    question = _conversation(person=_person())
    refund, bug = Label.objects.create(name="返金"), Label.objects.create(name="不具合")

    response = staff_client.post(
        _change_url(question),
        {"status": "waiting_customer", "close_reason": "", "assignee": staff.pk, "labels": [refund.pk, bug.pk]},
    )

    assert response.status_code == 302
    question.refresh_from_db()
    assert (question.status, question.assignee) == (Question.Status.WAITING_CUSTOMER, staff)
    assert set(question.labels.all()) == {refund, bug}


def test_a_refused_reply_says_why_and_keeps_the_text(staff_client, make_question, monkeypatch):
    question = make_question()

    def refuse(**kwargs):
        raise conversation_services.ReplyRefused("This person asked not to be contacted.")

    monkeypatch.setattr(conversation_services, "conversation_reply", refuse)
    data = {"status": question.status, "close_reason": "", "answer_body": "お届けは明日です。", "_answer_private": "1"}

    response = staff_client.post(_change_url(question), data, follow=True)

    page = response.content.decode()
    assert response.redirect_chain[-1][0] == _change_url(question)
    assert "This person asked not to be contacted." in page
    assert "お届けは明日です。</textarea>" in page
    assert not Message.objects.filter(kind=Message.Kind.REPLY).exists()
    # Shown once: the next visit starts with an empty box.
    assert "お届けは明日です。</textarea>" not in staff_client.get(_change_url(question)).content.decode()


def test_the_inbox_and_the_dashboard_say_whether_the_team_is_on_duty(staff_client, db):
    from conversations.models import SupportHoliday

    assert "On duty" in staff_client.get(INBOX).content.decode()  # no schedule: around the clock
    SupportHoliday.objects.create(date=timezone.localdate(), name="休業日")
    for page in (staff_client.get(INBOX), staff_client.get(reverse("admin:index"))):
        assert 'class="tipcast-duty"' in page.content.decode() and "Off duty" in page.content.decode()


def test_the_labels_field_is_named_in_japanese(staff_client):
    staff_client.cookies["django_language"] = "ja"
    page = staff_client.get(_change_url(_conversation(person=_person()))).content.decode()
    assert "ラベル" in page and ">Labels<" not in page


@pytest.mark.parametrize("object_id", ["²", "9" * 30, "abc"])
def test_a_conversation_address_that_is_not_an_id_is_not_a_500(staff_client, object_id):
    response = staff_client.get(f"{INBOX}{object_id}/change/")
    assert response.status_code in (302, 404)


def test_the_customers_images_are_in_the_history(staff_client, make_question, django_assert_max_num_queries):
    from qa.models import MessageAttachment

    question = make_question(title="壊れていました")
    opening = question.messages.get()
    image = MessageAttachment.objects.create(
        message=opening, file="conversations/x/a.jpg", content_type="image/jpeg", width=640, height=480, bytes=1000
    )

    page = staff_client.get(_change_url(question)).content.decode()

    assert f'href="{image.get_absolute_url()}"' in page and 'width="640" height="480"' in page
