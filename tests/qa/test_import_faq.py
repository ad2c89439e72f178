"""`manage.py import_faq`: files, encodings, re-imports, bad rows, dry runs."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from qa import selectors
from qa.models import Category, Tip

HEADER = "question,answer,category,tags\n"
JAPANESE_ROWS = (
    '送料はいくらですか？,"全国一律500円です。5,000円以上のご注文で送料無料になります。",配送,"送料、配送/料金"\n'
    "返品できますか？,商品到着後8日以内であれば返品できます。,返品・交換,返品;交換\n"
)


def write(tmp_path, text, *, encoding="utf-8", name="faq.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(path, *args):
    out, err = StringIO(), StringIO()
    call_command("import_faq", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_imports_utf8_rows_as_published_tips_with_categories_and_tags(tmp_path):
    path = write(
        tmp_path, HEADER + JAPANESE_ROWS + "How do I reset my password?,Use the link on the sign-in page.,Account,\n"
    )

    out, err = run(path)

    assert "3 created, 0 updated, 0 unchanged, 0 failed." in out
    tip = Tip.objects.get(title="送料はいくらですか？")
    assert tip.is_published and tip.published_at is not None
    assert tip.answer_html.startswith("<p>全国一律500円です。")
    assert tip.category.name == "配送" and tip.category.slug == "配送"
    assert sorted(tip.tags.names()) == sorted(["送料", "配送", "料金"])
    assert sorted(Tip.objects.get(title="返品できますか？").tags.names()) == ["交換", "返品"]
    assert Category.objects.get(name="返品・交換").slug == "返品交換"
    # Imported tips are searchable in Japanese straight away.
    assert [t.title for t in selectors.tip_search(query="送料")] == ["送料はいくらですか？"]
    assert [t.title for t in selectors.tip_search(query="PASSWORD")] == ["How do I reset my password?"]
    assert "100%" in err  # the progress bar (bytes of the file read) goes to stderr


@pytest.mark.django_db
def test_reads_utf8_with_byte_order_mark(tmp_path):
    path = write(tmp_path, "\ufeff" + HEADER + JAPANESE_ROWS)

    out, _ = run(path)

    assert "2 created" in out
    assert Tip.objects.published().count() == 2


@pytest.mark.django_db
def test_reads_cp932_excel_export_with_japanese_header(tmp_path):
    text = "質問,回答,カテゴリ,タグ\r\n会員登録は無料ですか？,はい、会員登録は無料です。,会員,会員、登録\r\n"
    path = write(tmp_path, text, encoding="cp932")

    out, _ = run(path, "--encoding", "cp932")

    assert "1 created" in out
    tip = Tip.objects.get()
    assert (tip.title, tip.answer_text, tip.category.name) == (
        "会員登録は無料ですか？",
        "はい、会員登録は無料です。",
        "会員",
    )
    assert sorted(tip.tags.names()) == ["会員", "登録"]


@pytest.mark.django_db
def test_cp932_file_read_as_utf8_is_a_clear_error(tmp_path):
    path = write(tmp_path, HEADER + JAPANESE_ROWS, encoding="cp932")

    with pytest.raises(CommandError, match="--encoding cp932"):
        run(path)
    assert not Tip.objects.exists()


@pytest.mark.django_db
def test_utf8_file_read_as_cp932_is_a_clear_error(tmp_path):
    path = write(tmp_path, HEADER + JAPANESE_ROWS)

    with pytest.raises(CommandError, match="UTF-8, not cp932"):
        run(path, "--encoding", "cp932")


@pytest.mark.django_db
def test_unknown_encoding_and_missing_file_are_clear_errors(tmp_path):
    path = write(tmp_path, HEADER + JAPANESE_ROWS)
    with pytest.raises(CommandError, match="Unknown encoding 'klingon'"):
        run(path, "--encoding", "klingon")
    with pytest.raises(CommandError, match="Cannot read"):
        run(tmp_path / "nope.csv")


@pytest.mark.django_db
def test_reimport_updates_instead_of_duplicating(tmp_path):
    run(write(tmp_path, HEADER + JAPANESE_ROWS))
    original = Tip.objects.get(title="送料はいくらですか？")

    changed = JAPANESE_ROWS.replace("全国一律500円です。", "全国一律600円です。").replace(",配送,", ",配送料,")
    # Whitespace and full-width variants of the question still identify the same tip.
    changed = changed.replace("返品できますか？", "返品できますか？ ")
    out, _ = run(write(tmp_path, HEADER + changed, name="faq2.csv"))

    assert "0 created, 1 updated, 1 unchanged, 0 failed." in out
    assert Tip.objects.count() == 2
    tip = Tip.objects.get(pk=original.pk)
    assert tip.answer_text.startswith("全国一律600円です。")
    assert tip.category.name == "配送料"
    assert tip.slug == original.slug and tip.published_at == original.published_at
    assert [t.pk for t in selectors.tip_search(query="600円")] == [original.pk]


@pytest.mark.django_db
def test_reimport_keeps_a_tip_staff_unpublished_unpublished(tmp_path):
    from qa import services

    path = write(tmp_path, HEADER + JAPANESE_ROWS)
    run(path)
    services.tip_unpublish(tip=Tip.objects.get(title="返品できますか？"))

    out, _ = run(path)

    assert "2 unchanged" in out
    assert Tip.objects.get(title="返品できますか？").status == Tip.Status.UNPUBLISHED


@pytest.mark.django_db
def test_bad_rows_report_line_numbers_and_good_rows_are_imported(tmp_path):
    text = (
        HEADER
        + "送料はいくらですか？,全国一律500円です。,配送,\n"  # line 2
        + ",答えだけ,配送,\n"  # line 3: no question
        + "質問だけ,,配送,\n"  # line 4: no answer
        + "\n"  # line 5: blank, skipped
        + '"複数行の\n質問？","複数行の\n回答",配送,\n'  # lines 6-8: fine
        + ("長" * 201)
        + ",長すぎる質問,配送,\n"  # line 9: too long
        + "送料はいくらですか？,重複,配送,\n"  # line 10: duplicate of line 2
        + "壊れた行,"  # line 11: not UTF-8
    )
    data = text.encode("utf-8") + "回答".encode("cp932") + b",,\nlast,fine,,\n"  # line 12
    path = tmp_path / "bad.csv"
    path.write_bytes(data)

    out, err = run(path)

    assert "3 created, 0 updated, 0 unchanged, 5 failed." in out
    assert "Line 3: The question is empty." in err
    assert "Line 4: The answer is empty." in err
    assert "Line 9: The question is 201 characters long; at most 200 are allowed." in err
    assert "Line 10: the same question is already on line 2" in err
    assert "Line 11: this row is not valid utf-8" in err
    assert sorted(Tip.objects.values_list("title", flat=True)) == ["last", "複数行の\n質問？", "送料はいくらですか？"]


@pytest.mark.django_db
def test_missing_columns_is_a_clear_error(tmp_path):
    path = write(tmp_path, "question,category\n送料は？,配送\n")

    with pytest.raises(CommandError, match="missing: answer"):
        run(path)


@pytest.mark.django_db
def test_empty_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="The file is empty"):
        run(write(tmp_path, ""))


@pytest.mark.django_db
def test_dry_run_changes_nothing_and_reports_what_would_happen(tmp_path):
    path = write(tmp_path, HEADER + JAPANESE_ROWS + ",empty question,x,\n")

    out, err = run(path, "--dry-run")

    assert "Dry run, nothing was saved: 2 would be created, 0 updated, 0 unchanged, 1 failed." in out
    assert "Line 4: The question is empty." in err
    assert not Tip.objects.exists()
    assert not Category.objects.exists()


@pytest.mark.django_db
def test_dry_run_of_a_reimport_reports_updates(tmp_path):
    run(write(tmp_path, HEADER + JAPANESE_ROWS))
    changed = JAPANESE_ROWS.replace("全国一律500円です。", "全国一律600円です。")

    out, _ = run(write(tmp_path, HEADER + changed, name="faq2.csv"), "--dry-run")

    assert "0 would be created, 1 updated, 1 unchanged" in out
    assert Tip.objects.get(title="送料はいくらですか？").answer_text.startswith("全国一律500円です。")


@pytest.mark.django_db
def test_verbosity_zero_prints_no_progress_bar_and_no_summary(tmp_path):
    out, err = run(write(tmp_path, HEADER + JAPANESE_ROWS), "--verbosity", "0")

    assert out == "" and err == ""
    assert Tip.objects.count() == 2


@pytest.mark.django_db
def test_imported_tips_are_not_announced_by_default(tmp_path):
    from publishing.models import Delivery

    run(write(tmp_path, HEADER + JAPANESE_ROWS))

    assert Tip.objects.published().count() == 2
    assert not Delivery.objects.exists()


@pytest.mark.django_db
def test_announce_queues_one_delivery_per_enabled_channel_for_new_tips_only(tmp_path, settings):
    from publishing.models import Delivery

    settings.CONSOLE_CHANNEL = "on"
    path = write(tmp_path, HEADER + JAPANESE_ROWS)

    run(path, "--announce", "--dry-run")
    assert not Delivery.objects.exists()

    run(path, "--announce")
    deliveries = Delivery.objects.all()
    assert sorted(d.tip.title for d in deliveries) == sorted(["送料はいくらですか？", "返品できますか？"])
    assert {(d.channel, d.status) for d in deliveries} == {("console", Delivery.Status.PENDING)}

    # Importing again (even with changes) never posts a tip a second time.
    run(write(tmp_path, HEADER + JAPANESE_ROWS.replace("500円", "600円"), name="faq2.csv"), "--announce")
    assert Delivery.objects.count() == 2
