"""Tips' share images: the renderer, when images are drawn, how they are served,
the tip page's meta tags, and what happens without a CJK font."""

import io
import logging
import re

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image, ImageStat

from qa import services
from qa.phrases import phrase_boundaries
from qa.share_image_store import (
    share_image_font,
    tip_share_image_bytes,
    tip_share_image_generate,
    tip_share_image_name,
    tip_share_image_url,
)
from qa.share_images import (
    ELLIPSIS,
    FontUnavailable,
    drawable_text,
    find_font,
    layout_title,
    line_spans,
    render_share_image,
)
from supportsite.celery import app as celery_app
from tests.conftest import require_service

JAPANESE_TITLE = "会員登録したメールアドレスを変更したいのですが、確認メールが届きません。どうすればよいですか？"
LONG_JAPANESE = (
    "会員登録したメールアドレスを変更したいのですが、古いアドレスがすでに使えなくなっていて確認メールを受け取れません。"
    "どうすれば新しいアドレスに切り替えられますか？また、ポイントや注文履歴は引き継がれますか？"
) * 2
LONG_ENGLISH = (
    "Why was my order split into several deliveries, and will I be charged shipping for each of the packages "
    "separately when they arrive on different days from different warehouses across the country and abroad?"
)


@pytest.fixture
def font():
    path = find_font()
    require_service("A CJK font (Debian's fonts-noto-cjk)", path is not None, "apt-get install fonts-noto-cjk")
    return path


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process, as the worker would, once the transaction commits."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def _png(data: bytes) -> Image.Image:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return Image.open(io.BytesIO(data))


def _by_width(limit: int):
    """A width measure for the line breaker: one unit per character."""
    return lambda line: len(line) <= limit


def _break_offsets(spans):
    return [end for _, end in spans[:-1]]


# --- The renderer ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title", ["返品の送料は誰が負担しますか？", "How do I reset my password?", LONG_JAPANESE[:200]]
)
def test_renders_a_1200_by_630_rgb_png_that_is_not_blank(font, title):
    image = _png(render_share_image(title=title, category="返品・交換", site_name="Tipcast", font_path=font))
    # A palette PNG (every network takes it): flat colours and their anti-aliased blends.
    assert image.size == (1200, 630) and image.mode == "P"
    # The title area holds white text on the dark background: many shades, from dark to white.
    title_area = image.convert("RGB").crop((80, 170, 1120, 480)).convert("L")
    low, high = ImageStat.Stat(title_area).extrema[0]
    assert high >= 250 and low <= 80
    assert len(title_area.getcolors(maxcolors=256 * 256)) > 20


def test_japanese_title_wraps_onto_several_lines_only_between_phrases():
    spans = line_spans(JAPANESE_TITLE, fits=_by_width(14))
    assert len(spans) >= 3
    allowed = set(phrase_boundaries(JAPANESE_TITLE))
    assert set(_break_offsets(spans)) <= allowed
    # Nothing lost or repeated, and no phrase split: "メールアドレス" stays on one line.
    assert "".join(JAPANESE_TITLE[s:e] for s, e in spans) == JAPANESE_TITLE
    assert any("メールアドレス" in JAPANESE_TITLE[s:e] for s, e in spans)


def test_japanese_title_wraps_at_phrases_with_the_real_font(font):
    from qa.share_images import _fitter, _font

    fits = _fitter(_font(font, 72), 1040)
    spans = line_spans(JAPANESE_TITLE, fits=fits)
    assert len(spans) >= 2
    assert set(_break_offsets(spans)) <= set(phrase_boundaries(JAPANESE_TITLE))
    assert all(fits(JAPANESE_TITLE[s:e].strip()) for s, e in spans)


def test_english_title_wraps_between_words():
    title = "How do I change the e-mail address of my account?"
    lines = layout_title(title, max_lines=10, fits=_by_width(16))
    assert lines == ["How do I change", "the e-mail", "address of my", "account?"]


