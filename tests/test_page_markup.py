"""Markup that the layout depends on: form fields, user-typed titles, the admin inbox."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

RLO_TITLE = "返品 \u202egnp.exe 注文"


def test_login_form_labels_have_no_colon_and_the_checkbox_comes_before_its_label(client):
    html = client.get(reverse("account_login")).content.decode()

    labels = re.findall(r"<label for=\"id_[a-z0-9]+\">([^<]*)</label>", html)
    assert labels == ["Email", "Password", "Remember Me"]
    checkbox = html.index('id="id_remember"')
    assert checkbox < html.index('<label for="id_remember">')
    # The password field's help text is still announced with its input.
    assert 'aria-describedby="id_password_helptext"' in html and 'id="id_password_helptext"' in html
    # One spelling for signing in, as in the header.
    assert "Sign In" not in html and "<h1>Sign in</h1>" in html


def test_login_form_in_japanese_has_no_ascii_colon_after_labels(client):
    client.cookies["django_language"] = "ja"
    html = client.get(reverse("account_login")).content.decode()

    assert '<label for="id_login">メールアドレス</label>' in html
    assert ":</label>" not in html


def test_ask_form_field_errors_are_shown_with_the_new_field_markup(client, customer):
    client.force_login(customer)
    html = client.post(reverse("qa:ask"), {"title": "", "body": "", "action": "submit"}).content.decode()

    assert 'class="field field--error"' in html
    assert 'class="errorlist' in html


def test_titles_typed_by_customers_are_isolated_from_the_text_around_them(client, customer, make_question, make_tip):
    client.force_login(customer)
    question = make_question(title=RLO_TITLE)
    tip = make_tip(title=RLO_TITLE)

    mine = client.get(reverse("qa:my_questions")).content.decode()
    detail = client.get(reverse("qa:my_question", args=[question.pk])).content.decode()
    tip_page = client.get(tip.get_absolute_url()).content.decode()
    home = client.get(reverse("qa:home")).content.decode()

    assert f'dir="auto">{RLO_TITLE}</a></h2>' in mine
    assert f'<h1 dir="auto">{RLO_TITLE}</h1>' in detail
    assert re.search(rf'<h1 dir="auto"(?: lang="\w+")?>{re.escape(RLO_TITLE)}</h1>', tip_page)
    assert re.search(r'<h3 dir="auto"(?: lang="\w+")? class="tip-card__title">', home)


def test_admin_inbox_keeps_the_full_title_in_a_title_attribute(client, staff, make_question):
    client.force_login(staff)
    long_title = "配送先を変更したい " + "x" * 150
    make_question(title=long_title)

    html = client.get(reverse("admin:qa_question_changelist")).content.decode()

    assert f'<span class="tipcast-clamp" title="{long_title}" dir="auto">{long_title}</span>' in html
    assert re.search(r'class="field-title[ "]', html)  # the column keeps its class (the theme adds its own)
    assert 'title="customer@example.com" dir="auto">customer@example.com</span>' in html
    # The category column is gone (it is a filter); the inbox fits 1280 px.
    assert "column-category" not in html
