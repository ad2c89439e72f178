"""Asking a question through the web: the form, suggestions, preview, honeypot and limits."""

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from qa.models import Question

ASK_URL = reverse("qa:ask")


@pytest.fixture
def customer_client(client, customer):
    client.force_login(customer)
    return client


def post_ask(client, action="submit", **data):
    payload = {"title": "", "body": "", "category": "", "website": "", "action": action}
    payload.update(data)
    return client.post(ASK_URL, payload)


def test_anonymous_visitor_is_sent_to_login(client, db):
    response = client.get(ASK_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    response = post_ask(client, title="Hello", body="World")
    assert response.status_code == 302
    assert Question.objects.count() == 0


def test_ask_page_has_form_and_external_script_only(customer_client, category):
    response = customer_client.get(ASK_URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="title"' in html and 'name="body"' in html and 'name="category"' in html
    assert category.name in html
    assert "js/ask.js" in html
    # Strict CSP: no inline scripts or styles anywhere on the page.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html
    assert 'class="hp-field"' in html


def test_new_question_without_similar_tips_is_saved_and_staff_emailed(
    customer_client, customer, staff, category, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_ask(
            customer_client,
            title="  返品の送料は誰が払いますか？ ",
            body="**届いた商品**が壊れていました。",
            category=category.pk,
        )
    question = Question.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("qa:my_question", args=[question.pk])
    assert question.asker == customer
    assert question.title == "返品の送料は誰が払いますか？"
    assert question.category == category
    assert question.body_html == "<p><strong>届いた商品</strong>が壊れていました。</p>"
    assert [m.to for m in mail.outbox] == [[staff.email]]
    assert "返品の送料は誰が払いますか？" in mail.outbox[0].subject


def test_similar_tips_are_shown_before_saving_then_confirm_saves(customer_client, make_tip):
    tip = make_tip(title="送料について", answer_text="送料は全国一律500円です。")
    make_tip(title="送料の下書き", answer_text="まだ公開していません。", publish=False)
    response = post_ask(customer_client, title="送料", body="送料はいくらですか？")
    html = response.content.decode()
    assert response.status_code == 200
    assert Question.objects.count() == 0
    assert "送料について" in html
    assert tip.get_canonical_url() in html
    assert "送料の下書き" not in html
    assert 'value="confirm"' in html
    # The typed text travels in the confirmation form, so nothing is lost.
    assert 'value="送料はいくらですか？"' in html

    response = post_ask(customer_client, action="confirm", title="送料", body="送料はいくらですか？")
    assert response.status_code == 302
    assert Question.objects.get().title == "送料"


def test_send_sends_when_the_similar_tips_were_already_shown_while_typing(customer_client, make_tip):
    make_tip(title="送料について", answer_text="送料は全国一律500円です。")
    # ask.js returns the title whose suggestions it showed.
    response = post_ask(customer_client, title="送料", body="沖縄は？", suggested_for="送料")
    assert response.status_code == 302
    assert Question.objects.get().title == "送料"


def test_a_title_changed_after_the_suggestions_still_gets_the_confirmation_step(customer_client, make_tip):
    make_tip(title="送料について", answer_text="送料は全国一律500円です。")
    response = post_ask(customer_client, title="送料と返品", body="沖縄は？", suggested_for="送料")
    assert response.status_code == 200
    assert 'value="confirm"' in response.content.decode()
    assert Question.objects.count() == 0


def test_edit_from_confirmation_returns_to_the_filled_form(customer_client, make_tip):
    make_tip(title="Parcel tracking")
    response = post_ask(customer_client, action="edit", title="parcel", body="Where is it?")
    html = response.content.decode()
    assert 'value="parcel"' in html and "Where is it?</textarea>" in html
    assert Question.objects.count() == 0


def test_preview_without_javascript_renders_sanitised_markdown_and_saves_nothing(customer_client):
    response = post_ask(
        customer_client, action="preview", title="Preview me", body="# 見出し\n\n*強調* <script>alert(1)</script>"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<em>強調</em>" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'value="Preview me"' in html
    assert Question.objects.count() == 0


def test_markdown_preview_endpoint_returns_sanitised_html(customer, db):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    url = reverse("qa:markdown_preview")
    assert client.post(url, {"body": "**x**"}).status_code == 403  # no CSRF token
    client.get(ASK_URL)  # sets the CSRF cookie
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(url, {"body": "**太字** [link](javascript:alert(1))"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    html = response.json()["html"]
    assert "<strong>太字</strong>" in html
    assert "javascript:" not in html
    assert client.get(url).status_code == 405
    too_long = "a" * (settings.QUESTION_BODY_MAX_LENGTH + 1)
    assert client.post(url, {"body": too_long}, HTTP_X_CSRFTOKEN=token).status_code == 400


def test_markdown_preview_needs_sign_in(client, db):
    response = client.post(reverse("qa:markdown_preview"), {"body": "x"})
    assert response.status_code == 302


def test_suggest_finds_published_tips_with_short_japanese_queries(client, make_tip):
    for number in range(7):
        make_tip(title=f"送料 {number}", answer_text="**送料**は無料です。" + "説明" * 100)
    make_tip(title="送料の下書き", publish=False)
    make_tip(title="返品について")
    response = client.get(reverse("qa:suggest"), {"q": "送料"})
    results = response.json()["results"]
    assert response.status_code == 200
    assert len(results) == 5
    assert all(r["title"].startswith("送料 ") for r in results)
    assert all(r["url"].startswith(settings.SITE_URL + "/tips/") for r in results)
    assert results[0]["excerpt"].startswith("送料は無料です。")  # Markdown removed
    assert len(results[0]["excerpt"]) <= 121
    assert client.get(reverse("qa:suggest"), {"q": "   "}).json() == {"results": []}


def test_suggest_query_count_is_fixed(client, make_tip, django_assert_max_num_queries):
    for number in range(30):
        make_tip(title=f"Shipping question {number}", tags=["shipping", f"t{number}"])
    # The synonym table, the number of tips (two counters) and the highest id, how
    # common the word is (all cached after this), the index, the tips.
    with django_assert_max_num_queries(7):
        response = client.get(reverse("qa:suggest"), {"q": "shipping"})
    assert len(response.json()["results"]) == 5


def test_honeypot_gets_a_generic_error_and_nothing_is_saved(customer_client, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_ask(customer_client, title="Cheap pills", body="Buy now", website="http://spam.example")
    assert response.status_code == 400
    assert "could not be sent" in response.content.decode()
    assert "website" not in response.context["form"].errors
    assert Question.objects.count() == 0
    assert mail.outbox == []


TITLE_MAX = settings.QUESTION_TITLE_MAX_LENGTH
BODY_MAX = settings.QUESTION_BODY_MAX_LENGTH


@pytest.mark.parametrize(
    ("title", "body", "field", "message"),
    [
        ("", "本文", "title", "Please give your question a title."),
        ("   \u3000 ", "本文", "title", "The title cannot be only spaces."),
        (
            "あ" * (TITLE_MAX + 1),
            "本文",
            "title",
            f"Keep the title under {TITLE_MAX} characters (it has {TITLE_MAX + 1}).",
        ),
        ("Title\x00", "本文", "title", "Null characters are not allowed."),
        ("件名", "", "body", "Please describe your question."),
        ("件名", "\n \t\n", "body", "The details cannot be only spaces."),
        (
            "件名",
            "x" * (BODY_MAX + 1),
            "body",
            f"Keep the details under {BODY_MAX} characters (they have {BODY_MAX + 1}).",
        ),
        ("件名", "bad\x00byte", "body", "Null characters are not allowed."),
    ],
)
def test_invalid_input_gets_a_clear_message_and_keeps_the_typed_data(customer_client, title, body, field, message):
    response = post_ask(customer_client, title=title, body=body)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    html = response.content.decode()
    assert message.replace("'", "&#x27;") in html
    other_field, other_value = ("body", body) if field == "title" else ("title", title)
    assert response.context["form"][other_field].value() == other_value
    assert Question.objects.count() == 0


def test_unknown_category_is_refused(customer_client):
    response = post_ask(customer_client, title="件名", body="本文", category="999999")
    assert response.context["form"].errors["category"] == ["Choose one of the topics in the list."]


@override_settings(ASK_RATE_PER_USER="2/h", ASK_RATE_PER_IP="100/h")
def test_rate_limit_per_user_returns_429(customer_client):
    for number in range(2):
        assert post_ask(customer_client, title=f"Question {number}", body="text").status_code == 302
    # Previews do not count against the limit.
    assert post_ask(customer_client, action="preview", title="Q", body="text").status_code == 200
    response = post_ask(customer_client, title="One too many", body="text")
    assert response.status_code == 429
    assert "429.html" in [t.name for t in response.templates]
    assert Question.objects.count() == 2


@override_settings(ASK_RATE_PER_USER="100/h", ASK_RATE_PER_IP="2/h")
def test_rate_limit_per_ip_covers_several_accounts(client, customer, other_customer):
    client.force_login(customer)
    assert post_ask(client, title="First", body="text").status_code == 302
    assert post_ask(client, title="Second", body="text").status_code == 302
    client.force_login(other_customer)
    assert post_ask(client, title="Third", body="text").status_code == 429
    assert Question.objects.count() == 2


def test_suggest_matches_a_whole_japanese_sentence(client, make_tip, django_assert_max_num_queries):
    make_tip(title="送料はいくらですか？", answer_text="全国一律500円です。")
    make_tip(title="送料無料の条件", answer_text="5,000円以上のご注文で無料です。")
    make_tip(title="返品の方法", answer_text="マイページから申し込めます。")
    for number in range(20):
        make_tip(title=f"Other tip {number}", answer_text="Nothing in common.", tags=[f"t{number}"])
    # Synonyms, the number of tips (two counters) and the highest id (all cached
    # after this), how common each pair is, the index, the tips.
    with django_assert_max_num_queries(7):
        results = client.get(reverse("qa:suggest"), {"q": "沖縄への送料はいくらですか"}).json()["results"]
    # Ranked by how much of the sentence a tip covers; the tip that only shares 送料 comes after.
    assert [r["title"] for r in results] == ["送料はいくらですか？", "送料無料の条件"]
    assert client.get(reverse("qa:suggest"), {"q": "ポイントの有効期限を知りたい"}).json() == {"results": []}
    # Latin words are matched as words: two of three are enough for a suggestion.
    make_tip(title="Track a parcel", answer_text="Use the tracking link.")
    results = client.get(reverse("qa:suggest"), {"q": "where parcel tracking"}).json()["results"]
    assert [r["title"] for r in results] == ["Track a parcel"]
