"""Every staff page in the admin at phone (375 px) and desktop (1280 px) width, in
English and Japanese: screenshots for people to look at
(test-artifacts/screenshots/<language>-<width>-admin-<page>.png), and what a
machine can check: 200, the right language, no sideways scrolling of the page,
no script errors under the real Content-Security-Policy, and axe-core finds no
serious or critical violation.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from publishing.models import Delivery
from qa import services
from qa.models import ImportJob, SearchMiss, SearchSynonym
from tests.browser.test_accessibility import BLOCKING_IMPACTS, _describe
from tests.browser.test_screenshots import OVERFLOW, WIDTHS, _png_size

pytestmark = pytest.mark.browser


@pytest.fixture
def staff_content(make_tip, make_question, staff, customer):
    tip = make_tip(
        title="返品の送料はかかりますか？ サイズが合わなかった場合の返品方法について",
        question_text="通販で買った靴のサイズが合いませんでした。返品の送料はかかりますか？",
        answer_text="お届けから**30日以内**でしたら、返品の送料は無料です。\n\n1. 返品フォームを開きます。\n2. 注文を選びます。",
        tags=["返品", "送料"],
    )
    question = make_question(
        title="注文した商品がまだ届きません。配送状況を確認していただけますか？",
        body="一週間たっても届きません。\n\n- 注文番号は控えてあります\n- 住所は合っています\n\n1. 確認\n2. 連絡",
        asker=customer,
    )
    answer = services.question_answer(question=question, author=staff, body="配送状況を確認しました。", is_public=True)
    from_answer = services.tip_create_from_answer(answer=answer)
    make_question(
        title="A very long question title to see how the list wraps on a narrow phone screen, "
        "with averyveryverylongwordwithoutanyspacesinsideitatall",
        body="Details.",
    )
    make_question(title="Can I change my delivery address after ordering?", body="I moved last week.")
    # One delivery in each state the tip page explains.
    now = timezone.now()
    Delivery.objects.create(
        tip=tip,
        channel="x",
        status=Delivery.Status.FAILED,
        attempts=3,
        error_kind="needs_reauth",
        last_error="X said: 401 Unauthorized " + "details " * 20,
    )
    Delivery.objects.create(
        tip=tip,
        channel="facebook",
        status=Delivery.Status.SENT,
        sent_at=now,
        remote_id="123_456",
        remote_url="https://www.facebook.com/123/posts/456",
        deleted_at=now,
    )
    Delivery.objects.create(tip=tip, channel="console", status=Delivery.Status.UNKNOWN, attempts=1)
    job = ImportJob.objects.create(
        file_name="よくある質問_2026年版.csv",
        file_size=52_000,
        encoding="cp932",
        started_by=staff,
        status=ImportJob.Status.DONE,
        created=40,
        updated=3,
        unchanged=1,
        failed=2,
        bytes_read=52_000,
        failures=[[12, "回答が空です"], [57, "カテゴリ「ギフト」は100文字を超えています"]],
    )
    SearchSynonym.objects.create(terms="返品, 返金, return, refund")
    SearchMiss.objects.create(query="ギフト包装", count=3, first_seen=timezone.now(), last_seen=timezone.now())
    conversation = _x_conversation_with_history(staff, customer)
    return {
        "tip": tip,
        "question": question,
        "draft": from_answer,
        "job": job,
        "conversation": conversation,
        "mention": _x_mention_to_answer(),
    }


def _x_mention_to_answer():
    """A new mention staff can answer: the page shows the composer."""
    from conversations.models import Network, Person
    from qa.markup import plain_text_render
    from qa.models import Message, Question

    person = Person.objects.create(network=Network.X, remote_id="555", handle="taro_tanaka", name="田中太郎")
    text = "@tipcast_support 返品の送料は誰が負担しますか？サイズ違いで交換したいです 👟"
    conversation = Question.objects.create(
        title=text, body=text, body_html=plain_text_render(text).html, person=person, source=Network.X, language="ja"
    )
    Message.objects.create(
        question=conversation,
        kind=Message.Kind.CUSTOMER,
        body=text,
        body_html=plain_text_render(text).html,
        person=person,
        channel="x",
        language="ja",
        remote_id="1790000000000000099",
        remote_url="https://x.com/taro_tanaka/status/1790000000000000099",
        mentions_account=True,
    )
    return conversation


def _x_conversation_with_history(staff, customer):
    """A conversation on X with a customer who has talked with us before (on the web
    and on X), a reply, an internal note, and the do-not-contact mark."""
    from conversations import services as conversation_services
    from conversations.models import Label, Network, Person
    from qa.markup import markdown_render
    from qa.models import Message, Question

    person = Person.objects.create(
        network=Network.X,
        remote_id="1234567890",
        handle="hanako_shopping_lover_2026",
        name="山田花子 🛍️",
        profile_url="https://x.com/hanako_shopping_lover_2026",
        user=customer,
    )
    earlier = services.question_create(
        asker=customer, title="先月の注文の返品について教えてください", body="返品したい"
    )
    services.question_answer(question=earlier, author=staff, body="返品フォームからどうぞ。", is_public=False)

    def said(question, kind, text, **extra):
        return Message.objects.create(
            question=question, kind=kind, body=text, body_html=markdown_render(text).html, **extra
        )

    text = "@tipcast_support 注文した靴がまだ届きません…もう一週間です。どうなってますか？ #配送遅延"
    conversation = Question.objects.create(
        title=text, body=text, body_html=markdown_render(text).html, person=person, source=Network.X
    )
    said(
        conversation,
        Message.Kind.CUSTOMER,
        text,
        person=person,
        channel="x",
        remote_id="1790000000000000001",
        remote_url="https://x.com/hanako_shopping_lover_2026/status/1790000000000000001",
        mentions_account=True,
    )
    delivery = Delivery.objects.create(
        channel="x", status=Delivery.Status.SENT, remote_url="https://x.com/tipcast/status/1"
    )
    said(
        conversation,
        Message.Kind.REPLY,
        "@hanako_shopping_lover_2026 ご不便をおかけしています。Tipcastサポートの佐藤です。",
        author=staff,
        channel="x",
        is_public=True,
        delivery=delivery,
        remote_url=delivery.remote_url,
    )
    said(conversation, Message.Kind.NOTE, "倉庫に確認中。前回も返品の件で連絡あり（履歴参照）。", author=staff)
    conversation.labels.add(Label.objects.create(name="配送"))
    conversation_services.person_mark_do_not_contact(
        person=person, by=staff, reason="「もう返信しないでください」とリプライあり"
    )
    return conversation


def _admin_pages(content) -> dict[str, str]:
    return {
        "dashboard": reverse("admin:index"),
        "inbox": reverse("admin:qa_question_changelist"),
        "question": reverse("admin:qa_question_change", args=[content["question"].pk]),
        "conversation-x": reverse("admin:qa_question_change", args=[content["conversation"].pk]),
        "conversation-x-composer": reverse("admin:qa_question_change", args=[content["mention"].pk]),
        "tips": reverse("admin:qa_tip_changelist"),
        "tip": reverse("admin:qa_tip_change", args=[content["tip"].pk]),
        "tip-draft": reverse("admin:qa_tip_change", args=[content["draft"].pk]),
        "tip-publish": reverse("admin:qa_tip_publish", args=[content["draft"].pk]),
        "deliveries": reverse("admin:publishing_delivery_changelist"),
        "channel-health": reverse("admin:publishing_channelstate_changelist"),
        "import": reverse("admin:qa_tip_import"),
        "import-job": reverse("admin:qa_tip_import_job", args=[content["job"].pk]),
        "synonyms": reverse("admin:qa_searchsynonym_changelist"),
        "search-misses": reverse("admin:qa_searchmiss_changelist"),
        "categories": reverse("admin:qa_category_changelist"),
        "users": reverse("admin:auth_user_changelist"),
    }


@pytest.mark.parametrize("language", ["en", "ja"])
def test_screenshots_of_each_staff_page(
    site, new_page, signed_in, screenshot_dir, staff_content, staff, language, settings
):
    # X is configured, so an X conversation shows the reply composer (nothing is sent here).
    settings.X_API_KEY, settings.X_API_SECRET = "ck", "cs"
    settings.X_ACCESS_TOKEN, settings.X_ACCESS_TOKEN_SECRET = "1000000001-at", "as"
    page, problems = new_page(locale="ja-JP" if language == "ja" else "en-US")
    page.context.add_cookies([{"name": "django_language", "value": language, "url": site}])
    signed_in(page.context, staff)
    sideways = []
    for name, path in _admin_pages(staff_content).items():
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            response = page.goto(site + path)
            assert response.status == 200, f"{name}: HTTP {response.status}"
            assert page.locator("html").get_attribute("lang") == language
            target = screenshot_dir / f"{language}-{width}-admin-{name}.png"
            page.screenshot(path=str(target), full_page=True)
            if name == "question":
                # The customer's Markdown list keeps its bullets, indented like text (the theme resets lists).
                bullets = page.evaluate(
                    """() => { const list = document.querySelector('.tipcast-history .tipcast-prose ul');
                       const style = getComputedStyle(list);
                       return [style.listStyleType, parseFloat(style.paddingLeft)]; }"""
                )
                assert bullets[0] == "disc" and 8 <= bullets[1] <= 40, bullets
            overflow = page.evaluate(OVERFLOW)
            if overflow["scrollWidth"] > overflow["width"] + 1 or _png_size(target)[0] != width:
                sideways.append(f"{target.name}: {overflow['scrollWidth']}px wide: {overflow['wide']}")
    assert not sideways, "Sideways scrolling:\n" + "\n".join(sideways)
    # The theme's scripts run under the site's real policy (nothing refused, nothing thrown).
    problems.assert_clean()


@pytest.mark.parametrize("language", ["en", "ja"])
def test_no_serious_axe_violations_on_staff_pages(
    site, new_page, signed_in, axe_source, staff_content, staff, language
):
    page, _problems = new_page(bypass_csp=True, locale="ja-JP" if language == "ja" else "en-US")
    signed_in(page.context, staff)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": site}])
    found = []
    for name, path in _admin_pages(staff_content).items():
        response = page.goto(site + path)
        assert response.ok, f"{name}: {response.status}"
        page.add_script_tag(path=str(axe_source))
        results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        blocking = [violation for violation in results["violations"] if violation["impact"] in BLOCKING_IMPACTS]
        if blocking:
            found.append(f"axe on {name} ({language}, {page.url}):\n{_describe(blocking)}")
    assert not found, "\n\n".join(found)
