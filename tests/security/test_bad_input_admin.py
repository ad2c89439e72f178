"""Bad input in the admin gets a validation message, never a 500: the answer
form, the CSV import page, and every list filter and search of every model
list (discovered from the registered ModelAdmins, not listed by hand). The public surfaces are in test_bad_input, and
like it this module must also pass on PostgreSQL (which refuses NUL in text).
"""

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from qa.admin.forms import ANSWER_BODY_MAX_LENGTH
from qa.models import ImportJob, Message, Tip
from qa.tasks import run_import_job
from tests.security.bad_input import (
    EMOJI_BODY,
    EMOJI_TITLE,
    LONG_WORD,
    NUL,
    QUERY_VALUES,
    REFUSED_IN_QUERY,
    RLO,
    page,
)

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
        "messages-TOTAL_FORMS": "0",
        "messages-INITIAL_FORMS": "0",
        "messages-MIN_NUM_FORMS": "0",
        "messages-MAX_NUM_FORMS": "1000",
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
    assert not Message.objects.filter(kind=Message.Kind.REPLY).exists()


@pytest.mark.parametrize(
    "body", [LONG_WORD, EMOJI_BODY, "返金は" + RLO + "できます"], ids=["long word", "emoji", "RLO"]
)
def test_admin_answer_accepts_long_words_emoji_and_shows_them(staff_client, client, make_question, customer, body):
    question = make_question()
    response = staff_client.post(reverse("admin:qa_question_change", args=[question.pk]), answer_post(question, body))
    assert response.status_code == 302
    assert Message.objects.get(kind=Message.Kind.REPLY).body == body


# --- CSV import (the admin page) ------------------------------------------------------------------------


def upload(staff_client, content: bytes, *, encoding="utf-8", dry_run=False, announce=False):
    """Upload through the import page. A file the form accepts becomes a job:
    run it as the worker would (the task function), then return the job's page."""
    data = {"file": SimpleUploadedFile("faq.csv", content, content_type="text/csv"), "encoding": encoding}
    if dry_run:
        data["dry_run"] = "on"
    if announce:
        data["announce"] = "on"
    response = staff_client.post(reverse("admin:qa_tip_import"), data)
    if response.status_code != 302:
        return response
    job = ImportJob.objects.latest("pk")
    assert response["Location"] == reverse("admin:qa_tip_import_job", args=[job.pk])
    run_import_job(job.pk)
    return staff_client.get(response["Location"])


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


# --- Every list filter and search of every model list ---------------------------------------------------


def changelist_parameters(response) -> list[str]:
    """The query parameters a model list reads: its filters' (status, category__id__exact,
    published_at__gte...), the date hierarchy's, search, ordering and page."""
    if "cl" not in response.context:  # a page of its own (the channels' health): no filters
        return ["q", "o", "p"]
    changelist = response.context["cl"]
    names = [name for spec in changelist.filter_specs for name in spec.expected_parameters()]
    if changelist.date_hierarchy:
        names += [f"{changelist.date_hierarchy}__{part}" for part in ("year", "month", "day")]
    if changelist.search_fields:
        names.append("q")
    return [*names, "o", "p"]


@pytest.mark.parametrize("model", sorted(model._meta.label_lower for model in admin.site._registry))
def test_every_list_filter_and_search_answers_bad_values_without_a_500(world, model):
    app_label, model_name = model.split(".")
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    client = Client(raise_request_exception=False)
    client.force_login(world.staff)
    names = changelist_parameters(client.get(url))
    failures = []
    for name in names:
        for label, value in QUERY_VALUES.items():
            response = client.get(f"{url}?{name}={value}")
            refused = label in REFUSED_IN_QUERY
            if (response.status_code != 404) if refused else response.status_code >= 500:
                failures.append(f"{url}?{name}=… ({label}): {response.status_code}")
    assert names
    assert not failures, "\n".join(failures)


def test_nul_in_the_tip_status_filter_is_a_404(staff_client):
    assert staff_client.get(reverse("admin:qa_tip_changelist") + "?status=%00").status_code == 404