def test_a_word_longer_than_a_line_is_cut_between_characters():
    lines = layout_title("See https://example.com/a/very/long/path/that/never/ends", max_lines=10, fits=_by_width(20))
    assert all(len(line) <= 20 for line in lines)
    assert "".join(lines).replace(" ", "") == "Seehttps://example.com/a/very/long/path/that/never/ends"


@pytest.mark.parametrize("title", [LONG_JAPANESE[:200], LONG_ENGLISH[:200]])
def test_a_long_title_is_cut_at_a_phrase_boundary_with_an_ellipsis(title):
    lines = layout_title(title, max_lines=3, fits=_by_width(30))
    assert len(lines) == 3 and lines[-1].endswith(ELLIPSIS)
    kept = "".join(lines)[: -len(ELLIPSIS)] if re.search(r"[ぁ-ん]", title) else " ".join(lines)[: -len(ELLIPSIS)]
    assert title.startswith(kept)
    # The cut is at a boundary (give or take the punctuation left off before "…").
    assert any(title[:boundary].rstrip(" 、。,") == kept for boundary in phrase_boundaries(title))


def test_a_long_title_is_set_smaller_then_cut(font):
    from qa.share_images import _title_lines

    short_font, short_lines, _ = _title_lines("返品できますか？", font)
    long_font, long_lines, _ = _title_lines(LONG_JAPANESE[:200], font)
    assert short_font.size > long_font.size
    assert len(short_lines) == 1 and short_lines[0] == "返品できますか？"
    assert long_lines[-1].endswith(ELLIPSIS) and len(long_lines) >= 4


def test_characters_the_font_cannot_draw_are_left_out_not_drawn_as_boxes(font):
    assert drawable_text("配送 📦 Tracking 🇯🇵", font) == "配送 Tracking"
    assert drawable_text("返品・交換（30日以内）", font) == "返品・交換（30日以内）"


def test_a_font_without_japanese_is_refused(tmp_path):
    assert find_font(str(tmp_path / "missing.ttc")) is None
    latin_only = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    from pathlib import Path

    if Path(latin_only).is_file():
        assert find_font(latin_only) is None
        with pytest.raises(FontUnavailable):
            render_share_image(title="返品", category="", site_name="Tipcast", font_path=latin_only)
    with pytest.raises(FontUnavailable):
        render_share_image(title="返品", category="", site_name="Tipcast", font_path=str(tmp_path / "missing.ttc"))


# --- When images are drawn ---------------------------------------------------------------------


