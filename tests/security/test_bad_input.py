"""Bad input gets a validation message, never a 500: on the ask form, search,
suggest, vote, sign-in, sign-up, the admin answer and the CSV import.

NUL characters matter most on PostgreSQL, which refuses them in text: run this
module with DATABASE_URL=postgres://… too (see the README's test command).
"""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from qa.admin.forms import ANSWER_BODY_MAX_LENGTH
from qa.models import Answer, Question, Tip

NUL = "\x00"
LONG_WORD = "あ" * 4000 + "x" * 6000  # one 10,000-character word, no space to break at
# Right-to-left override, embedding and isolate controls: they reorder the text
# shown after them ("Trojan Source"), so a title could pretend to say something else.
RLO = "\u202e"
BIDI_CONTROLS = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
EMOJI_TITLE = "📦 荷物が届かない 🙏🏽 👨‍👩‍👧"
EMOJI_BODY = "配達状況が「🚚 配送中」のままです。家族 👨‍👩‍👧 全員待っています 🇯🇵"


def page(response) -> str:
    return response.content.decode()


# --- The ask form ----------------------------------------------------------------------------------


@pytest.fixture
def customer_client(client, customer):
    client.force_login(customer)
    return client


def ask(client, **fields):
    data = {"title": "送料について", "body": "沖縄までの送料を教えてください。", "action": "confirm", **fields}
    return client.post(reverse("qa:ask"), data)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"title": "t" * (settings.QUESTION_TITLE_MAX_LENGTH + 1)},
            "Keep the title under 200 characters (it has 201).",
        ),
        (
            {"body": "b" * (settings.QUESTION_BODY_MAX_LENGTH + 1)},
            f"Keep the details under {settings.QUESTION_BODY_MAX_LENGTH} characters",
        ),
        ({"title": "送料" + NUL + "について"}, "Null characters are not allowed."),
        ({"body": "沖縄まで" + NUL}, "Null characters are not allowed."),
        ({"title": LONG_WORD}, "Keep the title under 200 characters"),
        ({"title": "Refund " + RLO + "gnp.exe"}, "The title cannot contain invisible text-direction characters"),
    ],
    ids=["long title", "long body", "NUL in title", "NUL in body", "10,000-character title", "RLO in title"],
)
def test_ask_refuses_bad_input_with_a_message(customer_client, fields, message):
    response = ask(customer_client, **fields)
    assert response.status_code == 200
    assert message in page(response)
    assert Question.objects.count() == 0


@pytest.mark.parametrize("control", BIDI_CONTROLS, ids=[f"U+{ord(c):04X}" for c in BIDI_CONTROLS])
def test_ask_refuses_every_bidi_control_in_the_title(customer_client, control):
    response = ask(customer_client, title=f"返品{control}したい")
    assert "The title cannot contain invisible text-direction characters" in page(response)
    assert Question.objects.count() == 0


def test_ask_keeps_right_to_left_scripts_and_marks(customer_client):
    """Arabic and Hebrew text (and the harmless LRM/RLM marks) are real questions."""
    title = "طلبي لم يصل \u200f order 42"
    assert ask(customer_client, title=title).status_code == 302
    assert Question.objects.get().title == title


def test_ask_accepts_a_10000_character_word_in_the_body_and_my_questions_shows_it(customer_client):
    response = ask(customer_client, body=LONG_WORD)
    assert response.status_code == 302
    question = Question.objects.get()
    assert question.body == LONG_WORD
    html = page(customer_client.get(question.get_absolute_url()))
    assert LONG_WORD in html
    # The page's stylesheet breaks words that would not fit (body { overflow-wrap: anywhere }).
    assert "overflow-wrap: anywhere" in (settings.BASE_DIR / "static/css/site.css").read_text()


def test_ask_accepts_emoji_and_they_round_trip(customer_client):
    assert ask(customer_client, title=EMOJI_TITLE, body=EMOJI_BODY).status_code == 302
    question = Question.objects.get()
    assert (question.title, question.body) == (EMOJI_TITLE, EMOJI_BODY)
    question.refresh_from_db()
    assert question.title == EMOJI_TITLE
    assert EMOJI_TITLE in page(customer_client.get(reverse("qa:my_questions")))
    assert EMOJI_BODY.split("。")[0] in page(customer_client.get(question.get_absolute_url()))


