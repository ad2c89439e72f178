"""Tips in the admin: editing through the services, PII-checked publishing, preview."""

import pytest
from django.urls import reverse

from qa import services
from qa.models import Tip

CHANGELIST = reverse("admin:qa_tip_changelist")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def _change_url(tip):
    return reverse("admin:qa_tip_change", args=[tip.pk])


def _form_data(tip, **changes):
    data = {
        "title": tip.title,
        "slug": tip.slug,
        "category": tip.category_id or "",
        "tags": ", ".join(tip.tags.names()),
        "question_text": tip.question_text,
        "answer_text": tip.answer_text,
        "_save": "Save",
    }
    data.update(changes)
    return data


def test_tip_list_with_filters_and_search(staff_client, make_tip):
    published = make_tip(title="送料について", answer_text="全国一律です。")
    draft = make_tip(title="返品の方法", answer_text="マイページから。", publish=False)

    assert staff_client.get(CHANGELIST).status_code == 200
    assert [t.pk for t in staff_client.get(CHANGELIST, {"status__exact": "draft"}).context["cl"].result_list] == [
        draft.pk
    ]
    assert [t.pk for t in staff_client.get(CHANGELIST, {"q": "送料"}).context["cl"].result_list] == [published.pk]


def test_tip_list_query_count(staff_client, make_tip, django_assert_max_num_queries):
    for index in range(40):
        make_tip(title=f"Tip {index}", tags=["配送", f"tag{index}"], publish=index % 2 == 0)

    with django_assert_max_num_queries(10):
        response = staff_client.get(CHANGELIST)

    assert len(response.context["cl"].result_list) == 40


def test_editing_a_tip_goes_through_the_service(staff_client, make_tip, category):
    tip = make_tip(publish=False)

    response = staff_client.post(
        _change_url(tip),
        _form_data(tip, title="配送状況の確認方法", answer_text="**追跡番号**で確認できます。", tags="配送, 追跡"),
    )

    assert response.status_code == 302
    tip.refresh_from_db()
    assert tip.title == "配送状況の確認方法"
    assert tip.answer_html == "<p><strong>追跡番号</strong>で確認できます。</p>"
    assert "追跡 跡番 番号" in tip.search_body  # the index tokens of 追跡番号, Markdown removed
    assert sorted(tip.tags.names()) == ["追跡", "配送"]


def test_published_tip_cannot_lose_its_slug(staff_client, make_tip):
    tip = make_tip(title="Shipping costs")

    response = staff_client.post(_change_url(tip), _form_data(tip, slug=""))

    assert response.status_code == 200
    assert "A published tip keeps its slug." in response.content.decode()
    tip.refresh_from_db()
    assert tip.slug == "shipping-costs"


def test_published_japanese_tip_without_slug_can_be_edited_and_given_a_romanised_slug(staff_client, make_tip):
    tip = make_tip(title="送料について")
    assert tip.slug == ""

    response = staff_client.post(_change_url(tip), _form_data(tip, answer_text="全国一律です。"))
    assert response.status_code == 302
    tip.refresh_from_db()
    assert (tip.slug, tip.answer_text) == ("", "全国一律です。")

    response = staff_client.post(_change_url(tip), _form_data(tip, slug="souryou"))
    assert response.status_code == 302
    tip.refresh_from_db()
    assert tip.get_absolute_url() == f"/tips/{tip.pk}/souryou/"

    response = staff_client.post(_change_url(tip), _form_data(tip, slug="送料"))
    assert response.status_code == 200  # a slug is ASCII: the form says so and keeps the old one
    assert "Enter a valid “slug”" in response.content.decode()
    tip.refresh_from_db()
    assert tip.slug == "souryou"


def test_a_slug_staff_type_for_a_draft_is_kept(staff_client, make_tip):
    tip = make_tip(title="How do I track my parcel?", publish=False)
    assert tip.slug == "how-do-i-track-my-parcel"

    response = staff_client.post(_change_url(tip), _form_data(tip, slug="Track-Parcel"))
    assert response.status_code == 302
    tip.refresh_from_db()
    assert tip.slug == "track-parcel"  # staff's words, lower-cased as tip_slug makes every slug

    # Editing something else (the form sends the kept slug back) leaves it alone.
    response = staff_client.post(_change_url(tip), _form_data(tip, title="Where is my parcel now?"))
    assert response.status_code == 302
    tip.refresh_from_db()
    assert (tip.title, tip.slug) == ("Where is my parcel now?", "track-parcel")


def test_a_japanese_draft_keeps_the_romanised_slug_staff_type(staff_client, make_tip):
    tip = make_tip(title="送料について", publish=False)
    assert tip.slug == ""
    response = staff_client.post(_change_url(tip), _form_data(tip, slug="souryou"))
    assert response.status_code == 302
    tip.refresh_from_db()
    assert tip.slug == "souryou"