def test_creating_a_tip_draws_its_image_after_commit(font, eager_tasks, make_tip, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        tip = make_tip(title="返品の送料は誰が負担しますか？")
    tip.refresh_from_db()
    assert tip.share_image == tip_share_image_name(tip)
    assert re.fullmatch(rf"share/tips/{tip.pk}-[0-9a-f]{{16}}\.png", tip.share_image)
    assert _png(default_storage.open(tip.share_image).read()).size == (1200, 630)
    assert _png(tip_share_image_bytes(tip)).size == (1200, 630)


def _share_image_callbacks(callbacks):
    """The on-commit work that draws images (the page cache has its own)."""
    return [callback for callback in callbacks if "share_image" in callback.__qualname__]


def test_a_new_title_draws_a_new_image_and_removes_the_old(
    font, eager_tasks, make_tip, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        tip = make_tip(title="How do I track my parcel?")
    tip.refresh_from_db()
    old = tip.share_image
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.tip_update(tip=tip, title="How do I track my order?")
    assert len(_share_image_callbacks(callbacks)) == 1
    tip.refresh_from_db()
    assert tip.share_image != old and tip.share_image == tip_share_image_name(tip)
    assert default_storage.exists(tip.share_image) and not default_storage.exists(old)


def test_a_new_category_draws_a_new_image(font, eager_tasks, make_tip, django_capture_on_commit_callbacks):
    from qa.models import Category

    with django_capture_on_commit_callbacks(execute=True):
        tip = make_tip()
    tip.refresh_from_db()
    old = tip.share_image
    returns = Category.objects.create(name="返品", slug="returns")
    with django_capture_on_commit_callbacks(execute=True):
        services.tip_update(tip=tip, category=returns)
    tip.refresh_from_db()
    assert tip.share_image != old and default_storage.exists(tip.share_image)


def test_editing_only_the_body_does_not_draw_again(font, eager_tasks, make_tip, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        tip = make_tip()
    tip.refresh_from_db()
    drawn = tip.share_image
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.tip_update(tip=tip, answer_text="A new answer.", question_text="A new question.", tags=["x"])
    assert _share_image_callbacks(callbacks) == []
    tip.refresh_from_db()
    assert tip.share_image == drawn


def test_the_task_leaves_a_current_image_alone(font, make_tip):
    tip = make_tip()
    name = tip_share_image_generate(tip_id=tip.pk)
    modified = default_storage.get_modified_time(name)
    assert tip_share_image_generate(tip_id=tip.pk) == name
    assert default_storage.get_modified_time(name) == modified
    assert tip_share_image_generate(tip_id=999999) is None


def test_command_draws_every_missing_image_once(font, make_tip):
    tips = [make_tip(title="Tip number one"), make_tip(title="下書きの質問", publish=False)]
    out = io.StringIO()
    call_command("share_images", stdout=out)
    assert "2 share images drawn" in out.getvalue()
    for tip in tips:
        tip.refresh_from_db()
        assert tip_share_image_url(tip) is not None
    out = io.StringIO()
    call_command("share_images", stdout=out)
    assert "0 share images drawn, 2 already current" in out.getvalue()
    out = io.StringIO()
    call_command("share_images", "--force", "--published-only", stdout=out)
    assert "1 share images drawn" in out.getvalue()


# --- Served, and named by the tip page ---------------------------------------------------------


def test_the_image_is_served_as_an_immutable_png(font, client, make_tip):
    tip = make_tip()
    tip_share_image_generate(tip_id=tip.pk)
    tip.refresh_from_db()
    response = client.get("/media/" + tip.share_image)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert _png(b"".join(response.streaming_content)).size == (1200, 630)


def test_unknown_stale_and_draft_images_are_404(font, client, make_tip, django_assert_max_num_queries):
    tip = make_tip()
    old = tip_share_image_generate(tip_id=tip.pk)
    draft = make_tip(title="Draft", publish=False)
    draft_image = tip_share_image_generate(tip_id=draft.pk)
    services.tip_update(tip=tip, title="Another title")
    tip_share_image_generate(tip_id=tip.pk)
    with django_assert_max_num_queries(1):
        assert client.get(f"/media/{draft_image}").status_code == 404
    assert client.get(f"/media/{old}").status_code == 404
    assert client.get("/media/share/tips/1-0123456789abcdef.png").status_code == 404
    assert client.get("/media/share/tips/../../settings.py").status_code == 404
    assert client.get("/media/share/tips/not-an-image.txt").status_code == 404


def _meta(html, prop):
    match = re.search(rf'<meta (?:property|name)="{re.escape(prop)}" content="([^"]*)"', html)
    return match and match.group(1)


def test_tip_page_names_its_share_image(font, client, make_tip, settings):
    settings.SITE_URL = "https://help.example.com"
    tip = make_tip(title="返品の送料は誰が負担しますか？")
    html = client.get(tip.get_absolute_url()).content.decode()
    # Until the worker has drawn it, the default image.
    assert _meta(html, "og:image") == "https://help.example.com/static/img/og-default.png"
    tip_share_image_generate(tip_id=tip.pk)
    tip.refresh_from_db()
    html = client.get(tip.get_absolute_url()).content.decode()
    expected = "https://help.example.com/media/" + tip.share_image
    assert _meta(html, "og:image") == expected == tip_share_image_url(tip)
    assert _meta(html, "twitter:image") == expected
    assert _meta(html, "og:image:width") == "1200" and _meta(html, "og:image:height") == "630"
    assert _meta(html, "og:image:alt") == "返品の送料は誰が負担しますか？"


def test_tip_page_falls_back_while_the_image_is_out_of_date(font, client, make_tip):
    tip = make_tip(title="Old title")
    tip_share_image_generate(tip_id=tip.pk)
    services.tip_update(tip=tip, title="New title")
    html = client.get(tip.get_absolute_url()).content.decode()
    assert _meta(html, "og:image").endswith("/static/img/og-default.png")
    assert tip_share_image_url(tip) is None and tip_share_image_bytes(tip) is None


# --- Without a font ----------------------------------------------------------------------------


def test_without_a_font_the_page_keeps_the_default_image_and_the_log_says_why(
    client, make_tip, settings, tmp_path, caplog
):
    settings.SHARE_IMAGE_FONT = str(tmp_path / "NoSuchFont.ttc")
    assert share_image_font() is None
    tip = make_tip()
    with caplog.at_level(logging.WARNING, logger="qa.share_image_store"):
        assert tip_share_image_generate(tip_id=tip.pk) is None
    assert "SHARE_IMAGE_FONT" in caplog.text and "fonts-noto-cjk" in caplog.text
    response = client.get(tip.get_absolute_url())
    assert response.status_code == 200
    assert _meta(response.content.decode(), "og:image").endswith("/static/img/og-default.png")
    with pytest.raises(CommandError, match="SHARE_IMAGE_FONT"):
        call_command("share_images")


def test_check_warns_naming_the_setting_when_no_font_is_found(settings, tmp_path):
    settings.SHARE_IMAGE_FONT = str(tmp_path / "NoSuchFont.ttc")
    err = io.StringIO()
    call_command("check", stderr=err, stdout=io.StringIO())
    assert "qa.W001" in err.getvalue() and "SHARE_IMAGE_FONT" in err.getvalue()


def test_check_is_quiet_when_the_font_is_found(font, settings):
    from django.core.checks import run_checks

    settings.SHARE_IMAGE_FONT = ""
    assert [m.id for m in run_checks() if m.id == "qa.W001"] == []


def test_publishing_a_tip_without_a_current_image_draws_it(
    font, eager_tasks, make_tip, django_capture_on_commit_callbacks
):
    tip = make_tip(publish=False)  # its creation's task never ran (a tip from before share images)
    assert tip_share_image_url(tip) is None
    with django_capture_on_commit_callbacks(execute=True):
        services.tip_publish(tip=tip, announce=False)
    tip.refresh_from_db()
    assert tip_share_image_url(tip) is not None
    drawn_at = default_storage.get_modified_time(tip.share_image)
    with django_capture_on_commit_callbacks(execute=True):
        services.tip_unpublish(tip=tip)
        services.tip_publish(tip=tip, announce=False)
    tip.refresh_from_db()
    # Republishing a tip whose image is current leaves the image alone.
    assert tip_share_image_url(tip) is not None
    assert default_storage.get_modified_time(tip.share_image) == drawn_at


def test_renaming_a_category_in_the_admin_draws_its_tips_again(
    font, eager_tasks, client, staff, make_tip, category, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    with django_capture_on_commit_callbacks(execute=True):
        tips = [make_tip(title="Where is my parcel?"), make_tip(title="配送日時を指定できますか？")]
    old = {tip.pk: _stored_name(tip) for tip in tips}
    client.force_login(staff)
    form = {"name": "配送・送料", "slug": category.slug, "order": category.order, "description": ""}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:qa_category_change", args=[category.pk]), form)
    assert response.status_code == 302
    for tip in tips:
        tip.refresh_from_db()
        assert tip.share_image != old[tip.pk] and tip_share_image_url(tip) is not None


def _stored_name(tip):
    tip.refresh_from_db()
    return tip.share_image


def test_a_broker_outage_does_not_lose_the_edit(make_tip, monkeypatch, caplog, django_capture_on_commit_callbacks):
    from kombu.exceptions import OperationalError

    from qa import tasks

    def broker_down(*args, **kwargs):
        raise OperationalError("Connection refused")

    monkeypatch.setattr(tasks.generate_share_image, "delay", broker_down)
    tip = make_tip()
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        services.tip_update(tip=tip, title="A new title")
    tip.refresh_from_db()
    assert tip.title == "A new title"
    assert f"Could not enqueue the share image of tip {tip.pk}" in caplog.text
