import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from qa import markup, services
from qa.models import Question, Tip


@pytest.mark.django_db(transaction=True)
def test_question_create_emails_staff_after_commit(customer, staff, category):
    question = services.question_create(asker=customer, title="Where is my parcel?", body="**Late**", category=category)
    assert question.status == Question.Status.NEW
    assert question.body_html == "<p><strong>Late</strong></p>"
    assert [m.to for m in mail.outbox] == [[staff.email]]
    assert "Where is my parcel?" in mail.outbox[0].subject


def test_question_create_rejects_empty_title(customer):
    with pytest.raises(ValidationError) as error:
        services.question_create(asker=customer, title="   ", body="text")
    assert "title" in error.value.message_dict


@pytest.mark.django_db(transaction=True)
def test_question_answer_marks_answered_and_emails_asker(make_question, staff, customer):
    question = make_question()
    mail.outbox.clear()
    answer = services.question_answer(question=question, author=staff, body="It ships today.", is_public=False)
    question.refresh_from_db()
    assert question.status == Question.Status.WAITING_CUSTOMER
    assert question.first_answered_at == answer.created_at or question.first_answered_at is not None
    assert [m.to for m in mail.outbox] == [[customer.email]]


def test_tip_from_answer_copies_text_but_keeps_originals(make_question, staff):
    question = make_question(title="My order 12345678 is late", body="Call me at 090-1234-5678")
    answer = services.question_answer(question=question, author=staff, body="We resent it.", is_public=True)
    tip = services.tip_create_from_answer(answer=answer)
    assert tip.status == Tip.Status.DRAFT
    services.tip_update(tip=tip, title="What if my order is late?", question_text="My order is late.")
    question.refresh_from_db()
    assert question.body == "Call me at 090-1234-5678"
    assert tip.search_title == "what if my order is late"  # index tokens (qa.search.tokens)
    assert services.tip_create_from_answer(answer=answer).pk == tip.pk


def test_tip_publish_sets_published_at_once(make_tip):
    tip = make_tip(publish=False)
    tip = services.tip_publish(tip=tip)
    first = tip.published_at
    services.tip_unpublish(tip=tip)
    tip = services.tip_publish(tip=Tip.objects.get(pk=tip.pk))
    assert tip.published_at == first


def test_tip_vote_counts_one_per_voter_and_a_second_answer_changes_it(make_tip):
    tip = make_tip()
    outcome = services.VoteOutcome
    assert services.tip_vote(tip=tip, voter_key="a", helpful=True) == outcome.COUNTED
    assert services.tip_vote(tip=tip, voter_key="a", helpful=True) == outcome.UNCHANGED
    assert services.tip_vote(tip=tip, voter_key="b", helpful=False) == outcome.COUNTED
    tip.refresh_from_db()
    assert (tip.helpful_yes, tip.helpful_no) == (1, 1)
    assert services.tip_vote(tip=tip, voter_key="a", helpful=False) == outcome.CHANGED
    tip.refresh_from_db()
    assert (tip.helpful_yes, tip.helpful_no) == (0, 2)
    assert tip.votes.count() == 2


def test_draft_slug_follows_the_public_title_until_first_published(make_question, staff):
    question = make_question(title="Order 12345678 never came")
    answer = services.question_answer(question=question, author=staff, body="We resent it.", is_public=True)
    tip = services.tip_create_from_answer(answer=answer)
    assert "12345678" in tip.slug  # the first draft copies the customer's title
    tip = services.tip_update(tip=tip, title="What if my parcel never arrives?", slug=tip.slug)
    assert tip.slug == "what-if-my-parcel-never-arrives"
    tip = services.tip_update(tip=tip, slug="parcel-missing")  # staff's own choice stands
    assert tip.slug == "parcel-missing"
    services.tip_publish(tip=tip, announce=False)
    tip = services.tip_update(tip=Tip.objects.get(pk=tip.pk), title="Renamed after publishing")
    assert tip.slug == "parcel-missing"  # a published permalink never moves


def test_related_tips_rank_shared_tags_then_category_then_recency(make_tip, category):
    from qa.models import Category
    from tests.qa.related import tip_related

    other = Category.objects.create(name="Returns", slug="returns")
    tip = make_tip(title="Base", tags=["送料", "返品"])
    two_tags_old = make_tip(title="Two shared tags", tags=["送料", "返品"], category=other)
    one_tag = make_tip(title="One shared tag", tags=["送料"], category=other)
    same_category = make_tip(title="Same category, no tags")
    unrelated = make_tip(title="Unrelated", tags=["会員"], category=other)
    draft = make_tip(title="Draft with both tags", tags=["送料", "返品"], publish=False)
    related = tip_related(tip=tip)
    assert related == [two_tags_old, one_tag, same_category]
    assert unrelated not in related and draft not in related


def test_tip_update_renders_only_the_texts_that_changed(make_tip, monkeypatch):
    tip = make_tip(question_text="*Where* is it?", answer_text="**Here**.")
    parsed = []
    parse = markup._parse
    monkeypatch.setattr(markup, "_parse", lambda source: parsed.append(source) or parse(source))

    tip = services.tip_update(tip=Tip.objects.get(pk=tip.pk), title="Where is my parcel?")
    assert parsed == []
    tip.refresh_from_db()
    assert (tip.question_html, tip.answer_html) == ("<p><em>Where</em> is it?</p>", "<p><strong>Here</strong>.</p>")
    assert (tip.question_plain, tip.answer_plain, tip.excerpt) == ("Where is it?", "Here.", "Here.")

    tip = services.tip_update(tip=Tip.objects.get(pk=tip.pk), answer_text="**There**.")
    assert parsed == ["**There**."]
    tip.refresh_from_db()
    assert (tip.answer_html, tip.answer_plain, tip.excerpt) == ("<p><strong>There</strong>.</p>", "There.", "There.")
    assert tip.question_html == "<p><em>Where</em> is it?</p>"
