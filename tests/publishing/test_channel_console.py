import logging

from django.utils import timezone

from publishing.channels.base import Remote
from publishing.channels.registry import get_channel


def test_console_compose_send_and_log(make_tip, settings, caplog):
    settings.SITE_URL = "https://support.example.com"
    tip = make_tip(title="返品の送料は？", tags=["返品", "送料"])
    channel = get_channel("console")

    post = channel.compose(tip)
    assert post.link.startswith(f"https://support.example.com/tips/{tip.pk}/")
    assert "utm_source=console" in post.link
    assert post.text.splitlines() == ["返品の送料は？", post.link, "#返品 #送料"]
    assert post.details["weighted_length"] > 0

    with caplog.at_level(logging.INFO, logger="publishing.console"):
        first = channel.send(post)
        second = channel.send(post)
    assert first.id.startswith("console-") and first.id != second.id
    assert first.url == ""
    assert "返品の送料は？" in caplog.text and first.id in caplog.text


def test_console_find_has_no_memory_and_delete_logs(make_tip, caplog):
    tip = make_tip()
    channel = get_channel("console")
    channel.send(channel.compose(tip))
    found = channel.find(tip, since=timezone.now())
    assert found.absent and found.remote is None
    with caplog.at_level(logging.INFO, logger="publishing.console"):
        channel.delete(Remote(id="console-abc", url=""))
    assert "console-abc" in caplog.text


def test_console_text_override(make_tip):
    tip = make_tip(title="Tracking")
    post = get_channel("console").compose(tip, text_override="配送状況はこちら")
    assert post.text == f"配送状況はこちら\n{post.link}"
