"""Staff's per-channel text override reaches preview_post and the posted text."""

from io import StringIO

from django.core.management import call_command

from publishing.models import TipChannelSetting


def test_preview_post_shows_the_stored_override(make_tip, settings):
    settings.SITE_URL = "https://support.example.com"
    tip = make_tip(title="返品の送料")
    TipChannelSetting.objects.create(tip=tip, channel="console", text_override="送料は当社が負担します")
    out = StringIO()
    call_command("preview_post", tip.pk, "--channel", "console", stdout=out)
    assert "送料は当社が負担します" in out.getvalue() and "返品の送料" not in out.getvalue().split("--")[0]
    # An explicit --text still wins.
    out = StringIO()
    call_command("preview_post", tip.pk, "--channel", "console", "--text", "今すぐ確認", stdout=out)
    assert "今すぐ確認" in out.getvalue() and "当社が負担" not in out.getvalue()
