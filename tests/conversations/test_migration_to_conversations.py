"""qa 0017: questions become conversations and answers become messages,
without losing a row (the old states map onto the new ones)."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("qa", "0016_content_language_and_category_names")]
AFTER = [("qa", "0017_conversations_and_messages")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_old_questions_and_answers_are_kept_and_mapped():
    old = _migrate(BEFORE)
    User = old.get_model("auth", "User")
    Question = old.get_model("qa", "Question")
    Answer = old.get_model("qa", "Answer")
    Tip = old.get_model("qa", "Tip")
    asker = User.objects.create(username="asker", email="asker@example.com")
    staff = User.objects.create(username="staff", is_staff=True)
    asked = timezone.now() - dt.timedelta(days=3)
    answered_at = asked + dt.timedelta(hours=2)
    rows = {}
    for status in ("new", "answered", "closed", "spam"):
        rows[status] = Question.objects.create(
            asker=asker,
            title=status,
            body=f"{status} body",
            body_html=f"<p>{status}</p>",
            status=status,
            language="ja",
            created_at=asked,
            first_answered_at=answered_at if status != "new" else None,
        )
    answer = Answer.objects.create(
        question=rows["answered"],
        author=staff,
        body="答え",
        body_html="<p>答え</p>",
        is_public=True,
        created_at=answered_at,
    )
    tip = Tip.objects.create(title="t", answer_text="a", answer=answer)

    try:
        new = _migrate(AFTER)
        Question = new.get_model("qa", "Question")
        Message = new.get_model("qa", "Message")
        states = {q.title: (q.status, q.close_reason) for q in Question.objects.all()}
        assert states == {
            "new": ("new", ""),
            "answered": ("waiting_customer", ""),
            "closed": ("closed", "resolved"),
            "spam": ("closed", "spam"),
        }
        answered = Question.objects.get(title="answered")
        assert answered.waiting_since == answered_at and answered.last_staff_reply_at == answered_at
        assert Question.objects.get(title="new").waiting_since == asked
        # The answer is the same row, now a reply; the tip still points to it.
        reply = Message.objects.get(pk=answer.pk)
        assert (reply.kind, reply.channel, reply.language, reply.body) == ("reply", "web", "ja", "答え")
        assert new.get_model("qa", "Tip").objects.get(pk=tip.pk).answer_id == answer.pk
        # Every question has its opening as a first customer message.
        openings = Message.objects.filter(kind="customer")
        assert openings.count() == 4
        opening = openings.get(question=answered)
        assert (opening.body, opening.created_at, opening.author_id) == ("answered body", asked, asker.pk)
    finally:
        _migrate(executor_leaf_nodes())


def executor_leaf_nodes():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()