def test_a_body_with_bidi_controls_is_kept_and_shown_isolated(customer_client):
    body = "Refund for " + RLO + "gnp.exe please"
    assert ask(customer_client, body=body).status_code == 302
    html = page(customer_client.get(Question.objects.get().get_absolute_url()))
    assert 'dir="auto"' in html


def test_ask_preview_with_nul_and_long_word_does_not_fail(customer_client):
    response = ask(customer_client, action="preview", body="見出し" + NUL + LONG_WORD[:5000])
    assert response.status_code == 200
    assert "Null characters are not allowed." in page(response)


def test_oversized_request_body_is_a_400_not_a_500(customer_client):
    # Past DATA_UPLOAD_MAX_MEMORY_SIZE Django refuses to read the form at all.
    response = ask(customer_client, body="b" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1))
    assert response.status_code == 400
    assert Question.objects.count() == 0


# --- Search and suggest -------------------------------------------------------------------------------


SEARCH_INPUTS = {
    "NUL": "送料" + NUL,
    "only NUL": NUL,
    "10,000-character word": LONG_WORD,
    "RLO": RLO + "送料",
    "emoji": "📦 送料",
    "oversized": "送料 " * 3000,
}


@pytest.mark.parametrize("query", SEARCH_INPUTS.values(), ids=SEARCH_INPUTS.keys())
def test_search_with_bad_input_answers_200(client, make_tip, query):
    make_tip(title="送料はいくらですか 📦", answer_text="全国一律です。")
    response = client.get(reverse("qa:search"), {"q": query})
    assert response.status_code == 200


def test_search_with_nul_still_finds_the_rest_of_the_query(client, make_tip):
    make_tip(title="送料はいくらですか", answer_text="全国一律です。")
    response = client.get(reverse("qa:search"), {"q": "送料" + NUL})
    assert [tip.title for tip in response.context["page_obj"]] == ["送料はいくらですか"]


def test_search_finds_emoji_titles(client, make_tip):
    make_tip(title="📦 荷物の追跡", answer_text="追跡番号をご確認ください。")
    response = client.get(reverse("qa:search"), {"q": "荷物"})
    assert [tip.title for tip in response.context["page_obj"]] == ["📦 荷物の追跡"]
    assert "📦" in page(response)


@pytest.mark.parametrize("query", SEARCH_INPUTS.values(), ids=SEARCH_INPUTS.keys())
def test_suggest_with_bad_input_answers_json(client, make_tip, query):
    make_tip(title="送料はいくらですか", answer_text="全国一律です。")
    response = client.get(reverse("qa:suggest"), {"q": query})
    assert response.status_code == 200
    assert "results" in response.json()


# --- Vote ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("choice", [NUL, "yes" + NUL, "x" * 10000, RLO + "yes", "👍"])
def test_vote_with_bad_input_asks_again(client, make_tip, choice):
    tip = make_tip()
    response = client.post(reverse("qa:tip_vote", args=[tip.pk]), {"helpful": choice}, follow=True)
    assert response.status_code == 200
    assert "Please choose Yes or No." in page(response)
    tip.refresh_from_db()
    assert (tip.helpful_yes, tip.helpful_no) == (0, 0)


# --- Sign-in and sign-up ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "login",
    [NUL, "customer@example.com" + NUL, "a" * 10000 + "@example.com", RLO + "customer@example.com", "📧@example.com"],
)
def test_sign_in_with_bad_input_shows_a_form_error(client, customer, login):
    response = client.post(reverse("account_login"), {"login": login, "password": "pw-123456!" + NUL})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("hanako" + NUL + "@example.jp", "Tr0ub4dor&3-長い"),
        ("hanako@example.jp", "Tr0ub4dor&3" + NUL),
        ("h" * 10000 + "@example.jp", "Tr0ub4dor&3-長い"),
        (RLO + "hanako@example.jp", "Tr0ub4dor&3-長い"),
        ("📧@example.jp", "Tr0ub4dor&3-長い"),
    ],
    ids=["NUL in e-mail", "NUL in password", "long e-mail", "RLO in e-mail", "emoji e-mail"],
)
def test_sign_up_with_bad_input_shows_a_form_error(client, db, email, password):
    response = client.post(reverse("account_signup"), {"email": email, "password1": password, "password2": password})
    assert response.status_code == 200
    assert response.context["form"].errors
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.exists()


