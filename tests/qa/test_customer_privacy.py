"""Privacy: nothing that is not public can be reached by another user or an anonymous visitor."""

import pytest
from django.urls import reverse

from qa import services

SECRET_BODY = "注文番号 AB-123456 の件、電話 090-1234-5678 までお願いします"
PRIVATE_ANSWER = "山田様、ご注文は本日発送しました"


@pytest.fixture
def private_question(make_question, staff):
    question = make_question(title="届かない荷物", body=SECRET_BODY)
    services.question_answer(question=question, author=staff, body=PRIVATE_ANSWER, is_public=False)
    return question


def tip_urls(tip):
    return [tip.get_absolute_url(), reverse("qa:tip_detail_short", args=[tip.pk])]


def test_other_customer_gets_404_for_someone_elses_question(client, other_customer, private_question):
    client.force_login(other_customer)
    response = client.get(reverse("qa:my_question", args=[private_question.pk]))
    assert response.status_code == 404
    assert SECRET_BODY not in response.content.decode()
    # An id that does not exist answers exactly the same: ids reveal nothing.
    assert client.get(reverse("qa:my_question", args=[private_question.pk + 1000])).status_code == 404


def test_other_customer_never_sees_someone_elses_question_or_private_answer(client, other_customer, private_question):
    client.force_login(other_customer)
    html = client.get(reverse("qa:my_questions")).content.decode()
    assert "届かない荷物" not in html and PRIVATE_ANSWER not in html


def test_anonymous_visitor_gets_the_same_login_redirect_for_any_question_id(client, private_question):
    """Anonymous visitors are sent to sign in (the answer e-mail links here), and
    the redirect is the same whether or not the question exists."""
    existing = client.get(reverse("qa:my_question", args=[private_question.pk]))
    missing = client.get(reverse("qa:my_question", args=[private_question.pk + 1000]))
    assert existing.status_code == missing.status_code == 302
    assert existing["Location"].startswith(reverse("account_login"))
    assert SECRET_BODY not in existing.content.decode()


@pytest.mark.parametrize("visitor", ["anonymous", "other_customer", "asker"])
@pytest.mark.parametrize("state", ["draft", "unpublished"])
def test_tips_that_are_not_published_are_404_for_everyone_on_the_site(
    client, make_tip, customer, other_customer, visitor, state
):
    tip = make_tip(title="まだ非公開のヒント", publish=state != "draft")
    if state == "unpublished":
        services.tip_unpublish(tip=tip)
    user = {"anonymous": None, "other_customer": other_customer, "asker": customer}[visitor]
    if user:
        client.force_login(user)
    for url in tip_urls(tip):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "まだ非公開のヒント" not in response.content.decode()


def test_published_tip_shows_only_staff_edited_text(client, private_question, staff):
    answer = services.question_answer(question=private_question, author=staff, body="公開用の回答", is_public=True)
    tip = services.tip_create_from_answer(answer=answer)
    services.tip_update(
        tip=tip,
        title="荷物が届かないときは",
        question_text="荷物が届きません。",
        answer_text="追跡番号をご確認ください。",
    )
    services.tip_publish(tip=tip, announce=False)
    html = client.get(tip.get_absolute_url()).content.decode()
    assert "追跡番号をご確認ください。" in html
    assert SECRET_BODY not in html and "090-1234-5678" not in html
    assert PRIVATE_ANSWER not in html and "公開用の回答" not in html


def test_suggestions_never_reveal_drafts_or_questions(client, make_tip, private_question):
    make_tip(title="下書きの送料ヒント", publish=False)
    unpublished = make_tip(title="取り下げた送料ヒント")
    services.tip_unpublish(tip=unpublished)
    for query in ["送料", "届かない荷物", "AB-123456"]:
        assert client.get(reverse("qa:suggest"), {"q": query}).json() == {"results": []}


def test_search_never_reveals_drafts(client, make_tip):
    make_tip(title="下書きの送料ヒント", publish=False)
    response = client.get(reverse("qa:search"), {"q": "送料"})
    assert response.status_code == 200
    assert "下書きの送料ヒント" not in response.content.decode()
