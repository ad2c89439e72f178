"""People: a customer who signs in with X or Facebook joins their web and
social history; staff read a person's earlier conversations."""

from allauth.account.signals import user_signed_up
from allauth.socialaccount.models import SocialAccount, SocialLogin
from allauth.socialaccount.signals import social_account_added, social_account_updated

from conversations import selectors
from conversations.models import Network, Person
from qa.models import Question


def _social_login(user, *, provider="twitter_oauth2", uid="4242", **extra):
    account = SocialAccount(user=user, provider=provider, uid=uid, extra_data=extra)
    return SocialLogin(account=account, user=user)


def _x_conversation(person, title):
    return Question.objects.create(person=person, title=title, body=title, source=Network.X)


def test_signing_in_with_x_links_the_person_who_wrote_to_us(customer, make_question):
    taro = Person.objects.create(network=Network.X, remote_id="4242", handle="old_handle")
    mention = _x_conversation(taro, "@tipcast 返品できますか")
    web = make_question(title="返品の件です")

    social_account_updated.send(
        sender=SocialLogin, request=None, sociallogin=_social_login(customer, username="taro", name="山田太郎")
    )

    taro.refresh_from_db()
    assert (taro.user, taro.handle, taro.name, taro.profile_url) == (customer, "taro", "山田太郎", "https://x.com/taro")
    # Each conversation now shows the other as earlier history.
    assert list(selectors.conversation_earlier(question=web)) == [mention]
    assert list(selectors.conversation_earlier(question=mention)) == [web]


def test_connecting_an_unknown_identity_creates_the_person(customer):
    social_account_added.send(
        sender=SocialLogin,
        request=None,
        sociallogin=_social_login(customer, provider="facebook", uid="99", name="Hanako"),
    )
    person = Person.objects.get(network=Network.FACEBOOK, remote_id="99")
    assert (person.user, person.name, person.handle) == (customer, "Hanako", "")


def test_a_social_signup_links_too_and_other_providers_are_ignored(customer):
    user_signed_up.send(sender=None, request=None, user=customer, sociallogin=_social_login(customer, uid="7"))
    user_signed_up.send(sender=None, request=None, user=customer)  # an e-mail signup: nothing to link
    user_signed_up.send(
        sender=None, request=None, user=customer, sociallogin=_social_login(customer, provider="google", uid="8")
    )
    assert list(Person.objects.values_list("network", "remote_id")) == [(Network.X, "7")]


def test_earlier_conversations_are_the_same_persons_only(customer, other_customer, make_question):
    hanako = Person.objects.create(network=Network.X, remote_id="1", user=customer)
    stranger = Person.objects.create(network=Network.X, remote_id="2")
    _x_conversation(hanako, "first")
    current = _x_conversation(hanako, "current")
    web = make_question(title="web")
    someone_else = _x_conversation(stranger, "someone else")
    make_question(title="another customer", asker=other_customer)

    assert [q.title for q in selectors.conversation_earlier(question=current)] == ["web", "first"]
    # A person nobody linked: only their own conversations.
    assert list(selectors.conversation_earlier(question=_x_conversation(stranger, "again"))) == [someone_else]
    assert web.asker == customer
    alone = Question.objects.create(title="feed item", body="x", source=Network.FEED)
    assert list(selectors.conversation_earlier(question=alone)) == []


def test_earlier_conversations_take_a_fixed_number_of_queries(customer, make_question, django_assert_num_queries):
    hanako = Person.objects.create(network=Network.X, remote_id="1", user=customer)
    for n in range(5):
        _x_conversation(hanako, f"mention {n}")
        make_question(title=f"web {n}")
    current = Question.objects.get(pk=_x_conversation(hanako, "current").pk)
    with django_assert_num_queries(2):  # the current person, then the history with people and askers
        earlier = list(selectors.conversation_earlier(question=current))
        [(q.person, q.asker) for q in earlier]
    assert len(earlier) == 10
