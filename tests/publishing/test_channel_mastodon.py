"""The Mastodon channel, running the real Mastodon.py client over HTTP against
the fake instance on loopback (tests/publishing/fake_social_mastodon)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from publishing import compose
from publishing.channels.base import PublishError, Remote
from publishing.channels.registry import get_channel
from tests.publishing.fake_social import FakeSocialServer
from tests.publishing.fake_social_mastodon import ACCESS_TOKEN


@pytest.fixture(scope="module")
def instance():
    with FakeSocialServer() as server:
        yield server


@pytest.fixture
def mastodon(settings, instance):
    instance.state.reset()
    cache.clear()
    settings.SITE_URL = "https://support.example.com"
    settings.MASTODON_API_BASE_URL = instance.url
    settings.MASTODON_ACCESS_TOKEN = ACCESS_TOKEN
    settings.PUBLISHING_HTTP_TIMEOUT = 3.0
    settings.PUBLISHING_REQUESTS_SESSION_FACTORY = ""
    return get_channel("mastodon")


def live_posts(instance):
    return instance.state.live("mastodon")


def script(instance, *entries):
    instance.state.scripts["mastodon"].extend(entries)


def keyed(post, key="0f8e5a52-3c1d-5e7a-8b0f-2d6c9e1a4b77"):
    return dataclasses.replace(post, idempotency_key=key)


# --- composing -----------------------------------------------------------------------------------------


def test_the_limit_is_the_instances_own_read_once_and_cached(mastodon, make_tip, instance):
    instance.state.mastodon_max_characters = 1000
    tip = make_tip(title="インスタンスの上限")
    assert mastodon.compose(tip).details["max"] == 1000
    get_channel("mastodon").compose(tip)
    assert instance.state.mastodon_instance_reads == 1


def test_an_unreadable_instance_falls_back_to_500_without_caching_it(mastodon, make_tip, instance):
    script(instance, {"status": 503})
    tip = make_tip(title="上限が読めない")
    assert mastodon.compose(tip).details["max"] == 500
    instance.state.mastodon_max_characters = 800
    assert get_channel("mastodon").compose(tip).details["max"] == 800


def test_urls_count_23_and_japanese_and_emoji_count_one_grapheme_each(mastodon, make_tip, instance):
    instance.state.mastodon_max_characters = 60
    family = "👨‍👩‍👧‍👦"
    tip = make_tip(title=f"返品{family}" + "あ" * 100, tags=["返品"])
    post = mastodon.compose(tip)
    # title cut + "\n" + URL (23, however long) + "\n#返品" = 60
    assert post.details == {"length": 60, "max": 60}
    assert compose.mastodon_length(post.text) == 60
    assert post.text.startswith(f"返品{family}あ") and compose.ELLIPSIS in post.text
    assert post.link in post.text and len(post.link) > 23
    assert post.text.endswith("\n#返品")


def test_a_long_url_is_never_cut(mastodon, make_tip, instance, settings):
    settings.SITE_URL = "https://support.example.com/" + "%E3%83%98%E3%83%AB%E3%83%97" * 8
    instance.state.mastodon_max_characters = 40
    tip = make_tip(title="ご注文の変更と返品・交換の送料について詳しく" * 4)
    post = mastodon.compose(tip)
    assert post.link in post.text and len(post.link) > 200
    assert post.details["length"] <= 40


def test_compose_refuses_what_cannot_fit(mastodon, make_tip, instance):
    instance.state.mastodon_max_characters = 20
    with pytest.raises(PublishError) as refused:
        mastodon.compose(make_tip(title="短すぎる上限"))
    assert refused.value.permanent and refused.value.code == "too_long"


# --- sending ---------------------------------------------------------------------------------------------


def test_send_posts_the_text_publicly_with_the_idempotency_key_and_bearer_token(mastodon, make_tip, instance):
    tip = make_tip(title="返品の送料はどなたが負担しますか？")
    post = keyed(mastodon.compose(tip))
    remote = mastodon.send(post)
    [made] = live_posts(instance)
    assert made["text"] == post.text and made["visibility"] == "public" and made["language"] == "ja"
    assert made["idempotency_key"] == "0f8e5a52-3c1d-5e7a-8b0f-2d6c9e1a4b77"
    assert remote == Remote(id=made["id"], url=f"https://social.example/@tipcast/{made['id']}")


def test_a_retry_with_the_same_key_returns_the_first_status_and_posts_nothing(mastodon, make_tip, instance):
    post = keyed(mastodon.compose(make_tip(title="再送")))
    first = mastodon.send(post)
    again = get_channel("mastodon").send(post)
    assert again == first and len(live_posts(instance)) == 1
    assert instance.state.mastodon_idempotent_replays == 1


def test_the_pipeline_gives_every_attempt_of_one_delivery_the_same_key(make_tip):
    from publishing.models import Delivery
    from publishing.sending import delivery_idempotency_key

    tip = make_tip(title="鍵")
    first = timezone.now()
    delivery = Delivery(pk=41, tip=tip, channel="mastodon", first_claimed_at=first, claimed_at=first)
    retry = Delivery(pk=41, tip=tip, channel="mastodon", first_claimed_at=first, claimed_at=timezone.now())
    requeued = Delivery(pk=41, tip=tip, channel="mastodon", first_claimed_at=first + dt.timedelta(hours=1))
    assert delivery_idempotency_key(delivery) == delivery_idempotency_key(retry)
    assert delivery_idempotency_key(requeued) != delivery_idempotency_key(delivery)


# --- errors ---------------------------------------------------------------------------------------------


def test_a_bad_token_needs_reauthorisation(mastodon, make_tip, settings):
    tip = make_tip(title="トークン")
    post = mastodon.compose(tip)
    settings.MASTODON_ACCESS_TOKEN = "revoked"
    with pytest.raises(PublishError) as refused:
        get_channel("mastodon").send(post)
    assert refused.value.needs_reauth and refused.value.code == "401"


def test_a_rate_limit_carries_the_reset_time(mastodon, make_tip, instance):
    post = mastodon.compose(make_tip(title="制限"))
    script(instance, {"status": 429, "reset_in": 120})
    with pytest.raises(PublishError) as limited:
        mastodon.send(post)
    assert limited.value.code == "429" and not limited.value.permanent
    assert 100 <= limited.value.retry_after <= 125


def test_too_long_for_the_instance_is_refused_for_good(mastodon, make_tip, instance):
    post = mastodon.compose(make_tip(title="長すぎる"))
    instance.state.mastodon_max_characters = 5  # the instance lowered its limit since
    with pytest.raises(PublishError) as refused:
        mastodon.send(post)
    assert refused.value.permanent and refused.value.code == "422"
    assert "character limit" in refused.value.message


@pytest.mark.parametrize("status", [500, 503])
def test_a_server_error_is_transient_and_ambiguous(mastodon, make_tip, instance, status):
    post = mastodon.compose(make_tip(title="サーバー"))
    script(instance, {"status": status})
    with pytest.raises(PublishError) as failed:
        mastodon.send(post)
    assert not failed.value.permanent and failed.value.ambiguous


def test_a_dropped_connection_after_the_status_was_made_is_ambiguous_and_the_retry_is_safe(
    mastodon, make_tip, instance
):
    post = keyed(mastodon.compose(make_tip(title="接続断")))
    script(instance, {"status": "drop"})
    with pytest.raises(PublishError) as failed:
        mastodon.send(post)
    assert failed.value.ambiguous and not failed.value.permanent
    get_channel("mastodon").send(post)
    assert len(live_posts(instance)) == 1


def test_an_unreachable_instance_is_transient_and_not_ambiguous(settings, make_tip):
    settings.SITE_URL = "https://support.example.com"
    settings.MASTODON_API_BASE_URL = "http://127.0.0.1:9"
    settings.MASTODON_ACCESS_TOKEN = ACCESS_TOKEN
    cache.clear()
    channel = get_channel("mastodon")
    with pytest.raises(PublishError) as failed:
        channel.send(channel.compose(make_tip(title="届かない")))
    assert not failed.value.permanent and not failed.value.ambiguous


# --- find and delete -------------------------------------------------------------------------------------


def _post_others(channel, make_tip, count: int) -> None:
    other = make_tip(title="ほかのヒント")
    for number in range(count):
        channel.send(channel.compose(other, text_override=f"{number} {{url}}"))


def test_find_pages_back_past_newer_statuses_to_the_claim_time(mastodon, make_tip):
    tip = make_tip(title="見つける")
    since = timezone.now() - dt.timedelta(seconds=5)
    remote = mastodon.send(mastodon.compose(tip))
    _post_others(mastodon, make_tip, 90)
    found = get_channel("mastodon").find(tip, since=since)
    assert found.remote == remote and found.pages == 3


def test_find_proves_absence_only_after_paging_past_the_claim_time(mastodon, make_tip, instance):
    tip = make_tip(title="投稿されなかった")
    _post_others(mastodon, make_tip, 45)
    # Statuses made before the claim, then 85 after it.
    for post in instance.state.posts:
        post["created_at"] -= 600
    since = timezone.now() - dt.timedelta(seconds=60)
    _post_others(mastodon, make_tip, 85)
    found = get_channel("mastodon").find(tip, since=since)
    assert found.absent and found.remote is None and found.pages == 3


def test_find_stops_at_the_page_bound_without_proof(mastodon, make_tip, settings):
    settings.PUBLISHING_FIND_MAX_PAGES = 2
    tip = make_tip(title="上限")
    since = timezone.now() - dt.timedelta(seconds=5)
    _post_others(mastodon, make_tip, 90)
    found = get_channel("mastodon").find(tip, since=since)
    assert found.limit_reached and not found.absent and found.remote is None


def test_find_with_a_bad_token_cannot_tell(mastodon, make_tip, settings):
    tip = make_tip(title="見えない")
    settings.MASTODON_ACCESS_TOKEN = "revoked"
    found = get_channel("mastodon").find(tip, since=timezone.now())
    assert not found.absent and found.remote is None and "look-up failed" in found.reason


def test_delete_removes_the_status_and_a_second_delete_is_not_an_error(mastodon, make_tip, instance):
    remote = mastodon.send(mastodon.compose(make_tip(title="削除")))
    mastodon.delete(remote)
    assert not live_posts(instance)
    get_channel("mastodon").delete(remote)