def test_sign_up_accepts_a_10000_character_password(client, db):
    """No upper limit on passwords (Django has none either): long ones hash fine, nothing breaks."""
    password = "p" * 5000 + "パスワード" * 1000
    response = client.post(
        reverse("account_signup"), {"email": "hanako@example.jp", "password1": password, "password2": password}
    )
    assert response.status_code == 302
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.get(email="hanako@example.jp").check_password(password)


def test_sign_up_accepts_an_emoji_password(client, db):
    password = "🔑鍵と🐈猫-Tr0ub4dor"
    response = client.post(
        reverse("account_signup"), {"email": "hanako@example.jp", "password1": password, "password2": password}
    )
    assert response.status_code == 302
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.get(email="hanako@example.jp").check_password(password)


# --- The admin answer ---------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def answer_post(question, body):
    return {
        "status": question.status,
        "category": "",
        "assignee": "",
        "answer_body": body,
        "answers-TOTAL_FORMS": "0",
        "answers-INITIAL_FORMS": "0",
        "answers-MIN_NUM_FORMS": "0",
        "answers-MAX_NUM_FORMS": "1000",
        "_answer_private": "1",
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("お調べします" + NUL, "Null characters are not allowed."),
        ("a" * (ANSWER_BODY_MAX_LENGTH + 1), "Keep the answer under 20000 characters (it has 20001)."),
    ],
    ids=["NUL", "oversized"],
)
def test_admin_answer_with_bad_input_shows_a_message(staff_client, make_question, body, message):
    question = make_question()
    response = staff_client.post(reverse("admin:qa_question_change", args=[question.pk]), answer_post(question, body))
    assert response.status_code == 200
    assert message in page(response)
    assert not Answer.objects.exists()


@pytest.mark.parametrize(
    "body", [LONG_WORD, EMOJI_BODY, "返金は" + RLO + "できます"], ids=["long word", "emoji", "RLO"]
)
def test_admin_answer_accepts_long_words_emoji_and_shows_them(staff_client, client, make_question, customer, body):
    question = make_question()
    response = staff_client.post(reverse("admin:qa_question_change", args=[question.pk]), answer_post(question, body))
    assert response.status_code == 302
    assert Answer.objects.get().body == body


# --- Tip pages with long words and emoji ---------------------------------------------------------------


def test_tip_page_renders_a_10000_character_word_and_emoji(client, make_tip):
    tip = make_tip(title="📦 " + "長" * 150, answer_text=LONG_WORD + "\n\n" + EMOJI_BODY)
    html = page(client.get(tip.get_absolute_url()))
    assert LONG_WORD in html
    assert "📦 " + "長" * 150 in html
    assert 'dir="auto"' in html


# --- CSV import (the admin page) ------------------------------------------------------------------------


def upload(staff_client, content: bytes, *, encoding="utf-8", dry_run=False, announce=False):
    data = {"file": SimpleUploadedFile("faq.csv", content, content_type="text/csv"), "encoding": encoding}
    if dry_run:
        data["dry_run"] = "on"
    if announce:
        data["announce"] = "on"
    return staff_client.post(reverse("admin:qa_tip_import"), data)


