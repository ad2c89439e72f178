"""The publishing admin: delivery list and actions, channel health, backlog,
the live character count endpoint."""

import re

import pytest
from django.urls import reverse

from publishing import compose, services
from publishing.models import ChannelState, Delivery
from qa import services as qa_services


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def many_deliveries(make_tip, django_capture_on_commit_callbacks):
    """60 published tips queued on the console channel (not sent)."""
    tips = [make_tip(title=f"配送について {n}", publish=False) for n in range(60)]
    with django_capture_on_commit_callbacks(execute=False):
        for tip in tips:
            qa_services.tip_publish(tip=tip)
    return list(Delivery.objects.order_by("pk"))


def test_delivery_list_under_a_query_budget(staff_client, many_deliveries, django_assert_max_num_queries):
    Delivery.objects.filter(pk=many_deliveries[0].pk).update(status="failed", last_error="X said: 401 Unauthorized")
    with django_assert_max_num_queries(12):
        response = staff_client.get(reverse("admin:publishing_delivery_changelist"))
    assert response.status_code == 200
    assert "配送について" in response.content.decode()
    assert "401 Unauthorized" in response.content.decode()


def test_delivery_detail_is_read_only(staff_client, many_deliveries):
    response = staff_client.get(reverse("admin:publishing_delivery_change", args=[many_deliveries[0].pk]))
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()


def test_actions_retry_cancel_and_send_anyway(staff_client, many_deliveries, django_capture_on_commit_callbacks):
    failed, unknown, pending = many_deliveries[:3]
    Delivery.objects.filter(pk=failed.pk).update(status="failed", attempts=8, last_error="gave up")
    Delivery.objects.filter(pk=unknown.pk).update(status="unknown", error_kind="lookup_failed")
    url = reverse("admin:publishing_delivery_changelist")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        staff_client.post(url, {"action": "retry_now", "_selected_action": [failed.pk]})
        staff_client.post(url, {"action": "send_anyway", "_selected_action": [unknown.pk, pending.pk]})
    assert len(callbacks) == 2
    response = staff_client.post(url, {"action": "cancel", "_selected_action": [pending.pk]}, follow=True)
    assert "1 delivery was cancelled." in response.content.decode()
    statuses = dict(Delivery.objects.filter(pk__in=[failed.pk, unknown.pk, pending.pk]).values_list("pk", "status"))
    assert statuses == {failed.pk: "pending", unknown.pk: "pending", pending.pk: "cancelled"}
    assert Delivery.objects.get(pk=failed.pk).attempts == 0


def test_channel_health_page_and_clearing_reauth(staff_client, many_deliveries, django_assert_max_num_queries):
    ChannelState.objects.update_or_create(kind="x", defaults={"needs_reauth": True, "last_error": "401 Unauthorized"})
    url = reverse("admin:publishing_channelstate_changelist")
    with django_assert_max_num_queries(8):
        response = staff_client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Needs re-authorisation" in page and "401 Unauthorized" in page
    assert "console" in page and "facebook" in page and "Bluesky" in page and "Mastodon" in page
    assert "60 pending" in page
    clear_url = reverse("admin:publishing_channelstate_clear_reauth", args=["x"])
    assert staff_client.get(clear_url).status_code == 405
    staff_client.post(clear_url)
    assert not ChannelState.objects.get(kind="x").needs_reauth


def test_admin_index_shows_the_backlog(staff_client, many_deliveries, django_assert_max_num_queries):
    Delivery.objects.filter(pk__in=[d.pk for d in many_deliveries[:2]]).update(status="failed")
    Delivery.objects.filter(pk=many_deliveries[2].pk).update(status="unknown")
    with django_assert_max_num_queries(10):
        response = staff_client.get(reverse("admin:index"))
    page = response.content.decode()
    deliveries = reverse("admin:publishing_delivery_changelist")
    for status, count in [("pending", 57), ("failed", 2), ("unknown", 1)]:
        link = re.search(
            rf'href="{deliveries}\?status__exact={status}">\s*<span class="tipcast-stat-value">(\d+)<', page
        )
        assert link and int(link.group(1)) == count, status