def test_a_typed_draft_slug_is_made_a_slug_and_capped(staff_client, make_tip):
    tip = make_tip(title="Parcel", publish=False)
    response = staff_client.post(_change_url(tip), _form_data(tip, slug="Parcel--Tracking-"))
    assert response.status_code == 302
    tip.refresh_from_db()
    assert tip.slug == "parcel-tracking"  # made a slug the way tip_slug makes every slug
    response = staff_client.post(_change_url(tip), _form_data(tip, slug="-".join(["parcel"] * 8)))
    assert response.status_code == 200  # 55 characters: the form refuses more than 50, nothing changes
    tip.refresh_from_db()
    assert tip.slug == "parcel-tracking"


def test_a_draft_slug_staff_did_not_touch_follows_the_title(staff_client, make_tip):
    tip = make_tip(title="How do I track my parcel?", publish=False)
    response = staff_client.post(_change_url(tip), _form_data(tip, title="Where is my parcel?"))
    assert response.status_code == 302
    tip.refresh_from_db()
    assert tip.slug == "where-is-my-parcel"


def test_deleting_a_published_tip_recounts_its_category_and_refreshes_pages(staff_client, make_tip, category):
    from django.test import Client

    client = Client()  # an anonymous visitor, served from the page cache
    keep, gone = make_tip(title="Kept"), make_tip(title="Deleted")
    category.refresh_from_db()
    assert category.published_tip_count == 2
    assert "Deleted" in client.get("/").content.decode()  # now cached

    response = staff_client.post(reverse("admin:qa_tip_delete", args=[gone.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Tip.objects.filter(pk=gone.pk).exists()
    category.refresh_from_db()
    assert category.published_tip_count == 1
    assert "Deleted" not in client.get("/").content.decode()
    assert client.get(keep.get_absolute_url()).status_code == 200


def test_deleting_tips_from_the_list_recounts_each_category(staff_client, make_tip, category):
    from qa.models import Category

    other = Category.objects.create(name="Returns", slug="returns")
    tips = [make_tip(title="One"), make_tip(title="Two", category=other), make_tip(title="Draft", publish=False)]
    response = staff_client.post(
        reverse("admin:qa_tip_changelist"),
        {"action": "delete_selected", "_selected_action": [tip.pk for tip in tips], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Tip.objects.exists()
    assert list(Category.objects.order_by("pk").values_list("published_tip_count", flat=True)) == [0, 0]


def test_adding_a_tip_derives_slug_and_html(staff_client, category):
    response = staff_client.post(
        reverse("admin:qa_tip_add"),
        {
            "title": "会員登録の方法",
            "slug": "",
            "category": category.pk,
            "tags": "会員",
            "question_text": "",
            "answer_text": "メールアドレスで*登録*できます。",
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    tip = Tip.objects.get()
    assert tip.slug == ""  # a Japanese title: the address is /tips/<id>/
    assert tip.answer_html == "<p>メールアドレスで<em>登録</em>できます。</p>"
    assert tip.status == Tip.Status.DRAFT
    assert list(tip.tags.names()) == ["会員"]


def test_change_page_shows_private_original_and_pii_warning(staff_client, make_question, staff):
    question = make_question(title="届かない", body="電話は 090-1234-5678 です")
    answer = services.question_answer(question=question, author=staff, body="確認します。", is_public=True)
    tip = services.tip_create_from_answer(answer=answer)

    html = staff_client.get(_change_url(tip)).content.decode()

    assert "Private: never published." in html
    assert "電話は 090-1234-5678 です" in html
    assert "The public text may contain personal data" in html
    assert "phone number" in html
    assert reverse("admin:qa_tip_preview", args=[tip.pk]) in html
    # Enter in a text field submits the first button: that must be Save, never publish.
    assert html.index('name="_save"') < html.index('name="_publish"')


# --- Publishing -----------------------------------------------------------------------------


def test_publish_button_without_findings_publishes_directly(staff_client, make_tip):
    tip = make_tip(title="送料は無料ですか?", answer_text="5,000円以上で無料です。", publish=False)

    response = staff_client.post(reverse("admin:qa_tip_publish", args=[tip.pk]))

    assert response.status_code == 302
    assert response["Location"] == _change_url(tip)
    tip.refresh_from_db()
    assert tip.status == Tip.Status.PUBLISHED


@pytest.mark.parametrize(
    "answer_text",
    [
        "ご連絡は 090-1234-5678 まで",
        "０３－１２３４－５６７８ にお電話ください",
        "taro@example.jp にメールしました",
        "注文番号: AB123456 を確認しました",
    ],
)
def test_publish_with_findings_needs_confirmation(staff_client, make_tip, answer_text):
    tip = make_tip(title="配送の遅れ", answer_text=answer_text, publish=False)
    url = reverse("admin:qa_tip_publish", args=[tip.pk])

    response = staff_client.post(url)

    assert response.status_code == 200
    assert "The public text may contain personal data" in response.content.decode()
    assert "This field is required." in response.content.decode()
    tip.refresh_from_db()
    assert tip.status == Tip.Status.DRAFT

    response = staff_client.post(url, {"confirm_checked": "on"})

    assert response.status_code == 302
    tip.refresh_from_db()
    assert tip.status == Tip.Status.PUBLISHED


def test_publish_page_get_shows_findings_without_publishing(staff_client, make_tip):
    tip = make_tip(answer_text="会員番号 12345678 の方へ", publish=False)

    response = staff_client.get(reverse("admin:qa_tip_publish", args=[tip.pk]))

    html = response.content.decode()
    assert "order or membership number" in html
    assert "I have checked the public text" in html
    tip.refresh_from_db()
    assert tip.status == Tip.Status.DRAFT


def test_save_and_publish_clean_tip(staff_client, make_tip):
    tip = make_tip(publish=False)

    response = staff_client.post(_change_url(tip), _form_data(tip, _publish="1", title="追跡の仕方"))

    assert response.status_code == 302
    assert response["Location"] == _change_url(tip)
    tip.refresh_from_db()
    assert (tip.title, tip.status) == ("追跡の仕方", Tip.Status.PUBLISHED)


def test_save_and_publish_with_findings_saves_then_asks_to_confirm(staff_client, make_tip):
    tip = make_tip(publish=False)

    response = staff_client.post(_change_url(tip), _form_data(tip, _publish="1", answer_text="連絡先: 09012345678"))

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:qa_tip_publish", args=[tip.pk])
    tip.refresh_from_db()
    assert (tip.answer_text, tip.status) == ("連絡先: 09012345678", Tip.Status.DRAFT)


def test_unpublish_button(staff_client, make_tip):
    tip = make_tip()
    url = reverse("admin:qa_tip_unpublish", args=[tip.pk])
    assert url in staff_client.get(_change_url(tip)).content.decode()

    assert staff_client.get(url).status_code == 405
    response = staff_client.post(url)

    assert response.status_code == 302
    tip.refresh_from_db()
    assert tip.status == Tip.Status.UNPUBLISHED


def test_bulk_publish_skips_tips_with_findings_and_names_them(staff_client, make_tip):
    clean = make_tip(title="送料について", answer_text="全国一律です。", publish=False)
    risky = make_tip(title="電話でのお問い合わせ", answer_text="03-1234-5678 へどうぞ", publish=False)

    response = staff_client.post(
        CHANGELIST, {"action": "publish_selected", "_selected_action": [clean.pk, risky.pk]}, follow=True
    )

    html = response.content.decode()
    clean.refresh_from_db()
    risky.refresh_from_db()
    assert clean.status == Tip.Status.PUBLISHED
    assert risky.status == Tip.Status.DRAFT
    assert "1 tip published." in html
    assert "電話でのお問い合わせ" in html and "may contain personal data" in html


def test_bulk_unpublish(staff_client, make_tip):
    first, second = make_tip(title="one"), make_tip(title="two")

    staff_client.post(CHANGELIST, {"action": "unpublish_selected", "_selected_action": [first.pk, second.pk]})

    assert set(Tip.objects.values_list("status", flat=True)) == {Tip.Status.UNPUBLISHED}


# --- Preview ------------------------------------------------------------------------------


def test_preview_renders_a_draft_for_staff(staff_client, make_tip):
    tip = make_tip(title="下書きのヒント", answer_text="まだ**公開前**です。", publish=False)

    response = staff_client.get(reverse("admin:qa_tip_preview", args=[tip.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "下書きのヒント" in html
    assert "<strong>公開前</strong>" in html
    assert "only staff can see this page" in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_preview_is_staff_only(client, customer, make_tip):
    tip = make_tip(publish=False)
    client.force_login(customer)

    response = client.get(reverse("admin:qa_tip_preview", args=[tip.pk]))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_tip_admin_keeps_an_inlines_list_for_the_pipeline():
    from django.contrib import admin

    assert isinstance(admin.site._registry[Tip].inlines, list)


# --- Categories and saved replies ---------------------------------------------------------


def test_category_and_saved_reply_admin(staff_client, category):
    response = staff_client.post(
        reverse("admin:qa_category_add"), {"name": "返品", "slug": "返品", "order": 2, "description": ""}
    )
    assert response.status_code == 302
    assert [c.name for c in staff_client.get(reverse("admin:qa_category_changelist")).context["cl"].result_list] == [
        "Shipping",
        "返品",
    ]
    response = staff_client.post(
        reverse("admin:qa_savedreply_add"), {"title": "お詫び", "body": "ご迷惑をおかけしました。", "order": 0}
    )
    assert response.status_code == 302
    assert "お詫び" in staff_client.get(reverse("admin:qa_savedreply_changelist")).content.decode()


def test_staff_set_a_tips_language_and_filter_by_it(staff_client, make_tip, category):
    tip = make_tip(title="How much is shipping?")
    other = make_tip(title="送料はいくらですか？")
    assert 'name="language"' in staff_client.get(_change_url(tip)).content.decode()

    response = staff_client.post(_change_url(tip), _form_data(tip, language="ja"))

    assert response.status_code == 302
    tip.refresh_from_db()
    category.refresh_from_db()
    assert tip.language == "ja"
    assert category.published_tip_counts == {"ja": 2}  # the per-language counts follow
    filtered = staff_client.get(CHANGELIST, {"language__exact": "ja"}).context["cl"].result_list
    assert sorted(t.pk for t in filtered) == sorted([tip.pk, other.pk])
