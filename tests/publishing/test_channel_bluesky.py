"""The Bluesky channel, running the real atproto client over HTTP against the
fake PDS on loopback (tests/publishing/fake_social_bluesky)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time

import pytest
from django.utils import timezone

from publishing import compose
from publishing.channels.base import PublishError, Remote
from publishing.channels.bluesky import record_key
from publishing.channels.registry import get_channel
from publishing.models import ChannelSession
from tests.conftest import require_service
from tests.publishing.fake_social import FakeSocialServer
from tests.publishing.fake_social_bluesky import APP_PASSWORD, DID, HANDLE

LONG_SLUG_TITLE = "返品・交換の送料と手続きについて詳しく教えてください" * 3


@pytest.fixture(scope="module")
def pds():
    with FakeSocialServer() as server:
        yield server


@pytest.fixture
def bluesky(settings, pds):
    pds.state.reset()
    settings.SITE_URL = "https://support.example.com"
    settings.BLUESKY_HANDLE = HANDLE
    settings.BLUESKY_APP_PASSWORD = APP_PASSWORD
    settings.BLUESKY_SERVICE_URL = pds.url
    settings.PUBLISHING_HTTP_TIMEOUT = 3.0
    return get_channel("bluesky")


def live_posts(pds):
    return pds.state.live("bluesky")


def script(pds, *entries):
    pds.state.scripts["bluesky"].extend(entries)


# --- composing -----------------------------------------------------------------------------------------


def test_compose_counts_graphemes_and_places_the_link_facet_in_utf8_bytes(bluesky, make_tip):
    family = "👨‍👩‍👧‍👦"
    tip = make_tip(title=f"家族で使える{family}アカウントの作り方は？")
    post = bluesky.compose(tip)

    start, end = post.details["link_byte_start"], post.details["link_byte_end"]
    encoded = post.text.encode("utf-8")
    # The bytes the facet covers are exactly the link's display text.
    assert encoded[start:end].decode("utf-8") == compose.link_display_text(post.link)
    assert encoded[start:end].decode("utf-8").startswith("support.example.com/tips/")
    # A ZWJ family is one grapheme, however many code points and bytes.
    assert family in post.text
    assert post.details["length"] == len(compose.graphemes(post.text))
    assert post.details["length"] < len(post.text)
    assert post.details["max"] == 300
    assert post.link.startswith(f"https://support.example.com/tips/{tip.pk}/") and "utm_source=bluesky" in post.link


def test_a_200_character_japanese_title_fits_whole_with_a_long_url(bluesky, make_tip, settings):
    # A site under a long, percent-encoded Japanese path: the link is hundreds of characters.
    settings.SITE_URL = "https://support.example.com/" + "%E3%83%98%E3%83%AB%E3%83%97" * 12
    tip = make_tip(title="ご注文の変更について" * 20)
    post = bluesky.compose(tip)
    assert post.text.startswith(tip.title + "\n")
    assert post.details["length"] == 200 + 1 + compose.BLUESKY_LINK_DISPLAY_GRAPHEMES
    # The text shows the link short; the facet and the card carry it whole.
    assert len(post.link) > 300
    assert post.card.title == tip.title


def test_long_staff_text_is_cut_to_300_graphemes_before_the_link(bluesky, make_tip):
    post = bluesky.compose(make_tip(title="送料"), text_override="ご注文の変更" * 80)
    assert post.details["length"] == 300 == len(compose.graphemes(post.text))
    assert (compose.ELLIPSIS + "\nsupport.example.com/tips/") in post.text


def test_cutting_never_splits_an_emoji(bluesky, make_tip):
    post = bluesky.compose(make_tip(title="絵文字"), text_override="👍🏽" * 400)
    assert len(compose.graphemes(post.text)) <= 300
    head = post.text.split("\n")[0]
    assert set(compose.graphemes(head.removesuffix(compose.ELLIPSIS))) == {"👍🏽"}


def test_compose_with_staff_text_places_the_link_where_url_stands(bluesky, make_tip):
    tip = make_tip(title="送料")
    post = bluesky.compose(tip, text_override="詳しくはこちら {url} をご覧ください")
    start, end = post.details["link_byte_start"], post.details["link_byte_end"]
    assert post.text.startswith("詳しくはこちら support.example.com/tips/")
    assert post.text.endswith(" をご覧ください")
    assert post.text.encode()[start:end].decode() == compose.link_display_text(post.link)


# --- sending ---------------------------------------------------------------------------------------------


def test_send_creates_a_post_record_with_link_facet_and_card_with_the_share_image_as_blob(bluesky, make_tip, pds):
    tip = make_tip(title="返品の送料はどなたが負担しますか？", answer_text="未開封なら当店が負担します。")
    post = bluesky.compose(tip)
    post = type(post)(
        **{
            **post.__dict__,
            "card": type(post.card)(post.card.title, post.card.description, lambda: b"\x89PNG fake image"),
        }
    )

    remote = bluesky.send(post)

    [made] = live_posts(pds)
    assert remote.id == made["id"] and remote.id.startswith(f"at://{DID}/app.bsky.feed.post/")
    assert remote.url == f"https://bsky.app/profile/{HANDLE}/post/{made['rkey']}"
    record = made["record"]
    assert record["$type"] == "app.bsky.feed.post" and record["text"] == post.text and record["langs"] == ["ja"]
    [facet] = record["facets"]
    assert facet["index"]["byteStart"] == post.details["link_byte_start"]
    assert facet["index"]["byteEnd"] == post.details["link_byte_end"]
    assert facet["features"] == [{"$type": "app.bsky.richtext.facet#link", "uri": post.link}]
    external = record["embed"]["external"]
    assert record["embed"]["$type"] == "app.bsky.embed.external"
    assert external["uri"] == post.link and external["title"] == tip.title
    assert external["description"].startswith("未開封なら当店が負担します")
    assert external["thumb"]["size"] == len(b"\x89PNG fake image") and len(pds.state.bluesky_blobs) == 1


def test_send_uses_the_tips_stored_share_image(bluesky, make_tip, pds, settings, tmp_path):
    from qa.share_image_store import tip_share_image_bytes, tip_share_image_generate

    settings.MEDIA_ROOT = tmp_path
    tip = make_tip(title="共有画像つきのカード")
    # Debian's fonts-noto-cjk (.ci/run installs it): in CI a missing font fails, never skips.
    require_service(
        "A CJK font for share images",
        tip_share_image_generate(tip_id=tip.pk, force=True) is not None,
        "apt install fonts-noto-cjk",
    )
    tip.refresh_from_db()
    image = tip_share_image_bytes(tip)
    bluesky.send(bluesky.compose(tip))
    [made] = live_posts(pds)
    assert made["record"]["embed"]["external"]["thumb"]["size"] == len(image)
    assert made["record"]["embed"]["external"]["thumb"]["mimeType"] == "image/png"


def test_without_a_share_image_the_card_has_no_thumbnail(bluesky, make_tip, pds):
    tip = make_tip(title="No image yet")
    bluesky.send(bluesky.compose(tip))
    [made] = live_posts(pds)
    assert made["record"]["langs"] == ["en"]
    assert "thumb" not in made["record"]["embed"]["external"]
    assert not pds.state.bluesky_blobs


def test_the_session_is_stored_and_reused_across_channel_instances(bluesky, make_tip, pds):
    tip = make_tip(title="セッションの再利用")
    for number in range(3):
        channel = get_channel("bluesky")
        channel.send(channel.compose(tip, text_override=f"{number} {{url}}"))
    assert pds.state.bluesky_sessions_created == 1
    stored = ChannelSession.objects.get(kind="bluesky")
    assert stored.identity == HANDLE and DID in stored.value
    assert len(live_posts(pds)) == 3


def test_a_session_near_expiry_is_refreshed_and_the_refreshed_one_stored(bluesky, make_tip, pds):
    tip = make_tip(title="更新")
    pds.state.bluesky_access_ttl = 60  # within the SDK's 15 minutes: the next call refreshes first
    bluesky.client()
    first = ChannelSession.objects.get(kind="bluesky").value
    pds.state.bluesky_access_ttl = 7200
    channel = get_channel("bluesky")
    channel.send(channel.compose(tip))
    assert pds.state.bluesky_sessions_created == 1 and pds.state.bluesky_sessions_refreshed == 1
    assert ChannelSession.objects.get(kind="bluesky").value != first
    assert len(live_posts(pds)) == 1


def test_a_refused_stored_session_is_replaced_by_a_new_one(bluesky, make_tip, pds):
    tip = make_tip(title="失効したセッション")
    bluesky.send(bluesky.compose(tip))
    # The PDS forgets every token (revoked, or the account's sessions were reset).
    pds.state.bluesky_access.clear()
    pds.state.bluesky_refresh.clear()
    channel = get_channel("bluesky")
    channel.send(channel.compose(tip, text_override="再ログイン {url}"))
    assert pds.state.bluesky_sessions_created == 2
    assert len(live_posts(pds)) == 2


def test_a_retry_with_the_same_idempotency_key_cannot_post_twice(bluesky, make_tip, pds):
    tip = make_tip(title="二重投稿の防止")
    first_attempt = timezone.now() - dt.timedelta(minutes=3)
    post = dataclasses.replace(
        bluesky.compose(tip), idempotency_key="6f1c3e1e-5d1b-5b8e-9a51-0c2c8a4f0a11", first_attempt_at=first_attempt
    )
    bluesky.send(post)
    [made] = live_posts(pds)
    # The record key is a TID of the first attempt's time: listRecords keeps it in time order.
    assert made["rkey"] == record_key(post.idempotency_key, first_attempt) and len(made["rkey"]) == 13
    with pytest.raises(PublishError) as refused:
        get_channel("bluesky").send(post)
    assert refused.value.duplicate and refused.value.permanent
    assert len(live_posts(pds)) == 1


# --- errors ---------------------------------------------------------------------------------------------


def test_a_wrong_app_password_needs_reauthorisation(bluesky, make_tip, settings):
    settings.BLUESKY_APP_PASSWORD = "wrong-pass-word-here"
    channel = get_channel("bluesky")
    with pytest.raises(PublishError) as refused:
        channel.send(channel.compose(make_tip(title="認証")))
    assert refused.value.needs_reauth and refused.value.code == "AuthenticationRequired"


def test_a_rate_limit_carries_the_reset_time(bluesky, make_tip, pds):
    tip = make_tip(title="レート制限")
    bluesky.send(bluesky.compose(tip))  # a session exists
    script(pds, {"status": 429, "reset_in": 120})
    with pytest.raises(PublishError) as limited:
        get_channel("bluesky").send(bluesky.compose(tip, text_override="もう一度 {url}"))
    assert limited.value.code == "429" and not limited.value.permanent
    assert 100 <= limited.value.retry_after <= 121


def test_session_creation_rate_limited_waits_for_the_reset(bluesky, make_tip, pds):
    script(pds, {"status": 429, "reset_in": 300})
    with pytest.raises(PublishError) as limited:
        bluesky.send(bluesky.compose(make_tip(title="セッション作成の制限")))
    assert limited.value.code == "429" and limited.value.retry_after > 250
    assert not ChannelSession.objects.filter(kind="bluesky").exists()


@pytest.mark.parametrize("status", [500, 502])
def test_a_server_error_while_sending_is_transient_and_ambiguous(bluesky, make_tip, pds, status):
    tip = make_tip(title="サーバーエラー")
    bluesky.client()  # log in first, so the scripted error hits the post
    script(pds, {"status": status, "method": "POST"})
    with pytest.raises(PublishError) as failed:
        bluesky.send(bluesky.compose(tip))
    assert not failed.value.permanent and failed.value.ambiguous


def test_a_dropped_connection_after_the_post_was_made_is_ambiguous(bluesky, make_tip, pds):
    tip = make_tip(title="接続断")
    bluesky.client()
    script(pds, {"status": "drop", "method": "POST"})
    with pytest.raises(PublishError) as failed:
        bluesky.send(bluesky.compose(tip))
    assert failed.value.ambiguous and not failed.value.permanent
    assert len(live_posts(pds)) == 1


def test_an_unreachable_pds_is_transient_and_not_ambiguous(settings, make_tip):
    settings.SITE_URL = "https://support.example.com"
    settings.BLUESKY_HANDLE, settings.BLUESKY_APP_PASSWORD = HANDLE, APP_PASSWORD
    settings.BLUESKY_SERVICE_URL = "http://127.0.0.1:9"
    channel = get_channel("bluesky")
    with pytest.raises(PublishError) as failed:
        channel.send(channel.compose(make_tip(title="届かない")))
    assert not failed.value.permanent and not failed.value.ambiguous


# --- find and delete -------------------------------------------------------------------------------------


def _post_others(channel, make_tip, count: int) -> None:
    other = make_tip(title="ほかのヒント")
    for number in range(count):
        channel.send(channel.compose(other, text_override=f"{number} {{url}}"))


def test_find_pages_back_past_newer_posts_to_the_claim_time(bluesky, make_tip, pds):
    tip = make_tip(title="見つけるヒント")
    since = timezone.now() - dt.timedelta(seconds=5)
    remote = bluesky.send(bluesky.compose(tip))
    _post_others(bluesky, make_tip, 150)

    found = get_channel("bluesky").find(tip, since=since)

    assert found.remote == remote and found.pages == 2


def test_find_proves_absence_only_after_paging_past_the_claim_time(bluesky, make_tip, pds):
    tip = make_tip(title="投稿されなかったヒント")
    _post_others(bluesky, make_tip, 3)
    since = timezone.now()
    time.sleep(0.01)
    _post_others(bluesky, make_tip, 120)

    found = get_channel("bluesky").find(tip, since=since)
    assert found.absent and found.remote is None and found.pages == 2


def test_find_stops_at_the_page_bound_without_proof(bluesky, make_tip, settings):
    settings.PUBLISHING_FIND_MAX_PAGES = 1
    tip = make_tip(title="上限")
    since = timezone.now() - dt.timedelta(seconds=5)
    _post_others(bluesky, make_tip, 120)
    found = get_channel("bluesky").find(tip, since=since)
    assert not found.absent and found.remote is None and found.limit_reached


def test_delete_removes_the_record_and_a_second_delete_is_not_an_error(bluesky, make_tip, pds):
    remote = bluesky.send(bluesky.compose(make_tip(title="削除")))
    bluesky.delete(remote)
    assert not live_posts(pds)
    get_channel("bluesky").delete(remote)


def test_delete_of_a_malformed_id_is_refused(bluesky):
    with pytest.raises(PublishError) as refused:
        bluesky.delete(Remote(id="not-a-uri", url=""))
    assert refused.value.permanent


def test_a_session_another_process_refreshed_is_taken_up_instead_of_creating_one(bluesky, make_tip, pds):
    tip = make_tip(title="別プロセスの更新")
    pds.state.bluesky_access_ttl = 60
    mine = get_channel("bluesky")
    mine.client()  # this process loaded the session...
    pds.state.bluesky_access_ttl = 7200
    other = get_channel("bluesky")
    other.send(other.compose(tip))  # ...and another one refreshed it (the old refresh token is revoked)
    mine.send(mine.compose(tip, text_override="こちらも {url}"))
    assert pds.state.bluesky_sessions_created == 1
    assert len(live_posts(pds)) == 2


def test_record_keys_follow_the_first_attempts_time_and_differ_per_delivery():
    earlier, later = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC), dt.datetime(2026, 11, 25, 12, 1, tzinfo=dt.UTC)
    assert record_key("key-a", earlier) < record_key("key-a", later)
    assert record_key("key-a", earlier) == record_key("key-a", earlier)
    assert record_key("key-a", earlier) != record_key("key-b", earlier)
    assert record_key("", earlier) is None and record_key("key-a", None) is None