def test_preview_endpoint_counts_with_the_channel_rules(staff_client, make_tip, settings):
    settings.SITE_URL = "https://support.example.com"
    tip = make_tip(title="返品")
    url = reverse("admin:publishing_delivery_preview")
    data = staff_client.get(url, {"tip": tip.pk, "channel": "console", "text": "送料は無料です"}).json()
    assert data["ok"] and data["text"].startswith("送料は無料です")
    # Seven CJK characters weigh 14, the URL 23, the newline 1.
    assert data["details"]["weighted_length"] == 14 + 1 + 23
    assert staff_client.get(url, {"tip": tip.pk, "channel": "myspace"}).status_code == 404


def test_preview_endpoint_counts_bluesky_graphemes_and_mastodons_instance_limit(staff_client, make_tip, settings):
    from django.core.cache import cache

    from tests.publishing.fake_social import FakeSocialServer

    settings.SITE_URL = "https://support.example.com"
    settings.BLUESKY_HANDLE, settings.BLUESKY_APP_PASSWORD = "tipcast.bsky.social", "abcd-efgh-ijkl-mnop"
    tip = make_tip(title="返品")
    url = reverse("admin:publishing_delivery_preview")
    family = "👨‍👩‍👧‍👦"
    data = staff_client.get(url, {"tip": tip.pk, "channel": "bluesky", "text": family * 3}).json()
    # Three graphemes (21 code points), a newline, the link shown short.
    shown = compose.link_display_text(data["link"])
    assert shown.startswith(f"support.example.com/tips/{tip.pk}")
    assert data["text"] == f"{family * 3}\n{shown}"
    assert data["ok"] and data["details"]["length"] == 3 + 1 + len(shown) and data["details"]["max"] == 300
    with FakeSocialServer() as instance:
        instance.state.mastodon_max_characters = 1000
        cache.clear()
        settings.MASTODON_API_BASE_URL, settings.MASTODON_ACCESS_TOKEN = instance.url, "token"
        data = staff_client.get(url, {"tip": tip.pk, "channel": "mastodon", "text": "送料は無料です"}).json()
    assert data["ok"] and data["details"] == {"length": 7 + 1 + 23, "max": 1000}


def test_preview_endpoint_is_staff_only(client, customer, make_tip):
    tip = make_tip()
    url = reverse("admin:publishing_delivery_preview")
    assert client.get(url, {"tip": tip.pk, "channel": "console"}).status_code == 302
    client.force_login(customer)
    assert client.get(url, {"tip": tip.pk, "channel": "console"}).status_code == 302


def test_post_now_from_the_delivery_list(staff_client, make_tip, settings, django_capture_on_commit_callbacks):
    settings.PUBLISHING_CHANNEL_OVERRIDES["console"]["drip_interval_minutes"] = 600
    tips = [make_tip(title=f"Tip {n}", publish=False) for n in range(2)]
    with django_capture_on_commit_callbacks(execute=False):
        for tip in tips:
            qa_services.tip_publish(tip=tip)
    later = Delivery.objects.get(tip=tips[1])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        staff_client.post(
            reverse("admin:publishing_delivery_changelist"), {"action": "post_now", "_selected_action": [later.pk]}
        )
    assert callbacks
    later.refresh_from_db()
    assert later.scheduled_for <= services.timezone.now()


def _tip_form(tip, **extra):
    data = {
        "title": tip.title,
        "slug": tip.slug,
        "category": tip.category_id or "",
        "tags": "",
        "question_text": tip.question_text,
        "answer_text": tip.answer_text,
        "_save": "Save",
        "channel_settings-TOTAL_FORMS": "0",
        "channel_settings-INITIAL_FORMS": "0",
        "deliveries-TOTAL_FORMS": "0",
        "deliveries-INITIAL_FORMS": "0",
    }
    data.update(extra)
    return data