def csv_bytes(*rows, encoding="utf-8") -> bytes:
    lines = ["question,answer,category,tags", *rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def test_import_invalid_utf8_is_a_clear_message_and_imports_nothing(staff_client):
    good = "送料はいくらですか,全国一律です。,配送,送料".encode()
    broken = "返品できますか,30日以内なら".encode() + b"\xff\xfe" + "できます。,返品,".encode()
    content = b"question,answer,category,tags\r\n" + good + b"\r\n" + broken + b"\r\n"
    response = upload(staff_client, content)
    html = page(response)
    assert response.status_code == 200
    assert "Line 3 is not valid UTF-8" in html
    assert "Nothing was imported" in html
    assert not Tip.objects.exists()


def test_import_a_cp932_file_read_as_utf8_says_which_encoding_to_choose(staff_client):
    content = csv_bytes("送料はいくらですか,全国一律です。,配送,送料", encoding="cp932")
    html = page(upload(staff_client, content))
    assert "Excel in Japan" in html
    assert not Tip.objects.exists()


def test_import_cp932_file_with_the_cp932_choice(staff_client):
    content = csv_bytes("送料はいくらですか,全国一律です。,配送,送料", encoding="cp932")
    response = upload(staff_client, content, encoding="cp932")
    assert "1 created, 0 updated, 0 unchanged, 0 failed." in page(response)
    assert Tip.objects.published().get().title == "送料はいくらですか"


def test_import_reports_bad_rows_by_line_and_imports_the_rest(staff_client):
    content = csv_bytes(
        "送料はいくらですか,全国一律です。,配送,送料",
        "返品" + NUL + "できますか,30日以内です。,,",
        "q" * 201 + ",too long,,",
        EMOJI_TITLE + "," + EMOJI_BODY + ",配送,📦",
        '長い単語,"' + LONG_WORD + '",,',
    )
    response = upload(staff_client, content)
    html = page(response)
    assert response.status_code == 200
    assert "3 created, 0 updated, 0 unchanged, 2 failed." in html
    assert "<td>3</td><td><bdi>Null characters are not allowed.</bdi></td>" in html
    assert "201 characters long" in html
    titles = set(Tip.objects.values_list("title", flat=True))
    assert titles == {"送料はいくらですか", EMOJI_TITLE, "長い単語"}
    assert Tip.objects.get(title=EMOJI_TITLE).answer_text == EMOJI_BODY
    assert Tip.objects.get(title="長い単語").answer_text == LONG_WORD


def test_import_refuses_bidi_controls_in_titles(staff_client):
    response = upload(staff_client, csv_bytes("Refund " + RLO + "gnp.exe,answer,,"))
    assert "0 created" in page(response)
    assert "text-direction" in page(response)
    assert not Tip.objects.exists()


def test_import_dry_run_saves_nothing_and_says_so(staff_client):
    response = upload(staff_client, csv_bytes("送料はいくらですか,全国一律です。,配送,送料"), dry_run=True)
    assert "Dry run, nothing was saved: 1 would be created" in page(response)
    assert not Tip.objects.exists()


def test_import_announce_creates_deliveries(staff_client):
    upload(staff_client, csv_bytes("送料はいくらですか,全国一律です。,配送,送料"), announce=True)
    assert Tip.objects.get().deliveries.exists()


def test_import_without_announce_posts_nothing(staff_client):
    upload(staff_client, csv_bytes("送料はいくらですか,全国一律です。,配送,送料"))
    assert not Tip.objects.get().deliveries.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The submitted file is empty."),
        (b"foo,bar\r\n1,2\r\n", "The header row must name the columns"),
        (b"\x00\x00\x00", "The header row must name the columns"),
    ],
    ids=["empty", "wrong header", "binary"],
)
def test_import_unreadable_files_get_a_message(staff_client, content, message):
    response = upload(staff_client, content)
    assert response.status_code == 200
    assert message in page(response)
    assert not Tip.objects.exists()


def test_import_too_large_a_file_is_refused(staff_client, monkeypatch):
    monkeypatch.setattr("qa.admin.imports.MAX_CSV_BYTES", 100)
    response = upload(staff_client, csv_bytes("送料はいくらですか," + "全国一律です。" * 20 + ",,"))
    assert "The file is too large" in page(response)
    assert not Tip.objects.exists()


def test_import_page_is_linked_from_the_tip_list(staff_client):
    assert reverse("admin:qa_tip_import") in page(staff_client.get(reverse("admin:qa_tip_changelist")))


def test_import_page_and_command_share_the_code(staff_client, tmp_path):
    """Importing the same file through the command afterwards finds every tip unchanged."""
    from django.core.management import call_command

    content = csv_bytes("送料はいくらですか,全国一律です。,配送,送料", EMOJI_TITLE + "," + EMOJI_BODY + ",配送,📦")
    upload(staff_client, content)
    path = tmp_path / "faq.csv"
    path.write_bytes(content)
    from io import StringIO

    out = StringIO()
    call_command("import_faq", str(path), stdout=out, stderr=StringIO())
    assert "0 created, 0 updated, 2 unchanged, 0 failed." in out.getvalue()
