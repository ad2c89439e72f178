"""`manage.py seed_demo`: the content `make run` starts with."""

from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management import call_command
from taggit.models import Tag

from qa import selectors, services
from qa.models import Category, Message, Question, SavedReply, Tip


def seed():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (get_user_model(), EmailAddress, Category, Tip, Tag, Question, Message, SavedReply)
    }


@pytest.mark.django_db
def test_seed_demo_loads_published_tips_in_japanese_and_english():
    out = seed()

    assert Category.objects.count() >= 3
    published = Tip.objects.published()
    assert published.count() >= 12
    assert published.filter(title__contains="送料").exists()
    assert published.filter(title__startswith="How").exists()
    assert Tag.objects.count() >= 10
    assert all(tip.answer_html.startswith("<p>") for tip in published)
    assert "Staff login:    staff@example.com / tipcast-staff" in out
    assert "Customer login: customer@example.com / tipcast-customer" in out


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["返品", "送料", "会員", "iPhone 設定", "password"])
def test_seeded_tips_answer_the_searches_people_try_first(query):
    seed()

    assert selectors.tip_search(query=query).exists()


@pytest.mark.django_db
def test_seed_demo_creates_accounts_that_can_sign_in(client):
    seed()

    staff = get_user_model().objects.get(email="staff@example.com")
    assert staff.is_staff and staff.is_superuser
    for email, password in [("staff@example.com", "tipcast-staff"), ("customer@example.com", "tipcast-customer")]:
        assert EmailAddress.objects.get(email=email).verified
        assert client.login(username=email.split("@")[0], password=password)
    customer = get_user_model().objects.get(email="customer@example.com")
    assert not customer.is_staff


@pytest.mark.django_db
def test_seed_demo_adds_customer_questions_one_answered_and_saved_replies():
    seed()

    questions = Question.objects.filter(asker__email="customer@example.com")
    assert questions.count() == 2
    answered = questions.get(status=Question.Status.WAITING_CUSTOMER)
    assert answered.messages.get(kind=Message.Kind.REPLY).author.email == "staff@example.com"
    assert questions.filter(status=Question.Status.NEW).count() == 1
    assert 2 <= SavedReply.objects.count() <= 3


@pytest.mark.django_db
def test_seed_demo_twice_duplicates_nothing():
    seed()
    first = counts()

    out = seed()

    assert counts() == first
    assert "0 tips, 0 questions and 0 saved replies added." in out


@pytest.mark.django_db
def test_seed_demo_keeps_existing_users_passwords():
    user = get_user_model().objects.create_user(username="staff", email="staff@example.com", password="changed-pw-1")

    seed()

    user.refresh_from_db()
    assert user.check_password("changed-pw-1")
    assert EmailAddress.objects.get(user=user).verified


# Categories named in both languages (issue 10).


@pytest.mark.django_db
def test_the_demo_has_each_category_once_named_in_both_languages():
    from qa.demo_content import demo_content_load

    demo_content_load()
    names = sorted(Category.objects.values_list("name", "name_ja"))
    assert names == [
        ("Account", "会員・アカウント"),
        ("App and settings", "アプリ・設定"),
        ("Returns", "返品・交換"),
        ("Shipping", "配送・送料"),
    ]
    for category in Category.objects.all():
        assert set(category.published_tip_counts) == {"en", "ja"}, category


def test_seeding_again_merges_a_demo_category_made_before_it_had_two_names(make_tip):
    from qa.demo_content import demo_content_load

    # A demo database from before: the Japanese tips in a category of their own.
    old = Category.objects.create(name="会員・アカウント", slug="会員・アカウント")
    make_tip(title="ポイントの使い方", answer_text="お支払い画面で使えます。", category=old)
    demo_content_load()
    account = Category.objects.get(name="Account")
    assert account.name_ja == "会員・アカウント"
    assert services.category_get_or_create(name="会員・アカウント") == account
    assert Tip.objects.filter(category=account, language="ja").exists()
