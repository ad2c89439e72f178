from io import StringIO

import pytest
from django.core.management import CommandError, call_command


def preview(*args):
    out = StringIO()
    call_command("preview_post", *args, stdout=out, no_color=True)
    return out.getvalue()


@pytest.fixture
def site(settings):
    settings.SITE_URL = "https://support.example.com"
    # No credentials: composition needs none.
    settings.X_API_KEY = settings.X_API_SECRET = settings.X_ACCESS_TOKEN = settings.X_ACCESS_TOKEN_SECRET = ""
    settings.FACEBOOK_PAGE_ID = settings.FACEBOOK_PAGE_ACCESS_TOKEN = ""
    return settings


def test_preview_x(site, make_tip):
    tip = make_tip(title="返品の送料は？", tags=["返品"])
    output = preview(str(tip.pk), "--channel", "x")
    link = f"https://support.example.com{tip.get_absolute_url()}?utm_source=x&utm_medium=social&utm_campaign=tip"
    assert output.splitlines() == [
        "== X (Twitter) (x)",
        "返品の送料は？",
        link,
        "#返品",
        f"-- link: {link}",
        "-- weighted length: 44 / 280",
    ]


def test_preview_facebook_with_text_override(site, make_tip):
    tip = make_tip(title="送料", answer_text="**無料**です。")
    output = preview(str(tip.pk), "--channel", "facebook")
    assert "送料\n\n無料です。\n" in output and "utm_source=facebook" in output
    assert "-- length: 9 characters" in output
    output = preview(str(tip.pk), "--channel", "facebook", "--text", "今日のヒント")
    assert "\n今日のヒント\n" in output


def test_preview_every_channel_and_draft_tips(site, make_tip):
    tip = make_tip(publish=False)
    output = preview(str(tip.pk))
    assert "(console)" in output and "(x)" in output and "(facebook)" in output


def test_preview_unknown_tip(site, db):
    with pytest.raises(CommandError, match="no tip with id 999"):
        preview("999", "--channel", "x")


def test_preview_a_post_that_cannot_fit(site, make_tip):
    site.PUBLISHING_X_TEMPLATE = "{title} " + "長" * 200 + " {url}"
    with pytest.raises(CommandError, match="280"):
        preview(str(make_tip().pk), "--channel", "x")