def test_tip_page_shows_deliveries_and_saves_a_channel_override(
    staff_client, make_tip, settings, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    tip = make_tip(title="返品の送料", publish=False)
    with django_capture_on_commit_callbacks(execute=False):
        qa_services.tip_publish(tip=tip)
    Delivery.objects.filter(tip=tip).update(
        status="failed",
        last_error="X said: duplicate content",
        error_kind="duplicate",
        remote_url="https://x.example/1",
    )
    url = reverse("admin:qa_tip_change", args=[tip.pk])
    with django_assert_max_num_queries(30):
        page = staff_client.get(url).content.decode()
    assert "X said: duplicate content" in page and "https://x.example/1" in page
    assert "publishing/admin_char_count.js" in page and "tipcast-char-count" in page
    assert f'data-tip="{tip.pk}"' in page

    data = _tip_form(
        tip,
        **{
            "channel_settings-TOTAL_FORMS": "1",
            "channel_settings-0-channel": "console",
            "channel_settings-0-enabled": "on",
            "channel_settings-0-text_override": "送料は当社が負担します",
            "channel_settings-0-tip": tip.pk,
        },
    )
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    setting = tip.channel_settings.get()
    assert setting.channel == "console" and setting.enabled and setting.text_override == "送料は当社が負担します"


def test_tip_page_offers_a_ready_row_for_each_enabled_channel(staff_client, make_tip, settings):
    settings.X_API_KEY, settings.X_API_SECRET = "key", "secret"
    settings.X_ACCESS_TOKEN, settings.X_ACCESS_TOKEN_SECRET = "token", "token-secret"
    settings.FACEBOOK_PAGE_ID, settings.FACEBOOK_PAGE_ACCESS_TOKEN = "1", "page-token"
    tip = make_tip(title="送料", publish=False)
    tip.channel_settings.create(channel="x", enabled=False)
    page = staff_client.get(reverse("admin:qa_tip_change", args=[tip.pk])).content.decode()
    # The saved X row, plus a ready row for Facebook (console is off: networks are configured).
    assert 'name="channel_settings-TOTAL_FORMS" value="2"' in page
    assert 'name="channel_settings-1-channel"' in page
    assert '<option value="facebook" selected>' in page


def test_tip_actions_post_now_and_post_again(staff_client, make_tip, django_capture_on_commit_callbacks):
    tip = make_tip(title="静かに公開")  # published without announcement: no deliveries yet
    changelist = reverse("admin:qa_tip_changelist")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = staff_client.post(
            changelist, {"action": "tip_post_now_action", "_selected_action": [tip.pk]}, follow=True
        )
    assert "1 post will be sent now." in response.content.decode()
    assert len(callbacks) == 1 and Delivery.objects.get(tip=tip).status == "pending"
    Delivery.objects.filter(tip=tip).update(status="sent", remote_id="console-1")
    staff_client.post(changelist, {"action": "tip_post_again_action", "_selected_action": [tip.pk]})
    assert Delivery.objects.get(tip=tip).status == "pending"


def test_staff_see_reconciled_deliveries_in_the_list_and_on_the_health_page(
    staff_client, many_deliveries, django_assert_max_num_queries
):
    found, resent, unknown = many_deliveries[:3]
    Delivery.objects.filter(pk=found.pk).update(status="sent", reconciliation="found")
    Delivery.objects.filter(pk=resent.pk).update(status="sent", reconciliation="resent")
    Delivery.objects.filter(pk=unknown.pk).update(
        status="unknown",
        reconciliation="unknown",
        error_kind="search_limit",
        last_error="The worker stopped while sending. Whether the post exists could not be proven: searched 10 pages",
    )
    url = reverse("admin:publishing_delivery_changelist")
    with django_assert_max_num_queries(12):
        page = staff_client.get(url).content.decode()
    assert "Found on the network" in page and "Proven absent, sent again" in page and "Could not tell" in page
    unknown_only = staff_client.get(url, {"reconciliation__exact": "unknown"})
    assert [row.pk for row in unknown_only.context["cl"].result_list] == [unknown.pk]
    assert "searched 10 pages" in unknown_only.content.decode()

    with django_assert_max_num_queries(9):
        health = staff_client.get(reverse("admin:publishing_channelstate_changelist")).content.decode()
    assert "found: 1, re-sent: 1, unknown: 1" in health
    assert "reconciliation__exact=unknown" in health
