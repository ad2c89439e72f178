"""The objects every parameterised route of the permission tables resolves to
(test_permissions, test_csrf)."""

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.contrib.auth.models import Group
from django.contrib.sites.models import Site
from taggit.models import Tag

from conversations.models import (
    FeedSubscription,
    ListeningState,
    SignatureTemplate,
    StaffProfile,
    SupportHoliday,
    SupportHours,
)
from conversations.services import conversation_follow_up
from publishing.models import ChannelState, Delivery
from qa import services
from qa.models import ImportJob, SearchMiss, SearchSynonym
from qa.search import services as search_services
from tests.conftest import category_create, customer_create, other_customer_create, staff_create, tip_make
from tests.qa.images import image_bytes, upload
from tests.security.permission_expectations import World
from tests.shared_data import shared_data


@pytest.fixture
def world(request):
    """Built once for the consecutive tests that use it, each test in a savepoint of its
    own (tests/shared_data.py): hundreds of parameterised tests ask for it. A test that
    needs other database fixtures names `world` first."""
    return shared_data(request, _world_build)


def _world_build() -> World:
    customer, other_customer, staff = customer_create(), other_customer_create(), staff_create()
    category = category_create()
    published = tip_make(title="How do I track my parcel?", tags=["配送"], publish=False, category=category)
    published = services.tip_publish(tip=published, announce=True)  # creates the console delivery
    draft = tip_make(title="Draft: returns after 30 days", publish=False, category=category)
    question = services.question_create(asker=customer, title="荷物が届きません", body="注文したのに届きません。")
    answer = services.question_answer(question=question, author=staff, body="調べます。", is_public=False)
    follow_up = conversation_follow_up(
        question=question, author=customer, body="写真です。", attachments=[upload("box.png", image_bytes("PNG"))]
    )
    social_app = SocialApp.objects.create(provider="google", name="Google", client_id="id", secret="secret")
    social_app.sites.add(Site.objects.get_current())  # Google is configured; X and Facebook are not
    social_account = SocialAccount.objects.create(user=other_customer, provider="google", uid="1234")
    world = World(
        customer=customer,
        other=other_customer,
        staff=staff,
        published_tip=published,
        draft_tip=draft,
        question=question,
        answer=answer,
        delivery=Delivery.objects.get(tip=published),
        attachment=follow_up.attachments.get(),
    )
    world.objects = {
        "auth.group": Group.objects.create(name="Support"),
        "auth.user": other_customer,
        "sites.site": Site.objects.get_current(),
        "taggit.tag": Tag.objects.get(name="配送"),
        "account.emailaddress": EmailAddress.objects.get(user=customer),
        "socialaccount.socialapp": social_app,
        "socialaccount.socialaccount": social_account,
        "socialaccount.socialtoken": SocialToken.objects.create(app=social_app, account=social_account, token="t"),
        "mfa.authenticator": RecoveryCodes.activate(other_customer).instance,
        "qa.category": category,
        "qa.savedreply": services.saved_reply_create(title="Thanks", body="Thank you for asking."),
        "qa.searchsynonym": search_services.search_synonym_save(synonym=SearchSynonym(terms="配送, 宅配")),
        "qa.searchmiss": _search_miss("ギフトカード"),
        "qa.question": question,
        "qa.tip": published,
        "qa.importjob": ImportJob.objects.create(file_name="faq.csv", encoding="utf-8", started_by=staff),
        "publishing.delivery": world.delivery,
        "publishing.channelstate": ChannelState.objects.get_or_create(kind="console")[0],
        "conversations.staffprofile": StaffProfile.objects.create(user=staff, display_name="ワタナベ"),
        "conversations.signaturetemplate": SignatureTemplate.objects.create(
            language="ja", template="{company}の{name}です。"
        ),
        "conversations.supporthours": SupportHours.objects.create(weekday=0, opens="09:00", closes="18:00"),
        "conversations.supportholiday": SupportHoliday.objects.create(date="2026-11-23", name="勤労感謝の日"),
        "conversations.feedsubscription": FeedSubscription.objects.create(url="https://blog.example.jp/feed"),
        "conversations.listeningstate": ListeningState.objects.create(kind="x_mentions"),
        # --- Quality audits: a reply by another staff member, queued for the (superuser) staff actor ---
        **_audit_objects(question),
    }
    return world


def _audit_objects(question) -> dict:
    from django.contrib.auth import get_user_model

    from audits.models import Audit, Guideline
    from audits.selectors import guideline_current
    from qa.models import Message

    writer = get_user_model().objects.create_user(username="writer", email="writer@example.com", is_staff=True)
    reply = Message.objects.create(question=question, kind=Message.Kind.REPLY, author=writer, body="確認します。")
    # The default guideline comes from a data migration, which a transactional test's
    # flush earlier in the run deletes: make one then.
    guideline = guideline_current() or Guideline.objects.create(title="Reply guidelines")
    audit = Audit.objects.create(
        message=reply,
        guideline=guideline,
        author=writer,
        replied_at=reply.created_at,
        week=reply.created_at.date(),
    )
    return {"audits.guideline": audit.guideline, "audits.audit": audit}


def _search_miss(query: str) -> SearchMiss:
    search_services.search_miss_record(query=query)
    return SearchMiss.objects.get(query=query)
